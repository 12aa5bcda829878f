// heap_model.h — how much heap an allocator takes for one block of a requested size, for
// `allocprof heap` (docs/definitions.md, "Heap needed"). Pure functions; no database.
//
// Three kinds of model:
//   - glibc (x86-64): a block of n bytes takes the chunk max(32, round_up_16(n + 8)); a chunk
//     of at least the mmap threshold (128 KiB, glibc's default) is mapped on its own instead,
//     taking round_up_page(chunk + 8) (4 KiB pages). malloc_usable_size is then chunk - 8,
//     or chunk - 16 for a mapped one (tests/analyzers/heap_model_test.cpp checks it on this
//     machine). Not modelled: glibc's dynamic threshold (freeing a mapped block raises the
//     threshold to its size), a large request served from free heap memory when the heap
//     has a free piece that big, and the slack aligned allocations leave.
//   - exact: the requested size itself (what "peak live" counts).
//   - a JSON model file, for an embedded allocator (HeapModel::from_json).
// Every model is a function of the requested size alone: where blocks sit, and so
// fragmentation, is not modelled.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace allocprof::analyzers {

// A model file or a size text that cannot be used; what() names the file (or the text) and
// the field.
class HeapModelError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class HeapModel {
  public:
    enum class Kind { Glibc, Exact, File };

    static constexpr uint64_t kGlibcMmapThreshold = 128 * 1024;
    static constexpr uint64_t kPageSize = 4096;

    static HeapModel glibc();
    static HeapModel exact();
    // A model file (the format is in docs/definitions.md, "Allocator model file"):
    //   {"name": "tlsf", "header_bytes": 8, "alignment": 8, "min_block": 16,
    //    "size_classes": [16, 32, 64, 128]}
    // Only "header_bytes" and "alignment" are required. A block's need is
    // max(min_block, round_up(size + header_bytes, alignment)); with size classes it takes
    // the smallest class >= its need, and a need above the largest class is taken as it is.
    // `origin` names the file in errors ("model.json: alignment: ...").
    static HeapModel from_json(const nlohmann::json& model, const std::string& origin);
    // Reads and parses a model file; throws HeapModelError naming it.
    static HeapModel from_file(const std::string& path);
    // "glibc", "exact", or a path to a model file.
    static HeapModel named(const std::string& allocator);

    Kind kind() const { return kind_; }
    // "glibc", "exact", or the file's "name" (else its path).
    const std::string& name() const { return name_; }
    // The model in one line, for the report's header.
    std::string describe() const;
    // The model's parameters, for JSON output.
    nlohmann::json to_json() const;

    // The bytes a block of `size` requested bytes takes from the heap.
    uint64_t block_bytes(uint64_t size) const;
    // glibc: whether a block of `size` bytes is mapped on its own (false for other models).
    bool mapped(uint64_t size) const;

  private:
    Kind kind_ = Kind::Exact;
    std::string name_ = "exact";
    std::string origin_;
    uint64_t header_ = 0;
    uint64_t alignment_ = 1;
    uint64_t min_block_ = 0;
    std::vector<uint64_t> size_classes_;  // ascending, distinct
};

// A heap size as the user writes it: "307200", "300K", "300KiB", "300KB", "1M", "1MiB",
// "1MB", "1G" (also "B" for bytes; one optional space before the unit; the unit's case is
// free). Every K is 1024 bytes, as in everything allocprof prints. Whole numbers only, at
// least 1 byte. Throws HeapModelError with the reason.
uint64_t parse_heap_size(const std::string& text);

}  // namespace allocprof::analyzers
