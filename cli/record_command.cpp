// record_command.cpp — `allocprof record`: run a program under the preload library and
// write everything it allocated into one run database.
//
// Exit status: the target's own (128+N if it was killed by signal N); 125 when allocprof
// itself fails, 126 when the command cannot be executed, 127 when it is not found.
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "symbolize/perf_map.h"
#include "schema/run_database.h"
#include "record/run_ingestor.h"
#include "symbolize/run_symbolizer.h"
#include "record/script_environment.h"
#include "record/shared_ring.h"
#include "symbolize/symbol_prefetcher.h"
#include "record/stream_reader.h"
#include "record/target_launcher.h"
#include "record/wire_decoder.h"

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

// 4 MiB: about 150,000 records, several milliseconds of the fastest target while ingest
// catches up (the reader drains it every half millisecond). Its pages count in the
// target's resident set, so it is no larger than it needs to be.
constexpr uint64_t kRingCapacity = 4u << 20;

std::atomic<pid_t> g_target_pid{0};

void forward_signal(int sig) {
    pid_t pid = g_target_pid.load();
    if (pid > 0) kill(pid, sig);
}

// While the target runs, terminal signals are the target's business: Ctrl-C reaches the
// whole process group, the target decides what to do, and allocprof stays to write what
// was recorded. SIGTERM and SIGHUP sent to allocprof alone are passed on to the target.
void install_signal_handling() {
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGQUIT, SIG_IGN);
    struct sigaction sa {};
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) sigaction(sig, &sa, nullptr);
}

uint64_t unix_now_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

std::string hostname() {
    char buf[HOST_NAME_MAX + 1] = {};
    gethostname(buf, sizeof(buf) - 1);
    return buf;
}

// Moves an existing allocprof database out of the way (perf's FILE.old convention);
// refuses to touch a file that is not one. Returns the .old path, or "" if none.
std::string keep_previous_output(const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return "";
    sqlite3* db = nullptr;
    int64_t app = 0;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            app = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    if (app != schema::kApplicationId)
        throw LaunchError(kExitRecordFailure,
                          path + " exists and is not an allocprof database; refusing to "
                                 "overwrite it (choose another file with -o)");
    std::string old = path + ".old";
    if (std::rename(path.c_str(), old.c_str()) != 0)
        throw LaunchError(kExitRecordFailure, "cannot rename " + path + " to " + old);
    return old;
}

std::string default_output(const std::string& program) {
    return "allocprof." + std::filesystem::path(program).filename().string() + "." +
           std::to_string(getpid()) + ".db";
}

int64_t insert_run_row(schema::Database& db, const RecordOptions& o, uint64_t start_ns) {
    auto insert = db.prepare(
        "INSERT INTO runs(scenario, command, cwd, hostname, tool_version, wire_version, pid, "
        "start_unix_ns, ops, ops_source, events_stored) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)");
    if (o.scenario.empty())
        insert.bind_null(1);
    else
        insert.bind(1, o.scenario);
    insert.bind(2, nlohmann::json(o.command).dump())
        .bind(3, std::filesystem::current_path().string())
        .bind(4, hostname())
        .bind(5, ALLOCPROF_VERSION)
        .bind(6, static_cast<int64_t>(wire::kWireVersion))
        .bind(7, start_ns);
    if (o.ops)
        insert.bind(8, *o.ops).bind(9, "command-line");
    else
        insert.bind_null(8).bind_null(9);
    insert.bind(10, o.store_events ? 1 : 0);
    insert.run();
    return db.last_insert_rowid();
}

void finish_run_row(schema::Database& db, int64_t run_id, const RecordOptions& o,
                    RunIngestor& ingestor, const TargetExit& exit, uint64_t start_ns,
                    uint64_t end_ns) {
    const RunTotals& t = ingestor.totals();
    auto update = db.prepare(
        "UPDATE runs SET pid = ?, end_unix_ns = ?, duration_s = ?, exit_status = ?, "
        "term_signal = ?, truncated = ?, complete = 1, traced = ?, ops = ?, ops_source = ?, "
        "allocations = ?, frees = ?, reallocs = ?, bytes_allocated = ?, peak_live_bytes = ?, "
        "peak_live_event = ?, peak_live_ns = ?, unfreed_blocks = ?, unfreed_bytes = ?, "
        "temporary_allocations = ?, temporary_allocations_k1 = ?, unmatched_frees = ?, "
        "mmap_calls = ?, mmap_bytes = ?, munmap_calls = ?, threads = ?, peak_rss_bytes = ?, "
        "target_user_s = ?, target_system_s = ?, event_count = ?, notes = ? WHERE run_id = ?");
    int i = 1;
    update.bind(i++, static_cast<int64_t>(ingestor.pid()));
    update.bind(i++, end_ns);
    update.bind(i++, static_cast<double>(end_ns - start_ns) / 1e9);
    if (exit.exited) {
        update.bind(i++, exit.exit_status);
        update.bind_null(i++);
    } else {
        update.bind_null(i++);
        update.bind(i++, exit.term_signal);
    }
    update.bind(i++, ingestor.saw_end() ? 0 : 1);
    update.bind(i++, ingestor.saw_hello() ? 1 : 0);
    if (o.ops) {
        update.bind(i++, *o.ops);
        update.bind(i++, "command-line");
    } else if (t.saw_ops) {
        update.bind(i++, t.ops);
        update.bind(i++, "markers");
    } else {
        update.bind_null(i++);
        update.bind_null(i++);
    }
    for (uint64_t v : {t.allocations, t.frees, t.reallocs, t.bytes_allocated, t.peak_live_bytes,
                       t.peak_live_event, t.peak_live_ns, t.live_blocks, t.live_bytes,
                       t.temporary_k0, t.temporary_k1, t.unmatched_frees, t.mmap_calls,
                       t.mmap_bytes, t.munmap_calls, ingestor.thread_count()})
        update.bind(i++, v);
    update.bind(i++, static_cast<int64_t>(exit.usage.ru_maxrss) * 1024);
    auto seconds = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
    update.bind(i++, seconds(exit.usage.ru_utime));
    update.bind(i++, seconds(exit.usage.ru_stime));
    update.bind(i++, o.store_events ? t.events : 0);
    update.bind(i++, nlohmann::json(ingestor.notes()).dump());
    update.bind(i++, run_id);
    update.run();
}

