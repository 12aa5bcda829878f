// recorder.cpp — see recorder.h.
#include "record/recorder.h"

#include <limits.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "record/signal_handling.h"
#include "record/stream_reader.h"
#include "record/wire_decoder.h"

namespace allocprof::record {
namespace {

// 4 MiB: about 150,000 records, several milliseconds of the fastest target while ingest
// catches up (the reader drains it every half millisecond). Its pages count in the
// target's resident set, so it is no larger than it needs to be.
constexpr uint64_t kRingCapacity = 4u << 20;

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
    s.max_frames = r.max_frames;
    s.start_unix_ns = unix_now_ns();
    return s;
}

}  // namespace

Recorder::Recorder(schema::Database& db, const RecordRequest& request)
    : ingestor_(db, run_start(request)) {
    install_recording_signals();
    ring_ = std::make_unique<SharedRing>(kRingCapacity);
    ScriptEnvironment script_env =
        script_environment(request.command, request.preload_library, request.script);
    for (const std::string& note : script_env.notes) ingestor_.on_note(note);
    // Read by the preload library when tracking starts (wire_format.h, kEnvMaxFrames).
    script_env.variables.emplace_back(wire::kEnvMaxFrames, std::to_string(request.max_frames));
    target_ = std::make_unique<TargetProcess>(request.command, request.preload_library, ring_->fd(),
                                              script_env.variables);
    set_signal_target(target_->pid());
}

Recorder::~Recorder() { set_signal_target(0); }

RecordOutcome Recorder::run() {
    RunEnd end;
    {
        StreamReader reader(*target_, *ring_);
        WireDecoder<RunIngestor> decoder(ingestor_);
        auto last_check = std::chrono::steady_clock::now();
        while (auto block = reader.next()) {
            if (end.failure.empty()) {
                try {
                    if (!decoder.feed(block->bytes())) end.failure = decoder.error();
                } catch (const std::exception& e) {
                    end.failure = e.what();  // the database failed under us (a full disk?)
                }
                // The target never depends on a healthy profiler: with the liveness channel
                // closed it carries on untraced, and the ring keeps being drained meanwhile.
                if (!end.failure.empty()) target_->close_liveness();
            }
            reader.recycle(std::move(*block));
            if (progress_) {
                const auto now = std::chrono::steady_clock::now();
                if (now - last_check >= std::chrono::milliseconds(100)) {
                    last_check = now;
                    if (target_->has_ended()) progress_("reading", ingestor_.totals().events);
                }
            }
        }
        if (end.failure.empty()) end.failure = reader.failure();
        if (end.failure.empty() && decoder.pending_bytes() > 0)
            ingestor_.on_note("the stream ended inside a record (" + std::to_string(decoder.pending_bytes()) +
                              " bytes dropped)");
    }
    end.exit = target_->reap();  // from here on, signals are allocprof's own
    end.end_unix_ns = unix_now_ns();
    if (progress_) progress_("writing", ingestor_.totals().events);
    ingestor_.finish(end);

    RecordOutcome outcome;
    outcome.run_id = ingestor_.run_id();
    outcome.exit = end.exit;
    outcome.failure = end.failure;
    outcome.totals = ingestor_.totals();
    outcome.traced = ingestor_.saw_hello();
    outcome.pid = ingestor_.pid();
    outcome.stop_signal = end_recording_signals();
    return outcome;
}

}  // namespace allocprof::record
