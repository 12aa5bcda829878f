// export_command.cpp — `allocprof export RUN.db --format pprof|collapsed|dhat [-o FILE|-]
// [--run ID] [--metric M] [--at end|peak] [--force]`: one run's allocating stacks for other
// tools (export/export_formats.h): pprof's gzipped profile.proto, collapsed stacks for flame
// graphs, or DHAT's JSON for dh_view.html. A run never symbolized is symbolized first.
//
// Output: -o FILE (an existing file is replaced only with --force, never the input), or
// standard output ("-", the default for collapsed and dhat; pprof, which is binary, goes to
// standard output only when it is not a terminal).
#include <unistd.h>

#include <iostream>
#include <optional>

#include "cli/cli.h"
#include "export/export_formats.h"
#include "schema/stored_stacks.h"
#include "symbolize/run_symbolizer.h"

namespace allocprof::cli {
namespace {

struct ExportCommandOptions {
    std::string file;
    std::string format;
    std::optional<std::string> output;
    std::optional<int64_t> run;
    std::optional<std::string> metric;
    std::optional<std::string> at;
    bool force = false;
};

const std::vector<std::pair<std::string, exporter::Metric>> kMetrics = {
    {"allocations", exporter::Metric::Allocations}, {"bytes", exporter::Metric::Bytes},
    {"peak", exporter::Metric::Peak},               {"unfreed", exporter::Metric::Unfreed},
    {"temporary", exporter::Metric::Temporary}};

int run_export(const ExportCommandOptions& o) {
    if (o.metric && o.format != "collapsed")
        throw UsageError("--metric is for --format collapsed (pprof and dhat carry every figure)");
    if (o.at && o.format != "pprof") throw UsageError("--at is for --format pprof");
    if (o.format == "pprof" && !o.output && isatty(STDOUT_FILENO))
        throw UsageError("the pprof profile is binary: give -o FILE (or -o - to write it to a pipe)");

    std::optional<schema::Database> db(schema::Database::open_existing(o.file, false));
    const int64_t run_id = schema::select_run(*db, o.run);
    symbolize_first(db, o.file, run_id, symbolize::is_symbolized(*db, run_id) ? "" : "was never symbolized");

    exporter::ExportOptions load;
    load.by_phase = o.format == "pprof";
    load.need_events = o.format == "dhat";
    load.replay = o.format != "collapsed";
    const exporter::ExportRun run = exporter::load_export_run(*db, run_id, load);
    const schema::StoredStacks stacks = schema::StoredStacks::load(*db, run_id);
    std::string text;
    if (o.format == "pprof") {
        text = exporter::pprof_profile(run, stacks, o.at == "peak" ? exporter::At::Peak : exporter::At::End);
    } else if (o.format == "collapsed") {
        exporter::Metric metric = exporter::Metric::Allocations;
        for (const auto& [name, m] : kMetrics)
            if (o.metric == name) metric = m;
        text = exporter::collapsed_stacks(run, stacks, metric);
    } else {
        text = exporter::dhat_json(run, stacks);
    }
    write_new_output(o.output, text, o.format + " export", o.force, o.file);
    return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand(
        "export", "a run's allocating stacks for other tools: pprof, collapsed stacks (flame graphs), DHAT");
    auto o = std::make_shared<ExportCommandOptions>();
    add_file(c, o->file);
    add_format(c, o->format, {"pprof", "collapsed", "dhat"});
    add_output(c, o->output, "write the export to FILE (default: standard output)");
    add_run(c, o->run, "which run of FILE (default: the last)");
    std::vector<std::string> metrics;
    for (const auto& [name, m] : kMetrics) metrics.push_back(name);
    c->add_option("--metric", o->metric,
                  "collapsed: what each stack counts: allocations (default), bytes, peak (bytes live at "
                  "the peak), unfreed (bytes live at exit), temporary")
        ->type_name("M")
        ->check(CLI::IsMember(metrics));
    c->add_option("--at", o->at, "pprof: in-use figures at the run's end (default) or its peak")
        ->type_name("WHEN")
        ->check(CLI::IsMember({"end", "peak"}));
    c->add_flag("--force", o->force, "replace an existing output file");
    c->callback([o, &run] { run = [o] { return run_export(*o); }; });
}

}  // namespace allocprof::cli
