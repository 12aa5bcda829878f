// json_report.h — a Report (report_model.h) as JSON: the markdown report's content for
// machines, with stable keys. Numbers are the stored ones, unformatted (bytes as integers,
// rates as doubles); text fields may hold `code spans` in backticks.
//
// JSON (--format json), format_version 1, stable keys:
//   "format": "allocprof-report", "format_version": 1, "file": database file name,
//   "run": {"run_id", "runs_in_file", "scenario" (null if none), "command" (argv array),
//           "cwd", "hostname", "recorded_with", "duration_s", "exit_status", "term_signal",
//           "truncated", "threads", "peak_rss_bytes", "mmap_calls", "mmap_bytes",
//           "munmap_calls", "notes"},
//   "analysis": {"analyzed_unix_ns", "date" ("YYYY-MM-DD HH:MM:SS UTC"), "tool_version",
//                "ops", "ops_source", "unmatched_frees", "params" (as stored: B0, L, K,
//                tiers, ...), "site_config"},
//   "summary": {"sites", "tiers": {"critical", "high", "medium", "low", "runtime"} (site
//               counts), "top_finding": null or {"site_id", "tier", "impact",
//               "impact_metric", "first_fix" (a plan priority or null)}, "runtime":
//               {"sites", "modules", "startup_modules", "allocations", "bytes_allocated",
//               "unfreed_bytes"} (the runtime's own code and the interpreter's start-up:
//               outside the tiers and the plan), "suppressed": {"sites",
//               "allocations", "bytes_allocated", "unfreed_bytes"} (the sites the
//               suppressions file named), "negligible_plan_items"},
//   "baseline": [{"window" ("" = whole run, else the phase name), "label", "occurrences",
//                 "ops", "per_run", "ops_of_run" (a phase without ops of its own: "ops"
//                 are the run's), "allocations", "reallocs", "frees", "bytes_allocated",
//                 "allocs_per_op", "bytes_per_op", "collections", "gen0_per_1k",
//                 "gen0_star_per_1k", "survival_rate", "dies_young", "temporary_k0",
//                 "temporary_k1", "peak_live_bytes", "peak_live_blocks", "unfreed_blocks", "unfreed_bytes"
//                 (null for phases), "leak_slope", "sizes": {"p50", "p90", "p99", "max"}}],
//   "legend": {"gen0_budget", "gen0_budget_rule", "large_object_threshold", "temporary_k"},
//   "sites": [{"site_id", "position", "module", "function", "file", "line", "allocations",
//              "bytes_allocated", "allocs_per_op", "bytes_per_op", "gen0_star_per_1k",
//              "survival_rate", "dies_young", "live_at_peak_bytes", "live_at_peak_blocks", "max_live_bytes",
//              "unfreed_bytes", "leak_slope", "sizes", "lifetime", "chains": {"chains",
//              "inferred", "pattern", "description", "copied_bytes", "avoidable_bytes"},
//              "impact", "impact_metric", "tier", "base_tier", "rule"}] (impact order, all
//              sites: the markdown shortens long tiers, the JSON does not),
//   "plan": [{"priority" ("P1.1": P1 = phase 2, P2 = phase 3, P3 = phase 4), "item_index",
//             "site_id" (the item's first site), "phase", "kind", "risk", "tier", "change",
//             "evidence", "alternatives": [{"kind", "change"}], "also_sites" (site ids), "tier_sizes", "saving_share",
//             "saving": {"allocs_per_op", "bytes_per_op", "gen0_star_per_1k", "gen0_per_1k"
//             (marginal; null if not re-simulated), "peak_bytes"}, "cumulative":
//             {"allocs_per_op", "bytes_per_op", "gen0_star_per_1k"} (this item and every one
//             before it)}] (by phase, then priority),
//   "debug_coverage": [{"module_key", "path", "status", "dwarf_source", "debug_file",
//                       "symbol_table", "package", "frames_file_line", "frames_symbol_only",
//                       "frames_unknown", "fix"}],
//   "function_calls": [{"function", "calls", "bytes"}] (every hooked function, 0 if never called),
//   "reconciliation": {"peak_live_bytes", "peak_rss_bytes", "mmap_bytes"},
//   "coverage_gaps": [{"kind" ("ops", "symbols", "hooks", "allocator", "run", "stacks"), "text"}],
//   "next_steps": [text, ...],
//   "arenas": {"phases": [{"window", "occurrences", "sites", "high_water_p50", "high_water_p99",
//                          "high_water_max", "high_water" (per occurrence)}],
//              "lifetimes": [{"lifetime", "sites", "allocations", "bytes_allocated",
//                             "high_water_bytes", "high_water_blocks"}]}.
// Text fields may hold `code spans` in backticks. Numbers are the stored ones, unrounded.
// Its JSON schema is docs/schemas/allocprof-report.schema.json: a key added, renamed or removed here
// changes it too (tests/e2e/json_schema_test.cpp checks real output against it).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "reports/report_model.h"

namespace allocprof::reports {

// The document; "format_version" changes when a key is renamed or removed.
inline constexpr int kReportFormatVersion = 1;

nlohmann::json report_to_json(const Report& report);
// report_to_json, indented by 2, with a final newline.
std::string render_json(const Report& report);

}  // namespace allocprof::reports
