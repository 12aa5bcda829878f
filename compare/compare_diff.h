// compare_diff.h — the comparison of two analysed run databases (`allocprof compare`):
// per scenario, per site, thresholds, noise and budgets. The rendering is in
// compare_render.h; the command line in compare_command.cpp.
//
// Scenarios pair by name (runs.scenario). With repetitions, each side's value is the mean
// over its runs and the noise of a metric is 2 x sqrt(sd_base^2/n_base + sd_head^2/n_head)
// (twice the standard error of the difference of the means; 0 with one run per side).
// A metric regresses when new - old exceeds both its threshold, max(REL x |old|, ABS), and
// the noise. Sites pair by site key, then the unpaired by function key in order of line
// (site_attribution.h), the main executable named by its role (compare_data.h); a site regresses when its allocs/op or B/op rises beyond the same
// thresholds (against 0 for a new site) and the noise. Sites listed as changed: new,
// vanished, tier moves, and paired sites whose allocs/op or B/op moved beyond threshold.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/compare_data.h"
#include "compare/compare_thresholds.h"

namespace allocprof::compare {

struct MetricDelta {
    double old_value = 0, new_value = 0, delta = 0;
    std::optional<double> percent;  // none when old is 0
    double noise = 0, threshold = 0;
    bool regression = false, improvement = false;
};

struct ScenarioDiff {
    std::string name;
    std::string window;  // "run", "phase execute", "run without warmup"
    size_t base_runs = 0, head_runs = 0;
    bool per_run = false;
    std::array<MetricDelta, kMetricCount> metrics;
    bool regression = false;
};

struct SiteChange {
    std::string scenario;
    std::string kind;       // "new", "vanished", "regressed", "improved", "tier"
    std::string paired_by;  // "site_key", "function_key", "" (new or vanished)
    std::optional<SiteAggregate> base, head;
    MetricDelta allocs_per_op, bytes_per_op, gen0_star_per_1k;
    bool regression = false;
    bool tier_moved = false;
};

struct BudgetResult {
    Budget budget;
    std::string scenario;  // the scenario it was checked on ("" for file-wide)
    bool ok = true;
    std::string message;   // the budget quoted, the value found
};

struct Comparison {
    std::string base_path, head_path;
    AnalysisKey params;
    Thresholds thresholds;
    std::vector<ScenarioDiff> scenarios;
    std::vector<std::string> only_in_base, only_in_head;
    std::vector<SiteChange> sites;
    size_t paired_by_function = 0;  // sites whose line moved (paired by function key)
    std::vector<BudgetResult> budgets;
    std::vector<std::string> notes;

    size_t regressions() const;       // scenario metrics and sites that regressed
    size_t budgets_exceeded() const;
    bool failed() const { return regressions() > 0 || budgets_exceeded() > 0; }
};

// `budgets` on one analysed database, without a baseline (allocprof check), as compare
// checks them on head: each message names the scenario, window, metric, value and limit,
// and for an exceeded per-op budget the three sites that make most of it (whole-run
// figures). no_new_critical_sites needs a baseline: reported, not checked (ok).
std::vector<BudgetResult> check_budgets_alone(schema::Database& db, const std::vector<Budget>& budgets,
                                             uint64_t gen0_budget);

// Both databases analysed with `params` (the caller checked). Throws std::runtime_error
// for data it cannot compare (a measured phase missing from every run of a scenario).
Comparison compare_databases(schema::Database& base, schema::Database& head, const AnalysisKey& params,
                             const Thresholds& thresholds, const std::vector<Budget>& budgets);

}  // namespace allocprof::compare
