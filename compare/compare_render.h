// compare_render.h — a Comparison as GitHub-flavoured markdown (a pull-request comment:
// the verdict line first, the scenario table, the site changes, budgets, the thresholds)
// and as JSON with the same content ("format": "allocprof-compare", "format_version": 1).
// Its JSON schema is docs/schemas/allocprof-compare.schema.json: a key added, renamed or removed here
// changes it too (tests/e2e/json_schema_test.cpp checks real output against it).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "compare/compare_diff.h"

namespace allocprof::compare {

std::string verdict_line(const Comparison& c);
std::string compare_markdown(const Comparison& c);
// Keys: format, format_version, verdict ("ok" | "regression"), summary (the verdict line),
// base, head, parameters {gen0_budget, large_object_threshold}, thresholds, scenarios
// [{name, window, base_runs, head_runs, per_run, regression, metrics {METRIC: {old, new,
// delta, percent, noise, threshold, regression, improvement}}}], only_in_base,
// only_in_head, sites [{scenario, kind, paired_by, regression, tier_moved, base, head
// ({site_key, function_key, module, function, file, line, tier, allocs_per_op,
// bytes_per_op, gen0_star_per_1k} or null), delta {allocs_per_op, bytes_per_op,
// gen0_star_per_1k}}], paired_by_function, budgets [{budget, scenario, ok, message}],
// notes.
nlohmann::json compare_json(const Comparison& c);

}  // namespace allocprof::compare
