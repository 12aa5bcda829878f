// heap_replay.h — how much heap a run needed under an allocator model (heap_model.h), per
// window (the whole run and each phase name), and whether it would have fitted a limit: the
// replay behind `allocprof heap` (docs/definitions.md, "Heap needed", "Live blocks at the
// peak", "Heap limit").
//
// The run's events are replayed in order, twice: the first pass finds every window's peak
// and the first allocation over the limit; the second stops at those events and says what
// was live there, by site. Memory is one entry per live block, never the event stream.
//
// The choices the definitions leave open:
//   - Requested figures follow "peak live" exactly (the DHAT rule: a realloc releases its
//     old block and takes the new one at the same event), so the run's peak equals
//     `summary`'s peak live. Ties go to the first event that reaches the peak.
//   - The heap needed is the sum of the model's block sizes of the live blocks. A realloc
//     that moved its block held both blocks while it copied: at that event the heap needed
//     is the live blocks plus the new one, the old one released just after. A realloc in
//     place needs its new size only.
//   - A phase's window is every occurrence of its name together; what was live when an
//     occurrence began counts toward its peaks (as analyze's windows count it).
//   - An allocation would fail when the heap needed with it exceeds the limit (equal fits).
//     With a phase, only the allocations made while that phase is open are checked; what was
//     live when it began still takes its room. After the first failure the replay goes on as
//     if the allocation had succeeded, so the peaks are the run's own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/heap_model.h"
#include "analyzers/run_analyzer.h"
#include "analyzers/site_map.h"

namespace allocprof::analyzers {

// What one site held at one moment.
struct HeapSiteLive {
    uint32_t site = 0;      // site index (SiteMap)
    uint32_t top_node = 0;  // its stack holding the most bytes then
    uint64_t bytes = 0;     // requested
    uint64_t blocks = 0;
    uint64_t heap_bytes = 0;  // under the model
};

// What was live at one moment (after an event, or just before one: see the users).
struct HeapSnapshot {
    uint64_t event_index = 0;
    uint64_t live_bytes = 0;  // requested
    uint64_t live_blocks = 0;
    uint64_t heap_bytes = 0;          // the model's block sizes of the live blocks
    std::vector<HeapSiteLive> sites;  // by bytes, descending (ties: site index), at most top_sites
    uint64_t sites_live = 0;          // sites with a live block, listed or not
};

struct HeapWindow {
    std::string name;              // "" for the whole run
    uint64_t occurrences = 1;      // of the phase (1 for the run)
    HeapSnapshot peak;             // after the event that reached the peak of requested live bytes
    uint64_t heap_peak_bytes = 0;  // the most heap needed at any event of the window
    uint64_t heap_peak_event = 0;
};

// The first allocation over the limit.
struct HeapFailure {
    uint64_t event_index = 0;
    bool realloc = false;
    uint64_t size = 0;          // requested
    uint64_t block_bytes = 0;   // under the model
    uint64_t heap_with_it = 0;  // the heap needed had it succeeded (> the limit)
    uint32_t node = 0;          // its stack
    uint32_t site = 0;
    uint32_t thread = 0;
    std::string phase;                // the phase open then, or ""
    std::optional<uint64_t> time_ns;  // the last clock tick before it, since tracking began
    HeapSnapshot live;                // just before it
};

struct HeapLimitCheck {
    uint64_t limit = 0;
    std::string phase;                   // the phase checked, or "" for the whole run
    std::optional<HeapFailure> failure;  // none: it fits
    bool fits() const { return !failure; }
};

struct HeapQuestion {
    HeapModel model = HeapModel::glibc();
    std::optional<uint64_t> limit;
    std::string phase;     // with a limit: check only this phase's allocations ("" = all)
    size_t top_sites = 5;  // sites listed per snapshot
};

struct HeapResult {
    std::vector<HeapWindow>
        windows;  // [0] the whole run, then each phase name in order of first beginning
    std::optional<HeapLimitCheck> limit;
    uint64_t events = 0;
    uint64_t unmatched_frees = 0;  // frees of blocks the stream never allocated (ignored)
};

// Throws AnalysisError for an allocating node the site map does not cover.
HeapResult replay_heap(const EventReplay& replay, const SiteMap& sites,
                       const HeapQuestion& question);

}  // namespace allocprof::analyzers
