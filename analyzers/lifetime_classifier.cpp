// lifetime_classifier.cpp — see lifetime_classifier.h.
#include "analyzers/lifetime_classifier.h"

namespace allocprof::analyzers {

const char* to_string(LifetimeClass lifetime) {
    switch (lifetime) {
    case LifetimeClass::Mixed: return "mixed";
    case LifetimeClass::ProcessLifetime: return "process-lifetime";
    case LifetimeClass::PhaseScoped: return "phase-scoped";
    case LifetimeClass::ShortLived: return "short-lived";
    }
    return "mixed";
}

LifetimeClass classify_lifetime(const LifetimeCounts& c, const LifetimeParams& p) {
    if (c.allocations == 0) return LifetimeClass::Mixed;
    if (c.frees <= c.teardown_frees) return LifetimeClass::ProcessLifetime;
    if (c.phase_end_frees >= p.phase_scoped_min_frees &&
        static_cast<double>(c.phase_end_frees) >= p.phase_scoped_fraction * static_cast<double>(c.frees) - 1e-9)
        return LifetimeClass::PhaseScoped;
    if (static_cast<double>(c.young) >= p.short_lived_fraction * static_cast<double>(c.allocations) - 1e-9)
        return LifetimeClass::ShortLived;
    return LifetimeClass::Mixed;
}

// The site's tail belongs to an older segment, which a boundary closed: it was a bulk
// free at a phase boundary. Start counting in the current segment.
void LifetimeTracker::roll_segment(Site& s) {
    if (s.segment != segment_) commit_tail(s);
}

void LifetimeTracker::commit_tail(Site& s) {
    s.phase_end_frees += s.tail;
    if (s.tail > s.largest_tail && s.segment < segment_phase_.size()) {
        s.largest_tail = s.tail;
        s.freeing_phase = segment_phase_[s.segment];
    }
    s.tail = 0;
    s.segment = segment_;
}

void LifetimeTracker::on_alloc(uint32_t site) {
    Site& s = site_[site];
    roll_segment(s);
    s.tail = 0;  // frees before this allocation were not the segment's last
}

void LifetimeTracker::on_free(uint32_t site, uint64_t born_ops_interval, uint64_t born_segment) {
    Site& s = site_[site];
    roll_segment(s);
    if (born_segment + 1 >= segment_) ++s.tail;  // born in this phase occurrence or just before
    if (s.interval != ops_interval_) {
        s.interval = ops_interval_;
        s.interval_frees = 0;
    }
    if (born_ops_interval < ops_interval_) ++s.interval_frees;
}

void LifetimeTracker::finish() {
    for (Site& s : site_) {
        // The last segment was closed by the end of the run, not by a boundary: not committed.
        if (s.segment != segment_) commit_tail(s);
        s.teardown_frees = (ops_interval_ > 0 && s.interval == ops_interval_) ? s.interval_frees : 0;
    }
}

}  // namespace allocprof::analyzers
