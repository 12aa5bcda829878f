// nursery_simulator.h — the simulated Gen0 nursery (docs/definitions.md, "Rates").
//
// One process-wide nursery with budget B0. Allocations are walked in order; one that does
// not fit in what is left of the nursery counts a collection and starts a fresh nursery
// holding it (exact fit stays in). Allocations of L bytes or more skip the nursery (like
// .NET's large-object heap): they neither fill it nor trigger a collection. An allocation
// larger than B0 but below L (possible only with a small configured B0) starts a fresh
// nursery that is then full.
//
// The epoch of an allocation is the number of collections before it. A block "dies young"
// when it is freed while the epoch is still its birth epoch. Survival: at a collection, the
// nursery bytes of the ending epoch that are still live, over the nursery bytes allocated
// in that epoch; summed over collections (a byte-weighted rate). The epoch still open at
// the end of the run is never collected, so it counts in neither sum.
//
// Tallies are kept for the whole run, per site (index < site count) and per window (a
// phase index, growing as phases appear; kNoWindow for none). Collections go to the window
// of the allocation that triggered them; nursery and survival bytes to the window and
// site where each block was born.
#pragma once

#include <cstdint>
#include <vector>

namespace allocprof::analyzers {

// The nursery arithmetic alone, shared with the site-exclusion re-simulation.
class Nursery {
public:
    Nursery(uint64_t budget, uint64_t large_threshold)
        : budget_(budget), large_threshold_(large_threshold), remaining_(budget) {}

    bool skips(uint64_t size) const { return size >= large_threshold_; }
    // Places an allocation below the threshold; returns true if it caused a collection.
    bool place(uint64_t size) {
        if (size <= remaining_) {
            remaining_ -= size;
            return false;
        }
        remaining_ = size <= budget_ ? budget_ - size : 0;
        ++collections_;
        return true;
    }
    uint64_t collections() const { return collections_; }
    uint64_t remaining() const { return remaining_; }
    uint64_t budget() const { return budget_; }

private:
    uint64_t budget_;
    uint64_t large_threshold_;
    uint64_t remaining_;
    uint64_t collections_ = 0;
};

struct SurvivalTally {
    uint64_t survived_bytes = 0;   // live at the collection that ended their epoch
    uint64_t collected_bytes = 0;  // nursery bytes allocated in epochs that were collected
    // survived / collected; 0 when nothing was collected (check collected_bytes).
    double rate() const {
        return collected_bytes ? static_cast<double>(survived_bytes) / static_cast<double>(collected_bytes) : 0.0;
    }
};

class Gen0Simulator {
public:
    static constexpr uint32_t kNoWindow = UINT32_MAX;

    struct Placement {
        uint64_t epoch = 0;
        bool in_nursery = false;
    };

    Gen0Simulator(uint64_t budget, uint64_t large_threshold, uint32_t sites);

    // An allocation of `size` bytes by `site`, born in `window`.
    Placement allocate(uint64_t size, uint32_t site, uint32_t window);
    // The block placed with `placement` (same size, site, window) is freed now.
    void release(const Placement& placement, uint64_t size, uint32_t site, uint32_t window);

    uint64_t epoch() const { return nursery_.collections(); }
    uint64_t collections() const { return nursery_.collections(); }
    uint64_t nursery_bytes() const { return nursery_bytes_; }
    const SurvivalTally& survival() const { return survival_; }

    uint64_t site_nursery_bytes(uint32_t site) const { return site_[site].nursery_bytes; }
    const SurvivalTally& site_survival(uint32_t site) const { return site_[site].survival; }

    uint32_t window_count() const { return static_cast<uint32_t>(window_.size()); }
    uint64_t window_collections(uint32_t window) const { return window < window_.size() ? window_[window].collections : 0; }
    uint64_t window_nursery_bytes(uint32_t window) const { return window < window_.size() ? window_[window].nursery_bytes : 0; }
    SurvivalTally window_survival(uint32_t window) const { return window < window_.size() ? window_[window].survival : SurvivalTally{}; }

private:
    struct Tally {
        uint64_t nursery_bytes = 0;
        uint64_t collections = 0;
        SurvivalTally survival;
        // The epoch in progress: nursery bytes allocated in it, and those still live.
        uint64_t epoch_allocated = 0;
        uint64_t epoch_live = 0;
        bool touched = false;
    };

    Tally* window_tally(uint32_t window);
    void collect();
    static void touch(Tally& t, std::vector<uint32_t>& touched, uint32_t index);

    Nursery nursery_;
    uint64_t nursery_bytes_ = 0;
    SurvivalTally survival_;
    uint64_t epoch_allocated_ = 0;
    uint64_t epoch_live_ = 0;
    std::vector<Tally> site_;
    std::vector<Tally> window_;
    // Sites and windows with bytes in the epoch in progress: a collection visits only these.
    std::vector<uint32_t> touched_sites_;
    std::vector<uint32_t> touched_windows_;
};

}  // namespace allocprof::analyzers
