// heap_model.cpp — see heap_model.h.
#include "analyzers/heap_model.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "schema/units.h"

namespace allocprof::analyzers {
namespace {

using nlohmann::json;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// round_up(n, alignment) for a power-of-two alignment, saturating instead of wrapping.
uint64_t round_up(uint64_t n, uint64_t alignment) {
    if (n > kMax - (alignment - 1)) return kMax & ~(alignment - 1);
    return (n + alignment - 1) & ~(alignment - 1);
}

uint64_t add(uint64_t a, uint64_t b) { return a > kMax - b ? kMax : a + b; }

// A whole number of 0 or more (parsed JSON holds it unsigned, a built one may hold it signed).
bool is_count(const json& v) {
    return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

// glibc's request2size on x86-64: 8 bytes of size field, 16-byte alignment, 32 at least.
uint64_t glibc_chunk(uint64_t size) { return std::max<uint64_t>(32, round_up(add(size, 8), 16)); }

// A non-negative integer field of the model file, `fallback` when absent and optional.
uint64_t count_field(const json& model, const std::string& origin, const char* key,
                     std::optional<uint64_t> fallback) {
    if (!model.contains(key)) {
        if (fallback) return *fallback;
        throw HeapModelError(origin + ": " + key + ": missing (a number of bytes)");
    }
    const json& v = model.at(key);
    if (!is_count(v))
        throw HeapModelError(origin + ": " + key +
                             ": must be a whole number of bytes, 0 or more (got " + v.dump() + ")");
    return v.get<uint64_t>();
}

}  // namespace

HeapModel HeapModel::glibc() {
    HeapModel m;
    m.kind_ = Kind::Glibc;
    m.name_ = "glibc";
    m.header_ = 8;
    m.alignment_ = 16;
    m.min_block_ = 32;
    return m;
}

HeapModel HeapModel::exact() { return HeapModel(); }

HeapModel HeapModel::from_json(const json& model, const std::string& origin) {
    if (!model.is_object())
        throw HeapModelError(origin + ": not a JSON object (an allocator model)");
    static const char* const kKeys[] = {"name", "header_bytes", "alignment", "min_block",
                                        "size_classes"};
    for (const auto& [key, value] : model.items())
        if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
            throw HeapModelError(
                origin + ": " + key +
                ": unknown key (known: name, header_bytes, alignment, min_block, size_classes)");
    HeapModel m;
    m.kind_ = Kind::File;
    m.origin_ = origin;
    m.name_ = origin;
    if (model.contains("name")) {
        if (!model["name"].is_string() || model["name"].get<std::string>().empty())
            throw HeapModelError(origin + ": name: must be a non-empty string (got " +
                                 model["name"].dump() + ")");
        m.name_ = model["name"].get<std::string>();
    }
    m.header_ = count_field(model, origin, "header_bytes", std::nullopt);
    m.alignment_ = count_field(model, origin, "alignment", std::nullopt);
    if (m.alignment_ == 0 || (m.alignment_ & (m.alignment_ - 1)) != 0)
        throw HeapModelError(origin + ": alignment: must be a power of two, 1 or more (got " +
                             std::to_string(m.alignment_) + ")");
    m.min_block_ = count_field(model, origin, "min_block", 0);
    if (model.contains("size_classes")) {
        const json& classes = model["size_classes"];
        if (!classes.is_array() || classes.empty())
            throw HeapModelError(origin +
                                 ": size_classes: must be a non-empty array of block sizes (got " +
                                 classes.dump() + ")");
        for (size_t i = 0; i < classes.size(); ++i) {
            const json& c = classes[i];
            const std::string where = origin + ": size_classes[" + std::to_string(i) + "]: ";
            if (!is_count(c) || c.get<uint64_t>() == 0)
                throw HeapModelError(where + "must be a whole number of bytes, 1 or more (got " +
                                     c.dump() + ")");
            if (!m.size_classes_.empty() && c.get<uint64_t>() <= m.size_classes_.back())
                throw HeapModelError(where + "must be larger than the class before it (" +
                                     std::to_string(m.size_classes_.back()) +
                                     "); list the classes in ascending order");
            m.size_classes_.push_back(c.get<uint64_t>());
        }
    }
    return m;
}

HeapModel HeapModel::from_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw HeapModelError(path + ": cannot read the allocator model file");
    std::stringstream text;
    text << in.rdbuf();
    json model;
    try {
        model = json::parse(text.str());
    } catch (const json::parse_error& e) {
        throw HeapModelError(path + ": not JSON (byte " + std::to_string(e.byte) + ")");
    }
    return from_json(model, path);
}

HeapModel HeapModel::named(const std::string& allocator) {
    if (allocator == "glibc") return glibc();
    if (allocator == "exact") return exact();
    std::ifstream probe(allocator);
    if (!probe)
        throw HeapModelError("--allocator " + allocator +
                             ": not glibc, exact or a readable allocator model file");
    return from_file(allocator);
}

uint64_t HeapModel::block_bytes(uint64_t size) const {
    switch (kind_) {
        case Kind::Exact:
            return size;
        case Kind::Glibc: {
            const uint64_t chunk = glibc_chunk(size);
            return chunk >= kGlibcMmapThreshold ? round_up(add(chunk, 8), kPageSize) : chunk;
        }
        case Kind::File: {
            const uint64_t need = std::max(min_block_, round_up(add(size, header_), alignment_));
            auto it = std::lower_bound(size_classes_.begin(), size_classes_.end(), need);
            return it != size_classes_.end() ? *it : need;
        }
    }
    return size;
}

bool HeapModel::mapped(uint64_t size) const {
    return kind_ == Kind::Glibc && glibc_chunk(size) >= kGlibcMmapThreshold;
}

std::string HeapModel::describe() const {
    switch (kind_) {
        case Kind::Exact:
            return "exact: each block takes its requested bytes";
        case Kind::Glibc:
            return "glibc (x86-64): each block takes max(32, round_up_16(size + 8)); from 128 KB, "
                   "a mapping of "
                   "round_up_4096(that + 8)";
        case Kind::File: {
            std::string text = name_ + ": each block takes max(" + std::to_string(min_block_) +
                               ", round_up_" + std::to_string(alignment_) + "(size + " +
                               std::to_string(header_) + "))";
            if (!size_classes_.empty())
                text += ", then the smallest of " + std::to_string(size_classes_.size()) +
                        " size classes (" + units::format_bytes(size_classes_.front()) + " to " +
                        units::format_bytes(size_classes_.back()) + ") that holds it";
            return text;
        }
    }
    return name_;
}

json HeapModel::to_json() const {
    json out = {{"name", name_}};
    out["kind"] = kind_ == Kind::Glibc ? "glibc" : kind_ == Kind::Exact ? "exact" : "file";
    if (kind_ == Kind::File) out["file"] = origin_;
    out["header_bytes"] = header_;
    out["alignment"] = alignment_;
    out["min_block"] = min_block_;
    out["size_classes"] = size_classes_;
    out["mmap_threshold"] = kind_ == Kind::Glibc ? json(kGlibcMmapThreshold) : json(nullptr);
    return out;
}

uint64_t parse_heap_size(const std::string& text) {
    const std::string what =
        "'" + text +
        "' is not a heap size (a whole number of bytes, or with K, KiB, M, MiB, G, "
        "GiB; 1 K = 1024 B)";
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0) throw HeapModelError(what);
    std::string unit = text.substr(digits);
    if (!unit.empty() && unit[0] == ' ') unit.erase(0, 1);
    for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uint64_t scale = 0;
    if (unit.empty() || unit == "b")
        scale = 1;
    else if (unit == "k" || unit == "kb" || unit == "kib")
        scale = 1ull << 10;
    else if (unit == "m" || unit == "mb" || unit == "mib")
        scale = 1ull << 20;
    else if (unit == "g" || unit == "gb" || unit == "gib")
        scale = 1ull << 30;
    else
        throw HeapModelError(what);
    uint64_t n = 0;
    for (size_t i = 0; i < digits; ++i) {
        const uint64_t d = static_cast<uint64_t>(text[i] - '0');
        if (n > (kMax - d) / 10) throw HeapModelError("'" + text + "' is too large a heap size");
        n = n * 10 + d;
    }
    if (n > kMax / scale) throw HeapModelError("'" + text + "' is too large a heap size");
    if (n == 0) throw HeapModelError("'" + text + "': a heap limit is at least 1 byte");
    return n * scale;
}

}  // namespace allocprof::analyzers
