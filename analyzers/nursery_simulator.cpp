// nursery_simulator.cpp — see nursery_simulator.h.
#include "analyzers/nursery_simulator.h"

namespace allocprof::analyzers {

Gen0Simulator::Gen0Simulator(uint64_t budget, uint64_t large_threshold, uint32_t sites)
    : nursery_(budget, large_threshold), site_(sites) {}

Gen0Simulator::Tally* Gen0Simulator::window_tally(uint32_t window) {
    if (window == kNoWindow) return nullptr;
    if (window >= window_.size()) window_.resize(window + 1);
    return &window_[window];
}

void Gen0Simulator::touch(Tally& t, std::vector<uint32_t>& touched, uint32_t index) {
    if (!t.touched) {
        t.touched = true;
        touched.push_back(index);
    }
}

// The epoch in progress ends: what is still live of it survives.
void Gen0Simulator::collect() {
    survival_.survived_bytes += epoch_live_;
    survival_.collected_bytes += epoch_allocated_;
    epoch_live_ = epoch_allocated_ = 0;
    auto settle = [](std::vector<Tally>& tallies, std::vector<uint32_t>& touched) {
        for (uint32_t i : touched) {
            Tally& t = tallies[i];
            t.survival.survived_bytes += t.epoch_live;
            t.survival.collected_bytes += t.epoch_allocated;
            t.epoch_live = t.epoch_allocated = 0;
            t.touched = false;
        }
        touched.clear();
    };
    settle(site_, touched_sites_);
    settle(window_, touched_windows_);
}

Gen0Simulator::Placement Gen0Simulator::allocate(uint64_t size, uint32_t site, uint32_t window) {
    Tally* w = window_tally(window);
    if (nursery_.skips(size)) return Placement{nursery_.collections(), false};
    if (nursery_.place(size)) {
        collect();
        if (w) ++w->collections;
    }
    nursery_bytes_ += size;
    epoch_allocated_ += size;
    epoch_live_ += size;
    Tally& s = site_[site];
    s.nursery_bytes += size;
    s.epoch_allocated += size;
    s.epoch_live += size;
    touch(s, touched_sites_, site);
    if (w) {
        w->nursery_bytes += size;
        w->epoch_allocated += size;
        w->epoch_live += size;
        touch(*w, touched_windows_, window);
    }
    return Placement{nursery_.collections(), true};
}

void Gen0Simulator::release(const Placement& placement, uint64_t size, uint32_t site, uint32_t window) {
    // Only the epoch in progress is still tallied; older epochs were settled at their collection.
    if (!placement.in_nursery || placement.epoch != nursery_.collections()) return;
    epoch_live_ -= size;
    site_[site].epoch_live -= size;
    if (window != kNoWindow) window_[window].epoch_live -= size;
}

}  // namespace allocprof::analyzers
