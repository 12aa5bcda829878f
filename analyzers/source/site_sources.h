// site_sources.h — the source side of one run's analysis: the allocating
// construct at every site's file:line, and the coverage gaps of the source tree (functions
// that hold allocating constructs but appear in no recorded stack of the run), from
// analyzers/source/ (libclang). Stored in the tables source_analysis, site_sources and
// source_coverage_gaps (schema/allocprof_v2.sql).
//
// Never fatal for a source file: a site whose file is missing or does not parse gets that
// status and reason, and keeps its dynamic analysis (kind "unknown"). Only a bad
// compile_commands.json or source root stops the command (exit 2), before any run is touched.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "schema/run_database.h"
#include "analyzers/source/source_analyzer.h"
#include "analyzers/source/source_options.h"

namespace allocprof::analyzers::source {

// One row of site_sources.
struct SiteSource {
    int64_t site_id = 0;
    std::string status;       // 'ok', 'missing_file', 'parse_error', 'outside_root'
    std::string reason;       // why, when not 'ok'; for 'ok', how the construct was found
                              // when it is not at the site's line
    std::string source_file;  // absolute; '' when outside the root
    analyzers::source::SourceConstruct construct;  // kind "unknown" unless 'ok' and found
};

// A site's file and line, as the sites table has them.
struct SiteLocation {
    int64_t site_id = 0;
    std::string file;  // absolute, or relative to the source root; '' without debug info
    uint32_t line = 0;
    std::string function;  // demangled, as in sites.function
};

// A file that could not be analysed.
struct SourceFailure {
    std::string file;
    std::string status;  // 'missing_file' or 'parse_error'
    std::string reason;
};

struct RunSources {
    std::vector<SiteSource> sites;  // by site_id
    std::vector<analyzers::source::CoverageGap> gaps;  // ranked
    std::vector<SourceFailure> failures;               // by file
    uint64_t translation_units = 0;  // distinct files analysed: the sites' and the inventory's
    uint64_t parsed = 0;             // of them, parsed by libclang without error
    uint64_t reused = 0;             // ... read from the parse cache (or analysed for an earlier
                                     // run of the same command)
                                     // ... and failures.size() missing or not parsed
    double seconds = 0;
};

// Source analysis asked of a build without it (ALLOCPROF_SOURCE_ANALYSIS=OFF, no libclang);
// what() is kNoSourceAnalysis. The command exits 2, as for any other bad usage.
class SourceAnalysisUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Whether this build analyses sources (CMake option ALLOCPROF_SOURCE_ANALYSIS, libclang).
bool source_analysis_built();

// One line: this build has no source analysis, and how to get one.
extern const char* const kNoSourceAnalysis;

class RunSourceAnalyzer {
  public:
    // Throws SourceAnalysisUnavailable in a build without source analysis (before looking at
    // `options`), UsageError when the root is not a directory, CompilationDatabaseError
    // (naming the file) when the compile_commands.json cannot be used.
    explicit RunSourceAnalyzer(const SourceOptions& options);

    // Needs the run's sites and symbolized frames (symbolize first).
    RunSources analyze(schema::Database& db, int64_t run_id);

    const std::filesystem::path& root() const { return root_; }
    const std::filesystem::path& cache_dir() const { return cache_dir_; }
    const SourceOptions& options() const { return options_; }

  private:
    using AnalysedFiles = std::map<std::string, const analyzers::source::FileAnalysis*>;
    void track(const std::filesystem::path& file, RunSources& out, AnalysedFiles& files);
    SiteSource classify(const SiteLocation& location, RunSources& out, AnalysedFiles& files);

    SourceOptions options_;
    std::filesystem::path root_;       // absolute, normal
    std::filesystem::path cache_dir_;  // '' = no cache
    analyzers::source::SourceAnalyzer analyzer_;
};

// The constructs per site index (schema/ids.h) for analyzers::AnalysisInput.
std::vector<analyzers::source::SourceConstruct> constructs_by_site(const RunSources& sources);

// Replaces the run's rows of the three source tables with `sources`.
void write_run_sources(schema::Database& db, int64_t run_id, const RunSources& sources,
                       const RunSourceAnalyzer& analyzer);
// Removes the run's rows of the three source tables (an analysis without a source root).
void clear_run_sources(schema::Database& db, int64_t run_id);

// The construct of a site whose line holds none: the only allocating construct of the
// site's function in `analysis`, if it has exactly one. Optimized code often puts the return
// address of an inlined allocation on a nearby line (the loop's branch, the closing brace).
std::optional<analyzers::source::SourceConstruct> only_construct_of(
    const analyzers::source::FileAnalysis& analysis, std::string_view function);

// For the terminal: one line with the counts and the time, one per failed file.
std::vector<std::string> describe_run_sources(const RunSources& sources);

// The names a recorded frame's function covers: its qualified name without parameters
// ("ns::f(int)" -> "ns::f"), and for a lambda also its enclosing function
// ("f(int)::{lambda(int)#1}::operator()" -> "f"), and for a function template's instance also
// the template ("double* make<double>(long)" -> "make<double>", "make"), as analyzers/source/
// names functions.
std::vector<std::string> covered_names(std::string_view demangled);

}  // namespace allocprof::analyzers::source
