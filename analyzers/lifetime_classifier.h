// lifetime_classifier.h — the lifetime class of a site (docs/definitions.md, "Lifetimes").
//
// Definitions (every count is over the site's blocks in the whole run):
// - Teardown frees: frees in the run's last Ops interval (after its last Ops event) of
//   blocks born before that Ops event: the program cleaning up after its measured work.
//   A run without Ops events has no teardown (only blocks live at the end are "at exit").
// - Phase-end (bulk) frees: the event stream is cut into segments at every PhaseBegin and
//   PhaseEnd. Within a segment, the site's frees that come after its last allocation in
//   that segment are its tail; the tail counts as phase-end frees when the segment was
//   closed by a phase boundary (not by the end of the run). Only blocks born in that
//   segment or the one just before count in a tail: a phase's blocks freed at its end, or
//   right after it, are phase-scoped; blocks made in one phase and freed at the end of a
//   later one (string constants of a compile phase freed when the VM shuts down) are not. So a compiler's AST freed
//   after the last node was made, before (or after) the compile PhaseEnd and before the
//   next PhaseBegin, is all phase-end frees; a site freeing and allocating all through a
//   phase has at most its last few frees there.
// Classes, first match wins:
//   process-lifetime  the site allocated, and no block was freed other than at teardown
//                     ("never freed before exit");
//   phase-scoped      at least `phase_scoped_min_frees` phase-end frees, making up at least
//                     `phase_scoped_fraction` of its frees;
//   short-lived       at least `short_lived_fraction` of its allocations are freed young
//                     (LifetimeCounts::young: measured in ops when the run counts them);
//   mixed             the rest (also a site without allocations).
#pragma once

#include <cstdint>
#include <vector>

#include "analyzers/analysis_params.h"

namespace allocprof::analyzers {

enum class LifetimeClass : uint8_t { Mixed = 0, ProcessLifetime = 1, PhaseScoped = 2, ShortLived = 3 };
const char* to_string(LifetimeClass lifetime);

struct LifetimeCounts {
    uint64_t allocations = 0;
    uint64_t frees = 0;
    // Blocks freed young, by the run's measure of age: in ops when the run counts them with
    // allocprof_ops (freed within the op that made them); else by the nursery, when it
    // collected at least once (dies young); else freed with at most K other allocations of
    // the thread in between (temp_K, the largest K). A run that never fills the nursery
    // would otherwise call every freed block young, whatever its lifetime.
    uint64_t young = 0;
    uint64_t teardown_frees = 0;
    uint64_t phase_end_frees = 0;
};

LifetimeClass classify_lifetime(const LifetimeCounts& counts, const LifetimeParams& params);

// Streams the teardown and phase-end counts per site, in O(1) per event: pending counts
// are committed lazily when the site is next touched or at finish().
class LifetimeTracker {
public:
    explicit LifetimeTracker(uint32_t sites) : site_(sites) {}

    // A PhaseBegin or PhaseEnd. `phase`: the phase this boundary ends (a PhaseEnd's; a
    // PhaseBegin's, the phase that ended last, whose aftermath it closes), or kNoPhase.
    static constexpr uint32_t kNoPhase = UINT32_MAX;
    void on_boundary(uint32_t phase) {
        segment_phase_.push_back(phase);
        ++segment_;
    }
    void on_ops() { ++ops_interval_; }   // an Ops event
    void on_alloc(uint32_t site);
    // `born_ops_interval`: the Ops interval (Ops events seen) when the block was born;
    // `born_segment`: segment() then.
    void on_free(uint32_t site, uint64_t born_ops_interval, uint64_t born_segment);
    void finish();

    uint64_t ops_interval() const { return ops_interval_; }
    uint64_t segment() const { return segment_; }
    uint64_t phase_end_frees(uint32_t site) const { return site_[site].phase_end_frees; }
    uint64_t teardown_frees(uint32_t site) const { return site_[site].teardown_frees; }
    // The phase whose end freed most of the site's phase-end frees, or kNoPhase.
    uint32_t freeing_phase(uint32_t site) const { return site_[site].freeing_phase; }

private:
    struct Site {
        uint64_t segment = 0;       // segment of `tail`
        uint64_t tail = 0;          // frees after the last allocation in that segment
        uint64_t phase_end_frees = 0;
        uint64_t interval = 0;      // Ops interval of `interval_frees`
        uint64_t interval_frees = 0;  // frees in it of blocks born before it
        uint64_t teardown_frees = 0;  // set by finish()
        uint64_t largest_tail = 0;    // the largest tail committed, and its phase
        uint32_t freeing_phase = kNoPhase;
    };
    void roll_segment(Site& s);
    void commit_tail(Site& s);

    std::vector<Site> site_;
    std::vector<uint32_t> segment_phase_;  // per segment: the phase its closing boundary ends
    uint64_t segment_ = 0;
    uint64_t ops_interval_ = 0;
};

}  // namespace allocprof::analyzers
