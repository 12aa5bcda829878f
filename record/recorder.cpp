// recorder.cpp — see recorder.h.
#include "record/recorder.h"

#include <limits.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>

#include "record/stream_reader.h"
#include "record/wire_decoder.h"

namespace allocprof::record {
namespace {

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

RunStart run_start(const RecordRequest& r) {
    RunStart s;
    s.scenario = r.scenario;
    s.command = r.command;
    s.cwd = std::filesystem::current_path().string();
    s.hostname = hostname();
    s.ops = r.ops;
    s.store_events = r.store_events;
    s.start_unix_ns = unix_now_ns();
    return s;
}

}  // namespace

Recorder::Recorder(schema::Database& db, const RecordRequest& request)
    : ingestor_(db, run_start(request)) {
    install_signal_handling();
    ring_ = std::make_unique<SharedRing>(kRingCapacity);
    const ScriptEnvironment script_env =
        script_environment(request.command, request.preload_library, request.script);
    for (const std::string& note : script_env.notes) ingestor_.on_note(note);
    target_ = std::make_unique<TargetProcess>(request.command, request.preload_library, ring_->fd(),
                                              script_env.variables);
    g_target_pid = target_->pid();
}

Recorder::~Recorder() { g_target_pid = 0; }

RecordOutcome Recorder::run() {
    RunEnd end;
    {
        StreamReader reader(*target_, *ring_);
        WireDecoder<RunIngestor> decoder(ingestor_);
        try {
            while (auto block = reader.next()) {
                if (end.failure.empty() && !decoder.feed(block->bytes())) end.failure = decoder.error();
                // After a failure, keep draining so the target never blocks on a full ring.
                reader.recycle(std::move(*block));
            }
        } catch (const std::exception& e) {
            // The database failed under us (disk full?): stop recording, let the target run
            // on untraced (closing our end makes its next write fail softly).
            end.failure = e.what();
        }
        if (end.failure.empty() && decoder.pending_bytes() > 0)
            ingestor_.on_note("the stream ended inside a record (" + std::to_string(decoder.pending_bytes()) +
                              " bytes dropped)");
    }
    end.exit = target_->reap();
    end.end_unix_ns = unix_now_ns();
    g_target_pid = 0;
    ingestor_.finish(end);

    RecordOutcome outcome;
    outcome.run_id = ingestor_.run_id();
    outcome.exit = end.exit;
    outcome.failure = end.failure;
    outcome.totals = ingestor_.totals();
    outcome.traced = ingestor_.saw_hello();
    outcome.pid = ingestor_.pid();
    return outcome;
}

}  // namespace allocprof::record
