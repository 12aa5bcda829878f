// compare_data.h — what `allocprof compare` (and `suite`'s result lines) read from a run
// database: the runs of each scenario, each run's measured window
// (analyzers/measured_window.h), and the sites of a scenario aggregated over its
// repetitions. Only stored analysis results are read (analysis, analysis_windows,
// analysis_sites, sites); nothing is computed from events here.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/compare_thresholds.h"
#include "schema/run_database.h"
#include "analyzers/measured_window.h"

namespace allocprof::compare {

// Mean and spread of one metric over a scenario's repetitions.
struct Sample {
    double mean = 0;
    double sd = 0;  // sample standard deviation; 0 with one run
    size_t n = 0;
};
Sample sample_of(const std::vector<double>& values);

// The scenario metrics of one run's measured window.
struct WindowValues {
    std::array<double, kMetricCount> value{};
    double ops = 0;
    bool per_run = false;  // no ops counted: per-op values are per run
};

// The analysis parameters compare requires to match (B0 and L, docs/definitions.md).
struct AnalysisKey {
    uint64_t gen0_budget = 0;
    uint64_t large_object_threshold = 0;
    bool operator==(const AnalysisKey&) const = default;
    auto operator<=>(const AnalysisKey&) const = default;
};

// Reads `run_id`'s measured window; nullopt with `why` set when the run has no such phase.
std::optional<WindowValues> window_values(schema::Database& db, int64_t run_id, const analyzers::MeasuredWindow& window,
                                          uint64_t gen0_budget, std::string* why);

// The scenario name of each run ("" for a run recorded without --scenario), in run order.
struct ScenarioRuns {
    std::string name;
    std::vector<int64_t> runs;
};
std::vector<ScenarioRuns> scenarios_of(schema::Database& db);

// The analysis parameters of a run (its `analysis` row); nullopt when it has none.
std::optional<AnalysisKey> analysis_key(schema::Database& db, int64_t run_id);
// The stored parameters JSON of a run's analysis (for analysing another run alike).
std::optional<nlohmann::json> analysis_params_json(schema::Database& db, int64_t run_id);

// The "suite" meta entry `allocprof suite` stores; {} when absent.
nlohmann::json stored_suite_meta(schema::Database& db);

// One site of a scenario over its runs (keyed by site_key; a run without it counts 0).
struct SiteAggregate {
    std::string site_key, function_key, module, function, file;
    int line = 0;
    Sample allocs_per_op, bytes_per_op, gen0_star_per_1k;
    std::string tier;  // of the last run that has it
};
std::vector<SiteAggregate> scenario_sites(schema::Database& db, const std::vector<int64_t>& runs);

}  // namespace allocprof::compare
