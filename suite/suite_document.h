// suite_document.h — the suite document: one analysis of every scenario a database holds,
// what `allocprof report SUITE.db` writes (suite_render.h) — a baseline row per scenario,
// one inventory of the sites across the suite, one phased plan, the benchmark coverage that
// is missing, and the allocation infrastructure the code already has.
//
// Built from the stored analyses only (each run analysed first); rules:
// - A scenario is the runs of one scenario name; its repetitions are merged by the mean.
// - Every figure of a scenario is its measured window's (analyzers/measured_window.h): the
//   phase measure_phase, else the whole run minus warmup_phase, else the whole run; so are
//   the per-site figures (analysis_window_sites), never start-up. Peak live and unfreed are
//   the window's peak and the whole run's unfreed bytes, as in compare.
// - Suite-wide shares weigh every scenario equally: a site's share of a scenario's
//   allocs/op, B/op and Gen0* in that scenario's window, averaged over all scenarios (0
//   where it does not allocate). Its impact is the largest of the three; tiers follow the
//   run's band rule (analyzers/site_ranker.h) on these impacts, then go one tier up when a
//   scenario's own analysis promoted the site (its rule there says why). Sites are merged
//   by site key; runtime and suppressed sites stay outside the tiers, in one line.
// - The plan has one item per target (the function of the items' first site): the change
//   with the largest suite-wide saving, the other changes scenarios proposed for it as
//   alternatives; saving per scenario is that scenario's plan saving (averaged over its
//   repetitions), suite-wide the mean over scenarios of each saving's share of its
//   scenario's allocs/op and B/op. Its phase is the most urgent any scenario gave it;
//   within a phase, items go by suite-wide saving. Items whose sites allocate nothing in
//   any measured window are left out (their work happens outside what the suite measures).
// - Missing coverage, from the source analyses: a function that allocates (the source
//   inventory) is "not reached by any scenario" when it is a coverage gap of every scenario
//   analysed with sources, and "reached by one scenario only" when it is a gap of all but
//   one. Without source analysis, the sites that only one scenario reaches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/report_model.h"
#include "schema/run_database.h"

namespace allocprof::suite {

// One baseline row: a scenario's measured window, merged over its repetitions.
struct ScenarioBaseline {
    std::string name;
    std::vector<int64_t> runs;
    std::string window;          // "phase `measure`", "whole run minus phase `warmup`", "whole run"
    double ops = 0;              // per repetition
    bool per_run = false;        // no ops counted in the window: per-op figures are per run
    double allocations = 0, bytes_allocated = 0, nursery_bytes = 0, collections = 0, dies_young = 0;
    double allocs_per_op = 0, bytes_per_op = 0, gen0_per_1k = 0, gen0_star_per_1k = 0;
    std::vector<reports::GcRow> gc;  // the interpreter's real collections in the window, per 1000 ops
    double dies_young_share = 0;     // of the window's allocations
    double peak_live_bytes = 0;      // the window's
    double unfreed_bytes = 0;        // the whole run's, the program's own sites
    std::string ops_source;          // 'command-line', 'markers', 'none'
    std::vector<std::string> notes;  // generated from the numbers
};

// One site in one scenario (its measured window, merged over repetitions).
struct SiteInScenario {
    bool reached = false;        // allocates in the window
    double allocations = 0, bytes_allocated = 0, nursery_bytes = 0;
    double allocs_per_op = 0, bytes_per_op = 0;
    double allocs_share = 0, bytes_share = 0, gen0_share = 0;  // of the scenario's window
    std::string tier;            // in that scenario's own analysis ('' when the run has no such site)
    bool promoted = false;       // ... which promoted it
};

struct SuiteSite {
    std::string site_key, function_key, module, function, file;
    int64_t line = 0;
    std::string description;     // what the source says it does ('' without source analysis)
    std::string lifetime;        // in the scenario where it weighs most
    std::vector<SiteInScenario> scenarios;  // by scenario index
    double allocs_share = 0, bytes_share = 0, gen0_share = 0;  // suite-wide (equal weights)
    double impact = 0;
    std::string impact_metric;   // "allocations/op", "bytes/op", "Gen0*"
    int64_t position = 0;        // 1-based, impact order
    std::string tier;            // critical, high, medium, low; runtime or suppressed apart
    std::string rule;
    int scenarios_reached() const;
};

// The expected saving of a plan item in one scenario.
struct ItemInScenario {
    bool proposed = false;       // the scenario's own plan has an item for the target
    std::string kind;            // its change's kind there
    double allocs_per_op = 0, bytes_per_op = 0;
};

struct SuitePlanItem {
    std::string priority;        // P1.1 ...
    int64_t phase = 4;
    std::string target;          // the function: "`f` at `file:line` (`module`)"
    std::string site_key;        // of the target's site in the inventory
    int64_t site_position = 0;   // its inventory position
    std::string kind, risk, change, evidence;
    std::vector<std::string> alternatives;  // other changes scenarios proposed for the target
    std::vector<ItemInScenario> scenarios;  // by scenario index
    double allocs_share = 0, bytes_share = 0;  // suite-wide saving (equal weights)
};

struct CoverageFunction {
    std::string file, function;
    int64_t line = 0;
    int64_t constructs = 0, in_loops = 0;
    std::vector<std::string> kinds;
    std::string only_scenario;   // reached by this one scenario only ('' when by none)
};

struct WrapperRow {
    std::string group;
    std::vector<std::string> patterns;
    std::vector<int64_t> allocations;  // by scenario (mean over repetitions, rounded)
    std::vector<double> share;         // of the scenario's whole-run allocations
};

struct SuiteDocument {
    std::string file;                       // the database's file name
    std::string path_prefix;                // site paths are shown relative to it
    std::string tool_version, date;         // of the newest analysis
    reports::AnalysisInfo analysis;         // the parameters (of the first run)
    std::vector<ScenarioBaseline> scenarios;
    std::vector<SuiteSite> sites;           // tiers first (impact order), then runtime, suppressed
    reports::RuntimeSummary runtime, suppressed;  // per repetition, summed over scenarios
    std::vector<SuitePlanItem> plan;        // by phase, then priority
    int64_t plan_left_out = 0;              // items of sites that allocate in no measured window
    bool coverage_from_sources = false;     // every scenario was analysed with sources
    int64_t scenarios_with_sources = 0;
    std::vector<CoverageFunction> not_reached;   // by file, then rank
    std::vector<CoverageFunction> reached_once;  // by file, then line
    std::vector<WrapperRow> infrastructure;
    std::vector<std::string> summary;       // the top findings, in sentences
    std::vector<std::string> next_steps;
};

// Whether `db` holds more than one scenario (the suite document is then the default report).
bool holds_suite(schema::Database& db);

// The suite document of every scenario in `db`; every run must have an analysis.
SuiteDocument load_suite_document(schema::Database& db);

}  // namespace allocprof::suite
