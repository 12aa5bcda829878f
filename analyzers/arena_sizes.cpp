// arena_sizes.cpp — see arena_sizes.h.
#include "analyzers/arena_sizes.h"

#include <algorithm>
#include <cmath>

namespace allocprof::analyzers {

uint64_t nearest_rank(std::vector<uint64_t>& values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const double rank = std::ceil(q * static_cast<double>(values.size()));
    const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
    return values[std::min(index, values.size() - 1)];
}

ArenaSizer::ArenaSizer(const SiteMap& sites, std::vector<LifetimeClass> lifetime, uint64_t blocks)
    : sites_(sites), lifetime_(std::move(lifetime)) {
    blocks_.reserve(blocks);
    lifetime_.resize(sites_.site_count(), LifetimeClass::Mixed);
    for (ClassState& c : classes_) c.allocated.assign(sites_.site_count(), false);
}

void ArenaSizer::allocate(const schema::Event& e) {
    const uint32_t site = sites_.site_of(schema::NodeId(e.node)).value;
    const LifetimeClass lifetime = lifetime_[site];
    ClassState& c = classes_[static_cast<size_t>(lifetime)];
    ++c.allocations;
    c.bytes += e.size;
    c.allocated[site] = true;
    c.live += e.size;
    ++c.blocks;
    if (c.live > c.high_water) {
        c.high_water = c.live;
        c.high_water_blocks = c.blocks;
    }
    Block b{site, 0, e.size, true};
    if (open_ && lifetime == LifetimeClass::PhaseScoped) {
        Occurrence& o = occurrences_.back();
        o.live += e.size;
        o.high_water = std::max(o.high_water, o.live);
        phase_sites_[o.phase][site] = true;
        b.occurrence = static_cast<uint32_t>(occurrences_.size());
    }
    if (e.block >= blocks_.size()) blocks_.resize(std::max<size_t>(e.block + 1, blocks_.size() * 2));
    blocks_[e.block] = b;
}

void ArenaSizer::release(uint64_t block) {
    if (block >= blocks_.size() || !blocks_[block].live) return;
    Block& b = blocks_[block];
    ClassState& c = classes_[static_cast<size_t>(lifetime_[b.site])];
    c.live -= b.size;
    --c.blocks;
    // Only while its own occurrence is open: after that it is no longer that arena's.
    if (open_ && b.occurrence == occurrences_.size()) occurrences_.back().live -= b.size;
    b.live = false;
}

void ArenaSizer::on_event(const schema::Event& e) {
    switch (e.kind) {
        case schema::EventKind::Alloc:
            allocate(e);
            break;
        case schema::EventKind::Realloc:
            release(e.old_block);
            allocate(e);
            break;
        case schema::EventKind::Free:
            release(e.block);
            break;
        case schema::EventKind::PhaseBegin: {
            const auto [at, added] = phase_ids_.try_emplace(e.name, static_cast<uint32_t>(phases_.size()));
            if (added) {
                phases_.push_back(e.name);
                phase_sites_.emplace_back(sites_.site_count(), false);
            }
            occurrences_.push_back({at->second});
            open_ = true;
            break;
        }
        case schema::EventKind::PhaseEnd:
            open_ = false;
            break;
        default:
            break;
    }
}

ArenaSizes ArenaSizer::finish() {
    ArenaSizes out;
    std::vector<PhaseArena> phases(phases_.size());
    for (size_t i = 0; i < phases_.size(); ++i) phases[i].name = phases_[i];
    for (const Occurrence& o : occurrences_) phases[o.phase].high_water.push_back(o.high_water);
    for (size_t i = 0; i < phases.size(); ++i) {
        PhaseArena& p = phases[i];
        p.sites = static_cast<uint32_t>(std::count(phase_sites_[i].begin(), phase_sites_[i].end(), true));
        if (p.sites == 0) continue;
        std::vector<uint64_t> sorted = p.high_water;
        p.p50 = nearest_rank(sorted, 0.50);
        p.p99 = nearest_rank(sorted, 0.99);
        p.max = sorted.back();
        out.phases.push_back(std::move(p));
    }
    for (size_t k = 0; k < std::size(classes_); ++k) {
        const ClassState& c = classes_[k];
        if (c.allocations == 0) continue;
        LifetimeArena a;
        a.lifetime = static_cast<LifetimeClass>(k);
        a.sites = static_cast<uint32_t>(std::count(c.allocated.begin(), c.allocated.end(), true));
        a.allocations = c.allocations;
        a.bytes = c.bytes;
        a.high_water_bytes = c.high_water;
        a.high_water_blocks = c.high_water_blocks;
        out.lifetimes.push_back(a);
    }
    return out;
}

}  // namespace allocprof::analyzers
