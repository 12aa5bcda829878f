// site_exclusion.cpp — see site_exclusion.h.
#include "analyzers/site_exclusion.h"

#include <algorithm>

namespace allocprof::analyzers {

SiteExclusionSimulator::SiteExclusionSimulator(const SiteMap& sites, uint64_t budget, uint64_t large_threshold,
                                               std::vector<uint32_t> excluded_sites)
    : sites_(sites),
      large_threshold_(large_threshold),
      excluded_(std::move(excluded_sites)),
      nurseries_(excluded_.size(), Nursery(budget, large_threshold)) {}

void SiteExclusionSimulator::on_event(const schema::Event& e) {
    if (e.kind != schema::EventKind::Alloc && e.kind != schema::EventKind::Realloc) return;
    if (e.size >= large_threshold_ || excluded_.empty()) return;  // skips every nursery alike
    const uint32_t site = sites_.site_of(schema::NodeId(e.node)).value;
    // Nursery i runs without sites 0..i: an allocation of the j-th excluded site reaches
    // the nurseries before j only.
    const size_t j = static_cast<size_t>(std::find(excluded_.begin(), excluded_.end(), site) - excluded_.begin());
    for (size_t i = 0; i < j; ++i) nurseries_[i].place(e.size);
}

std::vector<uint64_t> SiteExclusionSimulator::collections() const {
    std::vector<uint64_t> out;
    out.reserve(nurseries_.size());
    for (const Nursery& n : nurseries_) out.push_back(n.collections());
    return out;
}

}  // namespace allocprof::analyzers
