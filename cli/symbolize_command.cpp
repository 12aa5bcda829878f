// symbolize_command.cpp — `allocprof symbolize run.db [--config FILE] [--run ID]
// [--debug-dir DIR]`: symbolizes the runs of a database again, looking every address up
// anew (after installing -dbgsym packages or rebuilding with -g), and recomputes their
// sites with the given site config. `record` already does this once at the end of a run.
//
// Output: one line per run on stdout, then its debug-info coverage. Exit status 0, or 2
// for a bad database or a bad config file (the message names the file and the problem).
#include <iostream>
#include <optional>

#include "cli/cli.h"
#include "cli/status_line.h"
#include "cli/config_file.h"
#include "cli/coverage_report.h"
#include "schema/run_database.h"
#include "symbolize/run_symbolizer.h"

namespace allocprof::cli {
using namespace allocprof::symbolize;
namespace {

struct SymbolizeCommandOptions {
    std::string file;
    std::optional<std::string> config_file;
    std::optional<int64_t> run;
    std::vector<std::string> debug_dirs;
};

int symbolize(const SymbolizeCommandOptions& o) {
    SymbolizeOptions options;
    options.redo = true;
    options.extra_debug_dirs = o.debug_dirs;
    // The whole file is checked as analyze checks it (before touching FILE); its "sites"
    // section, or the built-in one named after the file, is the one symbolize uses.
    if (o.config_file) {
        std::optional<SiteConfig> sites = read_config_file(*o.config_file).sites;
        options.config = sites ? *sites : load_site_config(*o.config_file);
    }
    auto db = schema::Database::open_existing(o.file, true);
    std::vector<int64_t> runs = o.run ? std::vector<int64_t>{schema::select_run(db, o.run)} : schema::run_ids(db);
    for (int64_t id : runs) {
        StatusLine status;
        options.on_progress = [&](const std::string& step, uint64_t done, uint64_t total) {
            status.show("run " + std::to_string(id) + ", " + step, done, total, "addresses");
        };
        SymbolizeResult r = symbolize_run(db, id, options);
        status.clear();
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.2f", r.seconds);
        std::cout << "run " << id << ": " << format_count(r.addresses) << " addresses, "
                  << format_count(r.sites) << " sites, " << seconds << " s\n";
        print_coverage(load_coverage(db, id), std::cout);
    }
    return kExitOk;
}

}  // namespace

void add_symbolize_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand(
        "symbolize", "symbolize the runs again (after installing debug info) and recompute their sites");
    c->footer("Every address is looked up anew: after installing -dbgsym packages or rebuilding with -g.");
    auto o = std::make_shared<SymbolizeCommandOptions>();
    add_file(c, o->file);
    c->add_option("--config", o->config_file,
                  "site config: {\"sites\": {\"wrappers\": [\"my_alloc\", \"arena_*\"], \"presets\": "
                  "[\"lua\", \"cpython\"]}} (default: every preset on)")
        ->type_name("FILE");
    add_run(c, o->run, "only this run (default: every run)");
    c->add_option("--debug-dir", o->debug_dirs, "also look for separate debug files under DIR (like /usr/lib/debug)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("DIR");
    c->callback([o, &run] { run = [o] { return symbolize(*o); }; });
}

}  // namespace allocprof::cli
