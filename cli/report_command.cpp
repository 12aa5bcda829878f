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

struct ReportOptions {
    std::string file;
    std::string format;
    std::optional<std::string> output;
    std::optional<int64_t> run;
};

int report(const ReportOptions& o) {
    const std::string& file = o.file;
    const std::string& format = o.format;
    const std::optional<int64_t>& run = o.run;
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
    write_output(o.output, text, "report");
    return kExitOk;
}

}  // namespace

void add_report_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand(
        "report", "the analysis document: baseline, findings, tiers and the phased remediation plan");
    c->footer(
        "A run that was not analysed yet is analysed first (allocprof analyze, default parameters).\n"
        "md is GitHub-flavoured markdown; html one self-contained page (flame graph, memory over\n"
        "time, sortable tables); json the same content for machines (keys in reports/json_report.h).");
    auto o = std::make_shared<ReportOptions>();
    add_file(c, o->file);
    add_format(c, o->format, {"md", "html", "json"});
    add_output(c, o->output, "write the report there instead of stdout");
    add_run(c, o->run, "which run of FILE (default: the last)");
    c->callback([o, &run] { run = [o] { return report(*o); }; });
}

}  // namespace allocprof::cli
