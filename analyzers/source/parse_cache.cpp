// parse_cache.cpp — the on-disk cache of analysed translation units (see the header).
#include "analyzers/source/parse_cache.h"

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

namespace allocprof::analyzers::source {

namespace fs = std::filesystem;

namespace {
constexpr int kCacheFormat = 1;  // bump when FileAnalysis or the collector's rules change
}

std::string content_hash(std::string_view bytes) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    static const char kHex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kHex[h & 15];
    return out;
}

std::optional<std::string> read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return s.str();
}

ParseCache::ParseCache(fs::path dir) : dir_(std::move(dir)) {}

std::string ParseCache::key(const std::string& file, std::string_view content,
                            const std::vector<std::string>& flags) {
    std::string material = "allocprof-source-cache " + std::to_string(kCacheFormat) + '\0' +
                           ConstructCollector::clang_version() + '\0' + file + '\0';
    for (const std::string& f : flags) material += f + '\0';
    material += content_hash(content);
    // Two independent halves: the name stays short, collisions stay out of reach.
    return content_hash(material) + content_hash(std::string(material.rbegin(), material.rend()));
}

std::optional<FileAnalysis> ParseCache::load(const std::string& key, bool* stale) const {
    if (stale != nullptr) *stale = false;
    if (dir_.empty()) return std::nullopt;
    const std::optional<std::string> text = read_file(dir_ / (key + ".json"));
    if (!text) return std::nullopt;
    try {
        const nlohmann::json j = nlohmann::json::parse(*text);
        if (j.at("format").get<int>() != kCacheFormat || j.at("key").get<std::string>() != key)
            return std::nullopt;
        for (const auto& dependency : j.at("dependencies")) {
            const std::optional<std::string> content =
                read_file(dependency.at("path").get<std::string>());
            if (!content || content_hash(*content) != dependency.at("hash").get<std::string>()) {
                if (stale != nullptr) *stale = true;
                return std::nullopt;
            }
        }
        return j.at("analysis").get<FileAnalysis>();
    } catch (const std::exception&) {  // corrupt or from another version: parse again
        return std::nullopt;
    }
}

bool ParseCache::store(const std::string& key, const ParsedFile& parsed) const {
    if (dir_.empty() || parsed.analysis.status != ParseStatus::Ok) return true;
    nlohmann::json dependencies = nlohmann::json::array();
    for (const std::string& path : parsed.dependencies) {
        const std::optional<std::string> content = read_file(path);
        if (!content) return true;  // a header gone already: do not cache what cannot be checked
        dependencies.push_back({{"path", path}, {"hash", content_hash(*content)}});
    }
    const nlohmann::json j = {{"format", kCacheFormat},
                              {"key", key},
                              {"dependencies", dependencies},
                              {"analysis", parsed.analysis}};
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return false;
    // Written to a temporary name and renamed, so a reader never sees half an entry.
    const fs::path final_path = dir_ / (key + ".json");
    const fs::path temporary = dir_ / (key + ".json.tmp" + std::to_string(::getpid()));
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) return false;
        out << j.dump();
        if (!out.flush()) {
            fs::remove(temporary, ec);
            return false;
        }
    }
    fs::rename(temporary, final_path, ec);
    if (ec) {
        fs::remove(temporary, ec);
        return false;
    }
    return true;
}

}  // namespace allocprof::analyzers::source
