// source_analyzer.h — the source side of a site: given a file and a line, what allocates
// there (SourceConstruct), and per file, which functions hold allocating constructs (the
// static inventory behind the report's coverage gaps). One entry point over the flags
// (compilation_database.h), the libclang walk (construct_collector.h) and the parse cache
// (parse_cache.h).
//
// Never throws for a bad source file: a file that is missing or does not parse comes back
// with its status and reason, so the caller keeps the site's dynamic analysis. Only a bad
// compile_commands.json throws (CompilationDatabaseError, from the constructor): that is
// the user's input and must be refused loudly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/source/compilation_database.h"
#include "analyzers/source/construct_collector.h"
#include "analyzers/source/parse_cache.h"
#include "analyzers/source/source_construct.h"

namespace allocprof::analyzers::source {

struct SourceAnalyzerOptions {
    std::filesystem::path cache_dir;                        // empty: no disk cache
    std::optional<std::filesystem::path> compile_commands;  // none: default flags
    std::vector<std::string> extra_flags;  // appended to the default flags (e.g. "-I...")
};

// The construct at one line of a file.
struct SiteClassification {
    ParseStatus status = ParseStatus::Ok;
    std::string reason;                    // status != Ok: why
    SourceConstruct construct;             // kind "unknown" when nothing allocating is at the line
    std::vector<SourceConstruct> at_line;  // every allocating construct there (first: `construct`)
};

// A function that holds allocating constructs but that no recorded stack contains.
struct CoverageGap {
    std::string file;
    FunctionInventory function;
};

class SourceAnalyzer {
  public:
    explicit SourceAnalyzer(SourceAnalyzerOptions options);

    // The analysis of one translation unit: from this analyzer's memory, the cache
    // directory, or a parse. The reference stays valid for the analyzer's lifetime.
    const FileAnalysis& analyze_file(const std::filesystem::path& file);

    // The construct at `line` of `file`: the constructs that start on the line (the first
    // by column is `construct`); if none, the innermost one whose extent spans the line
    // (a call written over several lines).
    SiteClassification classify(const std::filesystem::path& file, uint32_t line);

    // The translation units of the tree under `root`: the compile_commands.json entries
    // under it when there is a database, else find_translation_units(root).
    std::vector<std::filesystem::path> translation_units(const std::filesystem::path& root) const;

    // The flags `file` is parsed with.
    std::vector<std::string> flags_for(const std::filesystem::path& file) const;

    CacheStats cache_stats() const { return stats_; }

  private:
    SourceAnalyzerOptions options_;
    std::optional<CompilationDatabase> database_;
    ParseCache cache_;
    std::unique_ptr<ConstructCollector> collector_;  // created on the first parse
    std::map<std::string, FileAnalysis> analysed_;   // absolute path -> analysis
    CacheStats stats_;
};

// Whether `path` lies inside the directory `root` (both made absolute and normal first;
// lexical: symbolic links are not followed).
bool is_under(const std::filesystem::path& path, const std::filesystem::path& root);

// The C and C++ translation units under `root` (.c .cc .cpp .cxx .c++), sorted, skipping
// hidden directories and build trees (directories holding a CMakeCache.txt).
std::vector<std::filesystem::path> find_translation_units(const std::filesystem::path& root);

// The functions of `files` that allocate but are not `covered` (e.g. no recorded stack
// names them), ranked: most allocating constructs in loops first, then most constructs,
// then file and line.
std::vector<CoverageGap> rank_coverage_gaps(
    const std::vector<FileAnalysis>& files,
    const std::function<bool(const std::string& file, const FunctionInventory&)>& covered);

}  // namespace allocprof::analyzers::source