// Appends one line to the run's notes (runs.notes, a JSON array).
void append_run_note(schema::Database& db, int64_t run_id, const std::string& note) {
    auto read = db.prepare("SELECT notes FROM runs WHERE run_id = ?");
    read.bind(1, run_id);
    nlohmann::json notes = nlohmann::json::array();
    if (read.step()) notes = nlohmann::json::parse(read.text(0), nullptr, false);
    if (!notes.is_array()) notes = nlohmann::json::array();
    notes.push_back(note);
    auto update = db.prepare("UPDATE runs SET notes = ? WHERE run_id = ?");
    update.bind(1, notes.dump()).bind(2, run_id).run();
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

void print_result_line(const std::string& output, const RunIngestor& ingestor) {
    if (!isatty(STDERR_FILENO)) return;
    const RunTotals& t = ingestor.totals();
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
    std::optional<SharedRing> ring;
    std::optional<TargetProcess> target;
    int64_t run_id = 0;
    const uint64_t start_ns = unix_now_ns();
    ScriptEnvironment script_env;
    try {
        const std::string preload = find_preload_library();
        resolve_command(options.command[0]);  // 126/127 before any file is touched
        kept_old = keep_previous_output(output);
        db.emplace(schema::Database::create(output));
        run_id = insert_run_row(*db, options, start_ns);
        install_signal_handling();
        ring.emplace(kRingCapacity);
        script_env = script_environment(options.command, preload, options.script);
        target.emplace(options.command, preload, ring->fd(), script_env.variables);
        g_target_pid = target->pid();
    } catch (const LaunchError& e) {
        print_error(e.what());
        if (db) {
            db.reset();
            std::remove(output.c_str());
            if (!kept_old.empty()) std::rename(kept_old.c_str(), output.c_str());
        }
        return e.exit_code();
    } catch (const std::exception& e) {  // the database or the ring
        print_error(e.what());
        if (db) {
            db.reset();
            std::remove(output.c_str());
            if (!kept_old.empty()) std::rename(kept_old.c_str(), output.c_str());
        }
        return kExitRecordFailure;
    }

    RunIngestor ingestor(*db, run_id, options.store_events);
    for (const std::string& note : script_env.notes) ingestor.on_note(note);
    // Created after the launch: symbolization unsets DEBUGINFOD_URLS for this process, and
    // the target must get the environment it was given.
    std::optional<SymbolPrefetcher> prefetcher;
    if (options.symbolize) {
        unsetenv("DEBUGINFOD_URLS");  // no network lookups while prefetching either
        prefetcher.emplace();
        ingestor.set_frame_listener([&](const std::string& path, const std::string& build_id,
                                        uint64_t rel_pc) { prefetcher->add(path, build_id, rel_pc); });
    }
    std::string failure;
    {
        StreamReader reader(*target, *ring);
        WireDecoder<RunIngestor> decoder(ingestor);
        try {
            while (auto block = reader.next()) {
                if (failure.empty() && !decoder.feed(block->bytes())) failure = decoder.error();
                // After a failure, keep draining so the target never blocks on a full socket.
                reader.recycle(std::move(*block));
            }
        } catch (const std::exception& e) {
            // The database failed under us (disk full?): stop recording, let the target run
            // on untraced (closing our end makes its next write fail softly).
            failure = e.what();
        }
        if (failure.empty() && decoder.pending_bytes() > 0)
            ingestor.notes().push_back("the stream ended inside a record (" +
                                       std::to_string(decoder.pending_bytes()) +
                                       " bytes dropped)");
    }
    const TargetExit exit = target->reap();
    const uint64_t end_ns = unix_now_ns();
    g_target_pid = 0;

    if (!failure.empty()) ingestor.notes().push_back("recording stopped early: " + failure);
    if (!ingestor.saw_hello())
        ingestor.notes().push_back(
            "the program never loaded the preload library (statically linked, setuid, or it "
            "cleared LD_PRELOAD): nothing was recorded");
    else if (!ingestor.saw_end())
        ingestor.notes().push_back(
            exit.exited ? "the program ended without running its exit handlers (_exit): "
                          "events after that point, if any, are missing"
                        : "the program was killed by signal " + std::to_string(exit.term_signal) +
                              ": the database holds everything it recorded before it died");
    try {
        ingestor.write_tables();
        finish_run_row(*db, run_id, options, ingestor, exit, start_ns, end_ns);
    } catch (const std::exception& e) {
        print_error(std::string("cannot finish writing ") + output + ": " + e.what());
        return kExitRecordFailure;
    }
    if (!failure.empty()) {
        print_error(failure + " (" + output + " holds what was recorded until then)");
        return kExitRecordFailure;
    }
    snapshot_perf_map(*db, run_id, ingestor.pid());
    if (options.symbolize) symbolize_recorded_run(*db, run_id, output, prefetcher ? &*prefetcher : nullptr);
    if (!ingestor.saw_hello())
        print_warning("'" + options.command[0] +
                      "' never loaded the preload library (statically linked? setuid?); nothing "
                      "was recorded in " + output);
    print_result_line(output, ingestor);
    return exit.shell_status();
}

}  // namespace allocprof::cli
