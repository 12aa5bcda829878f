// record_command.cpp — `allocprof record`: run a program under the preload library and
// write everything it allocated into one run database.
//
// Exit status: the target's own (128+N if it was killed by signal N); 125 when allocprof
// itself fails, 126 when the command cannot be executed, 127 when it is not found.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "record/recorder.h"
#include "record/run_output.h"
#include "record/target_launcher.h"
#include "schema/run_database.h"
#include "symbolize/perf_map.h"
#include "symbolize/run_symbolizer.h"
#include "symbolize/symbol_prefetcher.h"

namespace allocprof::cli {
using namespace allocprof::record;
using namespace allocprof::symbolize;
namespace {

const char* const kRecordUsage =
    "usage: allocprof record [-o FILE] [--scenario NAME] [--ops N] [--no-events] [--no-symbolize]\n"
    "                        [--no-script-frames] [--keep-pymalloc] -- COMMAND [ARGS...]\n"
    "\n"
    "Runs COMMAND with allocprof's preload library and records every allocation, free and\n"
    "call stack into one SQLite file.\n"
    "\n"
    "  -o, --output FILE   the run database (default: allocprof.<program>.<pid>.db); an\n"
    "                      existing allocprof database there is kept as FILE.old\n"
    "  --scenario NAME     name of the scenario this run measures\n"
    "  --ops N             operations the run performs (per-op metrics divide by it);\n"
    "                      without it, ops counted by allocprof_ops() markers are used\n"
    "  --no-events         do not store the event stream (smaller file; analyses that\n"
    "                      need other parameters then require recording again)\n"
    "  --no-symbolize      do not symbolize the run at the end (allocprof symbolize FILE,\n"
    "                      or the first allocprof top, does it later)\n"
    "  --no-script-frames  native stacks only: no Lua/Python frames, GC cycles or script\n"
    "                      markers (PYTHONMALLOC=malloc is still set for Python)\n"
    "  --keep-pymalloc     leave Python's small-object allocator on (by default allocprof\n"
    "                      sets PYTHONMALLOC=malloc so that every object allocation is seen)\n"
    "\n"
    "Exit status: the command's own (128+N if killed by signal N); 125 if allocprof fails,\n"
    "126 if the command cannot be executed, 127 if it is not found.\n";

struct RecordOptions {
    std::string output;
    std::string scenario;
    std::optional<uint64_t> ops;
    bool store_events = true;
    bool symbolize = true;
    ScriptOptions script;
    std::vector<std::string> command;
};

RecordOptions parse_record_options(const Arguments& args) {
    RecordOptions o;
    size_t i = 0;
    auto value = [&](const std::string& option) -> std::string {
        if (i + 1 >= args.size()) throw UsageError(option + " needs a value");
        return args[++i];
    };
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a == "-o" || a == "--output") {
            o.output = value(a);
        } else if (a.rfind("--output=", 0) == 0) {
            o.output = a.substr(9);
        } else if (a == "--scenario") {
            o.scenario = value(a);
        } else if (a == "--ops") {
            o.ops = parse_count(a, value(a));
        } else if (a == "--no-events") {
            o.store_events = false;
        } else if (a == "--no-symbolize") {
            o.symbolize = false;
        } else if (a == "--no-script-frames") {
            o.script.script_frames = false;
        } else if (a == "--keep-pymalloc") {
            o.script.keep_pymalloc = true;
        } else if (!a.empty() && a[0] == '-') {
            throw UsageError("unknown option '" + a + "' for record");
        } else {
            break;  // the command starts here
        }
    }
    o.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    if (o.command.empty()) throw UsageError("record needs a command to run (after --)");
    return o;
}

// The target's perf map, kept with the run: the file may be gone or rewritten (pid reuse)
// by the time the run is symbolized again. Losing it only loses names.
void snapshot_perf_map(schema::Database& db, int64_t run_id, uint32_t pid) {
    try {
        const PerfMap perf_map = PerfMap::read_for_pid(pid);
        if (!perf_map.empty()) perf_map.store(db, run_id);
    } catch (const std::exception& e) {
        print_warning("cannot keep /tmp/perf-" + std::to_string(pid) + ".map: " + e.what());
    }
}

