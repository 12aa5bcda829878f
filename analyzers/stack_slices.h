// stack_slices.h — the figures of each allocating stack split by the thread that allocated
// and the phase open when it did: what the HTML flame graph's thread and phase filters
// draw (analysis_stack_slices in schema/allocprof_v2.sql).
//
// A slice is (leaf node, thread, phase name); every figure belongs to the allocation that
// made the block, so the slices of a stack add up to its stack_stats row exactly:
//   - allocations and bytes: allocating calls (a realloc is one) and their requested bytes;
//   - live at the peak: the bytes of its blocks live just after the event at which the
//     run's live bytes first reached their maximum (the recorder's rule, live_accounting.h);
//   - live at the end: the bytes of its blocks never released;
//   - temporary: its blocks that were temp_K with K = 0 (live_accounting.h).
// The phase is the one open at the allocation ("" outside any phase); phases do not nest.
// Memory: 24 bytes per block of the run and one entry per slice, never the event stream.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "schema/event_codec.h"
#include "schema/live_accounting.h"

namespace allocprof::analyzers {

struct StackSlice {
    uint32_t node = 0;    // leaf trie node (stack_stats.node_id)
    uint32_t thread = 0;  // the allocating thread, as the events number it
    std::string phase;    // "" outside any phase
    uint64_t allocations = 0;
    uint64_t bytes = 0;
    uint64_t live_at_peak_bytes = 0;
    uint64_t live_end_bytes = 0;
    uint64_t temporary_k0 = 0;
    bool operator==(const StackSlice&) const = default;
};

struct StackSlices {
    // Whether a split says more than stack_stats: more than one allocating thread, or an
    // allocation inside a phase. Without it there are no slices.
    bool split = false;
    std::vector<StackSlice> slices;  // by node, thread, phase name
};

class StackSlicer {
public:
    // `blocks`: how many blocks the run made, when known (room for them is set aside once).
    explicit StackSlicer(uint64_t blocks = 0) { live_.reserve(blocks); }
    void on_event(const schema::Event& e);
    StackSlices finish();

private:
    struct Figures {
        uint32_t node = 0, thread = 0, phase = 0;  // phase: index into phases_, 0 = none
        uint64_t allocations = 0, bytes = 0, live_bytes = 0, temporary_k0 = 0;
        schema::PeakShare peak;
    };
    struct Live {
        uint32_t slice = 0;  // index into figures_ + 1; 0: not live
        uint32_t thread = 0;
        uint64_t size = 0;
        uint64_t thread_seq = 0;
    };

    struct Key {
        uint32_t node, thread, phase;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const {
            return std::hash<uint64_t>()((uint64_t{k.node} << 32) ^ (uint64_t{k.thread} << 16) ^ k.phase);
        }
    };

    void allocate(const schema::Event& e);
    void release(uint64_t block, uint32_t thread);
    uint32_t slice(uint32_t node, uint32_t thread);  // index into figures_, added when new

    std::vector<std::string> phases_{""};
    std::unordered_map<std::string, uint32_t> phase_ids_;
    uint32_t phase_ = 0;
    std::vector<Figures> figures_;
    std::unordered_map<Key, uint32_t, KeyHash> slice_ids_;  // -> index into figures_
    std::vector<Live> live_;  // by block id (the events number blocks 0, 1, 2, ...)
    schema::ThreadAllocations thread_allocs_;
    schema::PeakAttribution peak_;
    uint64_t live_bytes_ = 0, peak_bytes_ = 0;
    uint32_t first_thread_ = 0;
    bool threads_differ_ = false, in_phase_ = false;
};

}  // namespace allocprof::analyzers
