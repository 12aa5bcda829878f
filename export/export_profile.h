// export_profile.h — what every export format reads from a run: its allocating stacks with
// their figures, optionally split by the phase each allocation happened in, and the facts
// of the run the formats put in their headers. Read-only; the run must be symbolized (the
// frames come from schema/stored_stacks.h).
//
// Two sources, chosen by what the run stored:
// - the event stream (event_chunks): replayed once, so every figure is known per stack and
//   phase, including the blocks live at the peak and the blocks' lifetimes (in events);
// - without it (recorded with --no-events): stack_stats, one sample per stack, no phase
//   split, and neither the block count at the peak nor lifetimes (peak_blocks_known and
//   lifetimes_known are false; the formats that need them refuse, saying why).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "schema/run_database.h"

namespace allocprof::exporter {

// A run that cannot be exported in the asked way (what() says why, naming the file).
class ExportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The figures of one stack (and phase). "Live" is requested bytes, as everywhere.
struct StackFigures {
    uint64_t allocations = 0;  // allocating calls (a realloc is one, as in runs.allocations)
    uint64_t bytes = 0;        // requested bytes of them
    uint64_t end_blocks = 0;   // still live when the recording ended
    uint64_t end_bytes = 0;
    uint64_t peak_blocks = 0;  // live just after the event of the process-wide peak
    uint64_t peak_bytes = 0;
    uint64_t max_blocks = 0;   // this stack's own largest live bytes, and its blocks then
    uint64_t max_bytes = 0;
    uint64_t lifetimes = 0;    // sum over its blocks of (release event - allocation event);
                               // a block live at the end counts up to the run's last event
    uint64_t temporary = 0;    // temp_K with K = 0 (runs.temporary_allocations)
};

struct ExportSample {
    uint32_t node = 0;  // the leaf node (stack_stats.node_id)
    int phase = -1;     // index into ExportRun::phase_names; -1: outside any phase (or no split)
    StackFigures figures;
};

struct ExportRun {
    std::string file;
    int64_t run_id = 0;
    std::vector<std::string> command;  // the argv that ran
    int64_t pid = 0;
    int64_t start_unix_ns = 0;
    double duration_s = 0;
    uint64_t allocations = 0, bytes_allocated = 0;  // runs row (the samples add up to them)
    uint64_t events = 0;             // events of the run (the time axis of lifetimes)
    uint64_t peak_event = 0;         // runs.peak_live_event (0 without an allocation)
    bool from_events = false;        // the figures come from the event stream
    bool peak_blocks_known = false;  // StackFigures::peak_blocks and max_blocks are known
    bool lifetimes_known = false;    // StackFigures::lifetimes is known
    std::vector<std::string> phase_names;
    std::vector<ExportSample> samples;  // by node, then phase
};

struct ExportOptions {
    // Replay the event stream when there is one; false: stack_stats, as for a run without it
    // (all a format needs that uses no phase, no blocks at the peak and no lifetimes).
    bool replay = true;
    bool by_phase = false;  // split each stack by phase (needs the event stream; else one sample)
    bool need_events = false;  // refuse a run without the event stream (ExportError)
};

// Throws ExportError (or schema::DatabaseError for a damaged file).
ExportRun load_export_run(schema::Database& db, int64_t run_id, const ExportOptions& options);

}  // namespace allocprof::exporter
