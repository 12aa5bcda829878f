// run_analysis.h — analysing one stored run of a database and storing the result: the
// library behind `allocprof analyze`, and what `report`, `compare` and `suite` call for a
// run that has no analysis yet.
//
// The run must be complete and recorded with its events. Its sites come from
// symbolization: a run never symbolized is symbolized first, and with a site config it is
// attributed again with those wrapper lists. With a source analyzer — the one given, else
// the program's own sources when its debug information names files on disk
// (analyzers/source/default_sources.h) — the construct at each site's line refines the plan
// and the source tables are written; without one they are cleared. Analysing again
// replaces every analysis row of the run.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "analyzers/analysis_params.h"
#include "analyzers/run_analyzer.h"
#include "analyzers/source/site_sources.h"
#include "analyzers/suppressions.h"
#include "schema/run_database.h"
#include "symbolize/site_config.h"

namespace allocprof::analyzers {

// A run that cannot be analysed (incomplete, recorded without events); what() names the
// file, the run and what to do.
class RunNotAnalysable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct AnalyzeSettings {
    AnalysisParams params;
    std::optional<symbolize::SiteConfig> sites;  // attribute the sites again with these wrappers
    source::RunSourceAnalyzer* sources = nullptr;  // source-aware analysis, when given
    bool find_sources = true;  // without `sources`: analyse the sources the DWARF names, if on disk
    std::vector<SuppressionRule> suppressions;     // the user's suppressions file, if any
    // Told what is done before the analysis itself (a run symbolized first), for stderr.
    std::function<void(const std::string&)> notice;
    // Told how far a long step is, now and then (a status line on a terminal): the step
    // ("replaying events", "simulating the plan", a symbolization's), done and total (0: not known).
    using ProgressFn = std::function<void(const std::string& step, uint64_t done, uint64_t total)>;
    ProgressFn progress;
};

struct AnalyzeResult {
    int64_t run_id = 0;
    RunAnalysis analysis;
    std::optional<source::RunSources> sources;
    double seconds = 0;  // the analysis itself, without symbolization and sources
};

AnalyzeResult analyze_stored_run(schema::Database& db, int64_t run_id, const AnalyzeSettings& settings);

// A stored run's leaf node -> site index (schema/ids.h), from its symbolization's stack_sites.
SiteMap load_site_map(schema::Database& db, int64_t run_id);

// The result in one line for a terminal ("run 1: 2.91 allocs/op, 226 B/op; sites: ..."),
// then one line per source file that failed.
std::string describe(const AnalyzeResult& result);

}  // namespace allocprof::analyzers
