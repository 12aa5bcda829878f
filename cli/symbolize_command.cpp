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
#include "cli/coverage_report.h"
#include "schema/run_database.h"
#include "symbolize/run_symbolizer.h"

namespace allocprof::cli {
using namespace allocprof::symbolize;
namespace {

const char* const kSymbolizeUsage =
    "usage: allocprof symbolize FILE [--config CONFIG.json] [--run ID] [--debug-dir DIR]\n"
    "\n"
    "Symbolizes the runs in FILE again (every address looked up anew: after installing\n"
    "-dbgsym packages or rebuilding with -g) and recomputes their allocation sites.\n"
    "\n"
    "  --config FILE    site config: {\"sites\": {\"wrappers\": [\"my_alloc\", \"arena_*\"],\n"
    "                   \"presets\": [\"lua\", \"cpython\"]}} (default: every preset on)\n"
    "  --run ID         only this run (default: every run)\n"
    "  --debug-dir DIR  also look for separate debug files under DIR (like /usr/lib/debug)\n";

}  // namespace

int symbolize_command(const Arguments& args) {
    std::string file;
    std::optional<std::string> config_file;
    std::optional<int64_t> run;
    SymbolizeOptions options;
    options.redo = true;
    ArgReader a(args, "symbolize");
    while (a.next()) {
        if (a.help()) {
            std::cout << kSymbolizeUsage;
            return kExitOk;
        } else if (a.is("--config")) {
            config_file = a.value();
        } else if (a.is("--run")) {
            run = static_cast<int64_t>(a.count_value());
        } else if (a.is("--debug-dir")) {
            options.extra_debug_dirs.push_back(a.value());
        } else {
            a.file(file);
        }
    }
    a.require(file);
    if (config_file) options.config = load_site_config(*config_file);  // before touching FILE
    auto db = schema::Database::open_existing(file, true);
    std::vector<int64_t> runs = run ? std::vector<int64_t>{select_run(db, run)} : run_ids(db);
    for (int64_t id : runs) {
        SymbolizeResult r = symbolize_run(db, id, options);
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.2f", r.seconds);
        std::cout << "run " << id << ": " << format_count(r.addresses) << " addresses, "
                  << format_count(r.sites) << " sites, " << seconds << " s\n";
        print_coverage(load_coverage(db, id), std::cout);
    }
    return kExitOk;
}

}  // namespace allocprof::cli