// After the run row is complete: symbolize and attribute sites. Nothing here may lose
// the recording: a failure becomes a note of the run and a warning.
void symbolize_recorded_run(schema::Database& db, int64_t run_id, const std::string& output,
                            SymbolPrefetcher* prefetcher) {
    try {
        SymbolizeOptions options;
        options.progress = isatty(STDERR_FILENO) != 0;
        if (prefetcher) options.symbolizer = &prefetcher->finish();
        symbolize_run(db, run_id, options);
    } catch (const std::exception& e) {
        std::string note = std::string("symbolization failed: ") + e.what() +
                           " (the recording is complete; retry with 'allocprof symbolize " +
                           output + "')";
        print_warning(note);
        try {
            append_run_note(db, run_id, note);
        } catch (const std::exception&) {
            // The warning above already said it; the run itself is intact.
        }
    }
}

void print_result_line(const std::string& output, const RecordOutcome& outcome) {
    if (!isatty(STDERR_FILENO)) return;
    const RunTotals& t = outcome.totals;
    std::cerr << "allocprof: " << format_count(t.allocations) << " allocations ("
              << format_bytes(t.bytes_allocated) << "), peak " << format_bytes(t.peak_live_bytes)
              << " live, " << format_count(t.live_blocks) << " blocks unfreed; wrote " << output
              << "\n";
}

}  // namespace

int record_command(const Arguments& args) {
    RecordOptions options;
    try {
        if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
            std::cout << kRecordUsage;
            return kExitOk;
        }
        options = parse_record_options(args);
    } catch (const UsageError& e) {
        print_error(std::string(e.what()) + "\n" + kRecordUsage);
        return kExitRecordFailure;
    }

    std::string output = options.output.empty() ? default_output(options.command[0]) : options.output;
    std::string kept_old;
    std::optional<schema::Database> db;
    std::optional<Recorder> recorder;
    // Nothing of a run that never started is kept: its file goes, a previous one comes back.
    auto abandon = [&] {
        recorder.reset();
        if (!db) return;
        db.reset();
        std::remove(output.c_str());
        if (!kept_old.empty()) std::rename(kept_old.c_str(), output.c_str());
    };
    try {
        RecordRequest request;
        request.preload_library = find_preload_library();
        resolve_command(options.command[0]);  // 126/127 before any file is touched
        request.command = options.command;
        request.scenario = options.scenario;
        request.ops = options.ops;
        request.store_events = options.store_events;
        request.script = options.script;
        kept_old = keep_previous_output(output);
        db.emplace(schema::Database::create(output));
        recorder.emplace(*db, request);
    } catch (const LaunchError& e) {
        print_error(e.what());
        abandon();
        return e.exit_code();
    } catch (const std::exception& e) {  // the database or the ring
        print_error(e.what());
        abandon();
        return kExitRecordFailure;
    }

    // Created after the launch: symbolization unsets DEBUGINFOD_URLS for this process, and
    // the target must get the environment it was given.
    std::optional<SymbolPrefetcher> prefetcher;
    if (options.symbolize) {
        unsetenv("DEBUGINFOD_URLS");  // no network lookups while prefetching either
        prefetcher.emplace();
        recorder->set_frame_listener([&](const std::string& path, const std::string& build_id,
                                         uint64_t rel_pc) { prefetcher->add(path, build_id, rel_pc); });
    }
    RecordOutcome outcome;
    try {
        outcome = recorder->run();
    } catch (const std::exception& e) {
        print_error(std::string("cannot finish writing ") + output + ": " + e.what());
        return kExitRecordFailure;
    }
    if (!outcome.failure.empty()) {
        print_error(outcome.failure + " (" + output + " holds what was recorded until then)");
        return kExitRecordFailure;
    }
    snapshot_perf_map(*db, outcome.run_id, outcome.pid);
    if (options.symbolize) symbolize_recorded_run(*db, outcome.run_id, output, prefetcher ? &*prefetcher : nullptr);
    if (!outcome.traced)
        print_warning("'" + options.command[0] +
                      "' never loaded the preload library (statically linked? setuid?); nothing "
                      "was recorded in " + output);
    print_result_line(output, outcome);
    return outcome.exit.shell_status();
}

}  // namespace allocprof::cli
