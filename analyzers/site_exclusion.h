// site_exclusion.h — the expected saving of a remediation "computed by taking the site
// out of the simulation" (docs/definitions.md, "The plan"): the nursery re-run without that
// site's allocations and those of every site before it in the list (the plan's earlier
// items), so that each item's saving is marginal and the savings add up.
//
// Cost: one Nursery per excluded site, all fed in one extra pass over the stream (a
// second for_each_event after the plan is known). The nursery state is two integers, so
// a pass with the planner's (at most PlannerParams::max_simulated_sites) sites costs
// about that many integer compares per allocation, and no memory per block. Only the
// collection count needs the re-run: allocations, bytes and Gen0* are additive per site
// and are subtracted directly.
#pragma once

#include <cstdint>
#include <vector>

#include "schema/event_codec.h"
#include "analyzers/nursery_simulator.h"
#include "analyzers/site_map.h"

namespace allocprof::analyzers {

class SiteExclusionSimulator {
public:
    SiteExclusionSimulator(const SiteMap& sites, uint64_t budget, uint64_t large_threshold,
                           std::vector<uint32_t> excluded_sites);

    void on_event(const schema::Event& event);
    // Collections of the nursery without excluded_sites()[0..i], for each i.
    std::vector<uint64_t> collections() const;
    const std::vector<uint32_t>& excluded_sites() const { return excluded_; }

private:
    const SiteMap& sites_;
    uint64_t large_threshold_;
    std::vector<uint32_t> excluded_;
    std::vector<Nursery> nurseries_;
};

}  // namespace allocprof::analyzers
