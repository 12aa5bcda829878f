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
// JSON (--format json): the same content for machines, its keys listed in
// reports/json_report.h.
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
    "               in reports/json_report.h)\n"
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
