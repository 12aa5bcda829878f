// recorder.h — one recording, from launching the target to its finished run: the shared
// ring, the target with the preload library and the interpreter set-up, the stream drained
// through the wire decoder into the ingestor, the target reaped, the run's tables written.
//
// Fail soft towards the target: if the database fails while the target runs (a full disk,
// the file's directory gone) or the stream breaks (an impossible ring state, a record that
// does not decode), recording stops, the liveness channel is closed so that the target
// carries on untraced, the ring keeps being drained meanwhile, and the run is finished with
// what was recorded and why it stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "record/run_ingestor.h"
#include "record/script_environment.h"
#include "record/shared_ring.h"
#include "record/target_launcher.h"
#include "schema/run_database.h"

namespace allocprof::record {

// record --max-frames: the deepest native stack the preload library takes (the range it
// accepts, wire_format.h).
inline constexpr int kDefaultMaxFrames = wire::kDefaultMaxFrames;
inline constexpr int kMinMaxFrames = wire::kMinMaxFrames;
inline constexpr int kMaxMaxFrames = wire::kMaxMaxFrames;

struct RecordRequest {
    std::vector<std::string> command;  // argv of the target; command[0] already resolvable
    std::string preload_library;       // find_preload_library()
    std::string scenario;              // "" = none
    std::optional<uint64_t> ops;       // --ops N
    bool store_events = true;
    ScriptOptions script;
    int max_frames = kDefaultMaxFrames;  // --max-frames: the deepest native stack taken
};

struct RecordOutcome {
    int64_t run_id = 0;
    TargetExit exit;
    std::string failure;   // why recording stopped early; "" when the stream was read to its end
    RunTotals totals;
    bool traced = false;   // the preload library reported in
    uint32_t pid = 0;      // the target's pid (0 if it never reported)
    int stop_signal = 0;   // a terminal signal that arrived after the target ended (0: none)
};

class Recorder {
public:
    // Inserts the run's row into `db` and starts the target. Throws LaunchError when the
    // target cannot be started (nothing of it runs), std::exception when the ring or the
    // database cannot be set up.
    Recorder(schema::Database& db, const RecordRequest& request);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    int64_t run_id() const { return ingestor_.run_id(); }
    // Called for every new stack frame inside a file-backed module, as it arrives (set
    // before run()).
    void set_frame_listener(RunIngestor::FrameListener listener) {
        ingestor_.set_frame_listener(std::move(listener));
    }

    // Told what the wait the user sees once the target has ended is: about ten times a
    // second, "reading" with the events ingested so far (what the target left in the
    // buffer), then once "writing" with the run's events (set before run()).
    using Progress = std::function<void(const char* step, uint64_t events)>;
    void set_progress(Progress progress) { progress_ = std::move(progress); }

    // Drains the target's stream until it ends, reaps the target and writes the run.
    // Throws std::exception only when the finished run cannot be written.
    RecordOutcome run();

private:
    RunIngestor ingestor_;
    std::unique_ptr<SharedRing> ring_;
    std::unique_ptr<TargetProcess> target_;
    Progress progress_;
};

}  // namespace allocprof::record
