// parse_cache.h — analysed translation units kept on disk, so a second analysis of the same
// tree parses nothing.
//
// Key: a hash of the file's content, its path, the flags, libclang's version and the cache
// format. Entry: <dir>/<key>.json holding the FileAnalysis and the hash of every non-system
// header the file included; a header that changed since (or is gone) makes the entry stale,
// and it is parsed again. Only successful parses are stored: a failure may come from the
// environment (a header not yet generated) and is cheap to reproduce.
// The cache fails soft: an unreadable, corrupt or stale entry is a miss; an entry that cannot
// be written is counted in `write_errors` and the analysis goes on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/source/construct_collector.h"
#include "analyzers/source/source_construct.h"

namespace allocprof::analyzers::source {

struct CacheStats {
    uint64_t hits = 0;          // analyses read from the cache directory
    uint64_t memory_hits = 0;   // analyses served again within one SourceAnalyzer
    uint64_t misses = 0;        // translation units parsed with libclang
    uint64_t stale = 0;         // ... of them because a cached entry's header changed
    uint64_t write_errors = 0;  // entries that could not be written
};

// FNV-1a, 64 bits, as 16 hex digits.
std::string content_hash(std::string_view bytes);

class ParseCache {
  public:
    // `dir` empty: no disk cache (every lookup misses, nothing is written).
    explicit ParseCache(std::filesystem::path dir);

    static std::string key(const std::string& file, std::string_view content,
                           const std::vector<std::string>& flags);

    // The entry for `key`, if present, readable and not stale (sets *stale when it was).
    std::optional<FileAnalysis> load(const std::string& key, bool* stale) const;

    // Stores a successful parse; returns false when it could not be written.
    bool store(const std::string& key, const ParsedFile& parsed) const;

    const std::filesystem::path& dir() const { return dir_; }

  private:
    std::filesystem::path dir_;
};

// The whole content of a file, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace allocprof::analyzers::source
