// record_command.cpp — `allocprof record`: run a program under the preload library and
// write everything it allocated into one run database.
//
// Exit status: the target's own (128+N if it was killed by signal N); 125 when allocprof
// itself fails, 126 when the command cannot be executed, 127 when it is not found.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/status_line.h"
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

struct RecordOptions {
    std::string output;
    std::string scenario;
    std::optional<uint64_t> ops;
    bool store_events = true;
    bool symbolize = true;
    bool quiet = false;
    int max_frames = kDefaultMaxFrames;
    ScriptOptions script;
    std::vector<std::string> command;
};

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
        if (prefetcher) options.symbolizer = &prefetcher->finish();
        symbolize_with_status(db, run_id, options);
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

// --max-frames N: a whole number in the range the preload library accepts.
CLI::Validator max_frames_validator() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            const bool digits = !value.empty() && value.size() <= 6 &&
                                std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
            const int n = digits ? std::stoi(value) : 0;
            if (!digits || n < kMinMaxFrames || n > kMaxMaxFrames)
                return "'" + value + "' is not a stack depth from " + std::to_string(kMinMaxFrames) +
                       " to " + std::to_string(kMaxMaxFrames) + " frames";
            return "";
        },
        "");
}

int record(RecordOptions options) {
    if (options.command.empty()) {
        print_error("record needs a command to run (allocprof record [OPTIONS] -- COMMAND [ARGS...])");
        return kExitRecordFailure;
    }
    if (options.output == "-") {
        print_error("-o -: a run database is a file, it cannot go to standard output");
        return kExitRecordFailure;
    }
    const std::string output = options.output.empty() ? default_output(options.command[0]) : options.output;
    std::optional<OutputDatabase> file;
    std::optional<schema::Database> db;
    std::optional<Recorder> recorder;
    // Nothing of a run that never started is kept: its file goes, a previous one comes back.
    auto abandon = [&] {
        recorder.reset();
        db.reset();
        if (file) file->abandon();
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
        request.max_frames = options.max_frames;
        file.emplace(output);
        db.emplace(file->create());
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
    if (!file->kept_previous().empty())
        std::cerr << "allocprof: kept the previous " << output << " as " << file->kept_previous() << "\n";

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
        // The target owns the terminal while it runs; once it has ended, what it left in
        // the buffer is the wait, and the status line says how it goes.
        StatusLine status;
        recorder->set_progress([&status](const char* step, uint64_t events) {
            if (std::string_view(step) == "reading")
                status.show_rate("the program has ended; reading its events", events, "events");
            else
                status.show("writing the run: " + format_count(events) + " events", 0, 0, "");
        });
        outcome = recorder->run();
    } catch (const std::exception& e) {
        print_error(std::string("cannot finish writing ") + output + ": " + e.what());
        return kExitRecordFailure;
    }
    if (!outcome.failure.empty()) {
        print_error(outcome.failure + " (" + output + " holds what was recorded until then)");
        return kExitRecordFailure;
    }
    if (outcome.stop_signal != 0) {
        // Stopped after the target ended: the recording is complete and written; only the
        // symbolization is left, which can be done later.
        print_warning(std::string("stopped by ") + sigabbrev_np(outcome.stop_signal) + ": " + output +
                      " holds the complete recording, not yet symbolized (allocprof symbolize " + output + ")");
        db.reset();
        signal(outcome.stop_signal, SIG_DFL);
        raise(outcome.stop_signal);
        return 128 + outcome.stop_signal;
    }
    snapshot_perf_map(*db, outcome.run_id, outcome.pid);
    if (options.symbolize) symbolize_recorded_run(*db, outcome.run_id, output, prefetcher ? &*prefetcher : nullptr);
    if (!outcome.traced)
        print_warning("'" + options.command[0] +
                      "' never loaded the preload library (statically linked? setuid?); nothing "
                      "was recorded in " + output);
    print_result_line(output, outcome);
    // The next command, on stderr (stdout is the target's): the report, or without the
    // event stream (which the analysis replays) the sites.
    if (!options.quiet && outcome.traced)
        std::cerr << "next: allocprof " << (options.store_events ? "report " : "top ") << output << "\n";
    return outcome.exit.shell_status();
}

}  // namespace

void add_record_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand(
        "record", "run a program under the preload library and record every allocation into one file");
    c->footer(
        "Usage: allocprof record [OPTIONS] -- COMMAND [ARGS...]\n\n"
        "Runs COMMAND with allocprof's preload library and records every allocation, free and call\n"
        "stack into one SQLite file.\n\n"
        "Exit status: the command's own (128+N if killed by signal N); 125 if allocprof fails,\n"
        "126 if the command cannot be executed, 127 if it is not found.");
    auto o = std::make_shared<RecordOptions>();
    c->add_option("-o,--output", o->output,
                  "the run database (default: allocprof.<program>.<pid>.db); an existing allocprof "
                  "database there is kept as FILE.old (FILE.old.1, ... when taken); any other file is "
                  "refused")
        ->type_name("FILE");
    c->add_option("--scenario", o->scenario, "name of the scenario this run measures")->type_name("NAME");
    c->add_option("--ops", o->ops,
                  "operations the run performs (per-op metrics divide by it); without it, ops counted by "
                  "allocprof_ops() markers are used")
        ->type_name("N")
        ->check(count_validator());
    c->add_flag_callback("--no-events", [o] { o->store_events = false; },
                         "do not store the event stream (smaller file; analyses then need a new recording)");
    c->add_option("--max-frames", o->max_frames,
                  "the deepest native stack recorded, " + std::to_string(kMinMaxFrames) + " to " +
                      std::to_string(kMaxMaxFrames) + " frames (default " +
                      std::to_string(kDefaultMaxFrames) +
                      "); a deeper stack keeps its innermost N frames and is marked truncated")
        ->type_name("N")
        ->check(max_frames_validator());
    c->add_flag("--quiet", o->quiet, "no closing line suggesting the next command (for scripts)");
    c->add_flag_callback("--no-symbolize", [o] { o->symbolize = false; },
                         "do not symbolize at the end (allocprof symbolize FILE, or the first top, does it)");
    c->add_flag_callback("--no-script-frames", [o] { o->script.script_frames = false; },
                         "native stacks only: no Lua/Python frames, GC cycles or script markers");
    c->add_flag_callback("--keep-pymalloc", [o] { o->script.keep_pymalloc = true; },
                         "leave Python's small-object allocator on (default: PYTHONMALLOC=malloc, so that "
                         "every object allocation is seen)");
    // Without "--", the target's command starts at the first argument that is not an option.
    c->prefix_command();
    c->callback([o, c, &run] {
        // An option record does not know is a typo, not the target's first argument: the
        // target's own options come after its command (or after "--").
        const std::vector<std::string> rest = c->remaining();
        const bool dashes = !record_target_command().empty();
        if ((dashes && !rest.empty()) || (!rest.empty() && rest.front().size() > 1 && rest.front()[0] == '-'))
            throw CLI::ExtrasError(rest);
        o->command = dashes ? record_target_command() : rest;
        run = [o] { return record(*o); };
    });
}

}  // namespace allocprof::cli
