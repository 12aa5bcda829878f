// site_exclusion.cpp — see site_exclusion.h.
#include "analyzers/site_exclusion.h"

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
    for (size_t i = 0; i < excluded_.size(); ++i)
        if (excluded_[i] != site) nurseries_[i].place(e.size);
}

std::vector<uint64_t> SiteExclusionSimulator::collections() const {
    std::vector<uint64_t> out;
    out.reserve(nurseries_.size());
    for (const Nursery& n : nurseries_) out.push_back(n.collections());
    return out;
}

}  // namespace allocprof::analyzers
