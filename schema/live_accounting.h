// live_accounting.h — two rules of the stored figures that both the recorder (stack_stats,
// runs) and the analyzers (analysis_windows, analysis_sites) apply, written once:
//
//  - temp_K (docs/definitions.md, "Lifetimes"): a block freed on the thread that allocated
//    it, with at most K other allocations of that thread in between. ThreadAllocations
//    numbers each thread's allocations; a block keeps its number; the count between birth
//    and free is the difference.
//  - bytes live at the peak (t-gmax) per holder (a stack, a site) without copying every
//    holder at every new peak: PeakAttribution keeps a holder's value as of the latest
//    peak, saved the first time the holder changes after that peak began, and unchanged
//    since otherwise.
#pragma once

#include <cstdint>
#include <vector>

namespace allocprof::schema {

class ThreadAllocations {
public:
    // Counts an allocation of `thread`; returns its number on that thread (1, 2, ...).
    uint64_t count(uint32_t thread) {
        if (thread >= counts_.size()) counts_.resize(thread + 1, 0);
        return ++counts_[thread];
    }
    // The allocations `thread` made so far.
    uint64_t current(uint32_t thread) const { return thread < counts_.size() ? counts_[thread] : 0; }
    // The allocations `thread` made after the one numbered `number`.
    uint64_t since(uint32_t thread, uint64_t number) const {
        return thread < counts_.size() ? counts_[thread] - number : 0;
    }
    // Threads seen: one past the largest thread number counted.
    size_t size() const { return counts_.size(); }
    void ensure(uint32_t thread) {
        if (thread >= counts_.size()) counts_.resize(thread + 1, 0);
    }

private:
    std::vector<uint64_t> counts_;
};

// Whether a block freed by `freeing_thread` counts as temp_K for this K.
inline bool is_temporary(uint32_t alloc_thread, uint32_t freeing_thread, uint64_t others_between, uint64_t k) {
    return alloc_thread == freeing_thread && others_between <= k;
}

// A holder's share of the peak: its live bytes as of the latest process-wide peak.
struct PeakShare {
    uint64_t at_peak = 0;
    uint64_t epoch = 0;
};

class PeakAttribution {
public:
    // Before a holder's live bytes change from `live_now`.
    void before_change(PeakShare& share, uint64_t live_now) const {
        if (share.epoch != epoch_) {
            share.at_peak = live_now;
            share.epoch = epoch_;
        }
    }
    // A new process-wide peak was reached (after the change that reached it).
    void new_peak() { ++epoch_; }
    // The holder's bytes live at the latest peak, given its bytes live now.
    uint64_t live_at_peak(const PeakShare& share, uint64_t live_now) const {
        return share.epoch == epoch_ ? share.at_peak : live_now;
    }

private:
    uint64_t epoch_ = 0;
};

}  // namespace allocprof::schema
