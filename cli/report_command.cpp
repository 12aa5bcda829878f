// report_command.cpp — `allocprof report run.db [--format md|html|json] [-o FILE] [--run ID]`:
// the analysis document of one run (default: the last), rendered by reports/ from the
// tables `allocprof analyze` wrote. A run without an analysis yet is analysed first, with
// the default parameters, and stderr says so. Output goes to stdout, or to FILE with -o.
//
// Markdown (default): the eight sections of reports/markdown_report.h.
//
// HTML (--format html): one self-contained page (reports/html_report.h): the summary, a flame
// graph of the heaviest 5000 allocating stacks (by bytes or count, zoom, search), memory over
// time with the phases, and the tier and plan tables, sortable. No network needed to open it.
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
//   "summary": {"sites", "tiers": {"critical", "high", "medium", "low"} (site counts),
//               "top_finding": null or {"site_id", "tier", "impact", "impact_metric",
//               "first_fix" (a plan priority or null)}},
//   "baseline": [{"window" ("" = whole run, else the phase name), "label", "occurrences",
//                 "ops", "per_run", "allocations", "reallocs", "frees", "bytes_allocated",
//                 "allocs_per_op", "bytes_per_op", "collections", "gen0_per_1k",
//                 "gen0_star_per_1k", "survival_rate", "dies_young", "temporary_k0",
//                 "temporary_k1", "peak_live_bytes", "unfreed_blocks", "unfreed_bytes"
//                 (null for phases), "leak_slope", "sizes": {"p50", "p90", "p99", "max"}}],
//   "legend": {"gen0_budget", "gen0_budget_rule", "large_object_threshold", "temporary_k"},
//   "sites": [{"site_id", "position", "module", "function", "file", "line", "allocations",
//              "bytes_allocated", "allocs_per_op", "bytes_per_op", "gen0_star_per_1k",
//              "survival_rate", "dies_young", "live_at_peak_bytes", "max_live_bytes",
//              "unfreed_bytes", "leak_slope", "sizes", "lifetime", "chains": {"chains",
//              "inferred", "pattern", "description", "copied_bytes", "avoidable_bytes"},
//              "impact", "impact_metric", "tier", "base_tier", "rule"}] (impact order, all
//              sites: the markdown shortens long tiers, the JSON does not),
//   "plan": [{"priority" ("P1.1": P1 = phase 2, P2 = phase 3, P3 = phase 4), "item_index",
//             "site_id", "phase", "kind", "risk", "tier", "change", "evidence",
//             "tier_sizes", "saving_share", "saving": {"allocs_per_op", "bytes_per_op",
//             "gen0_star_per_1k", "gen0_per_1k" (null if not re-simulated)}}] (by phase, then
//             priority),
//   "debug_coverage": [{"module_key", "path", "status", "dwarf_source", "debug_file",
//                       "symbol_table", "package", "frames_file_line", "frames_symbol_only",
//                       "frames_unknown", "fix"}],
//   "function_calls": [{"function", "calls", "bytes"}] (every hooked function, 0 if never called),
//   "reconciliation": {"peak_live_bytes", "peak_rss_bytes", "mmap_bytes"},
//   "coverage_gaps": [{"kind" ("ops", "symbols", "hooks", "allocator", "run"), "text"}],
//   "next_steps": [text, ...].
// Text fields may hold `code spans` in backticks. Numbers are the stored ones, unrounded.
#include <fstream>
#include <iostream>
#include <optional>

#include "analyzers/analysis_store.h"
#include "analyzers/run_analysis.h"
#include "cli/cli.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/markdown_report.h"
#include "reports/report_loader.h"
#include "schema/run_database.h"

namespace allocprof::cli {
namespace {

const char* const kReportUsage =
    "usage: allocprof report FILE [--format md|html|json] [-o OUT] [--run ID]\n"
    "\n"
    "The analysis document of a run: baseline rates per scenario and phase, key findings, the\n"
    "allocation sites by tier and the phased remediation plan. A run that was not analysed yet\n"
    "is analysed first (allocprof analyze, default parameters).\n"
    "\n"
    "  --format F   md (GitHub-flavoured markdown, default), html (one self-contained page:\n"
    "               flame graph, memory over time, sortable tables) or json (keys documented\n"
    "               in cli/report_command.cpp)\n"
    "  -o OUT       write to OUT instead of stdout\n"
    "  --run ID     which run of FILE (default: the last)\n";

}  // namespace

int report_command(const Arguments& args) {
    std::string file, format = "md";
    std::optional<std::string> output;
    std::optional<int64_t> run;
    ArgReader a(args, "report");
    while (a.next()) {
        if (a.help()) {
            std::cout << kReportUsage;
            return kExitOk;
        } else if (a.is("--format")) {
            format = a.value();
            if (format == "markdown") format = "md";
            if (format != "md" && format != "html" && format != "json")
                throw UsageError("--format must be md, html or json, not '" + format + "'");
        } else if (a.is("-o") || a.is("--output")) {
            output = a.value();
        } else if (a.is("--run")) {
            run = static_cast<int64_t>(a.count_value());
        } else {
            a.file(file);
        }
    }
    a.require(file);

    auto db = schema::Database::open_existing(file, false);
    const int64_t run_id = schema::select_run(db, run);
    if (!analyzers::has_analysis(db, run_id)) {
        // Analysed in place with the default parameters; stderr says so, stdout holds the
        // report only.
        std::cerr << "allocprof: run " << run_id << " of " << file
                  << " has no analysis yet; analysing it first (allocprof analyze)\n";
        auto writable = schema::Database::open_existing(file, true);
        analyzers::AnalyzeSettings settings;
        settings.notice = [](const std::string& text) { std::cerr << "allocprof: " << text << "\n"; };
        std::cerr << "allocprof: " << analyzers::describe(analyzers::analyze_stored_run(writable, run_id, settings))
                  << "\n";
    }
    reports::ReportParts parts;
    parts.views = format == "html";  // the stacks and the memory series: the page draws them
    const reports::Report report = reports::load_report(db, run_id, parts);
    const std::string text = format == "json"   ? reports::render_json(report)
                             : format == "html" ? reports::render_html(report)
                                                : reports::render_markdown(report);
    if (!output) {
        std::cout << text;
        return kExitOk;
    }
    std::ofstream out(*output, std::ios::binary | std::ios::trunc);
    if (!out || !(out << text) || !out.flush()) throw std::runtime_error(*output + ": cannot write the report");
    return kExitOk;
}

}  // namespace allocprof::cli
