// report_command.cpp — `allocprof report run.db [--format md|html|json] [-o FILE] [--run ID |
// --scenario NAME]`: the analysis document of one run (default: the last), rendered by
// reports/ from the tables `allocprof analyze` wrote; on a database of several scenarios
// (allocprof suite), the suite document of all of them (suite/suite_render.h) unless --run
// or --scenario picks one. A run without an analysis yet is analysed first, with the
// default parameters, and stderr says so. Output goes to stdout, or to FILE with -o.
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
#include "compare/compare_data.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/markdown_report.h"
#include "reports/report_loader.h"
#include "schema/run_database.h"
#include "suite/suite_document.h"
#include "suite/suite_render.h"

namespace allocprof::cli {
namespace {

struct ReportOptions {
    std::string file;
    std::string format;
    std::optional<std::string> output;
    std::optional<int64_t> run;
    std::optional<std::string> scenario;
};

// Analyses `run_id` in place with the default parameters when it has no analysis yet;
// stderr says so, stdout holds the report only.
void analyze_if_needed(schema::Database& db, const std::string& file, int64_t run_id) {
    if (analyzers::has_analysis(db, run_id)) return;
    std::cerr << "allocprof: run " << run_id << " of " << file
              << " has no analysis yet; analysing it first (allocprof analyze)\n";
    auto writable = schema::Database::open_existing(file, true);
    analyzers::AnalyzeSettings settings;
    settings.notice = [](const std::string& text) { std::cerr << "allocprof: " << text << "\n"; };
    const std::string result = analyzers::describe(analyzers::analyze_stored_run(writable, run_id, settings));
    std::cerr << "allocprof: " << result << "\n";
}

// The last run of scenario `name`; a usage error naming the scenarios there are.
int64_t scenario_run(schema::Database& db, const std::string& file, const std::string& name) {
    std::string names;
    for (const compare::ScenarioRuns& sc : compare::scenarios_of(db)) {
        if (sc.name == name && !sc.runs.empty()) return sc.runs.back();
        names += (names.empty() ? "" : ", ") + (sc.name.empty() ? std::string("(none)") : sc.name);
    }
    throw UsageError(file + " holds no scenario '" + name + "' (scenarios: " + (names.empty() ? "none" : names) + ")");
}

int report_suite(schema::Database& db, const ReportOptions& o) {
    analyze_missing(o.file, std::nullopt, "the suite document");
    const suite::SuiteDocument doc = suite::load_suite_document(db);
    const std::string text = o.format == "json"   ? suite::render_suite_json(doc)
                             : o.format == "html" ? suite::render_suite_html(doc)
                                                  : suite::render_suite_markdown(doc);
    write_output(o.output, text, "report");
    return kExitOk;
}

int report(const ReportOptions& o) {
    const std::string& file = o.file;
    const std::string& format = o.format;
    auto db = schema::Database::open_existing(file, false);
    if (o.run && o.scenario) throw UsageError("--run and --scenario both pick a run: give one");
    std::optional<int64_t> run = o.run;
    if (o.scenario) run = scenario_run(db, file, *o.scenario);
    if (!run && suite::holds_suite(db)) return report_suite(db, o);
    const int64_t run_id = schema::select_run(db, run);
    analyze_if_needed(db, file, run_id);
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
        "On a database of several scenarios (allocprof suite) the report is the suite document: a\n"
        "baseline row per scenario, one site inventory and one plan for the suite, the missing\n"
        "benchmark coverage; --run or --scenario reports one run.\n"
        "A run that was not analysed yet is analysed first (allocprof analyze, default parameters).\n"
        "md is GitHub-flavoured markdown; html one self-contained page (flame graph, memory over\n"
        "time, sortable tables); json the same content for machines (keys in reports/json_report.h).");
    auto o = std::make_shared<ReportOptions>();
    add_file(c, o->file);
    add_format(c, o->format, {"md", "html", "json"});
    add_output(c, o->output, "write the report there instead of stdout");
    add_run(c, o->run, "which run of FILE (default: the last; of several scenarios, the suite document)");
    c->add_option("--scenario", o->scenario, "the last run of this scenario")->type_name("NAME");
    c->callback([o, &run] { run = [o] { return report(*o); }; });
}

}  // namespace allocprof::cli
