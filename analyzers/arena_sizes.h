// arena_sizes.h — how large each arena of a VM that splits its objects by lifetime must be
// (docs/definitions.md, "Arena sizes"): a pass over the events once every site's lifetime
// class is known (lifetime_classifier.h).
//
// - Per phase name, over its occurrences: the high-water mark of the bytes its phase-scoped
//   sites hold live that were allocated in that occurrence, the most the occurrence's arena
//   would ever hold (a block made in one occurrence and freed in a later one stops counting
//   when its occurrence ends). Their p50, p99 (nearest rank) and maximum.
// - Per lifetime class, over the whole run: the sites, their allocations and bytes, and the
//   high-water mark of the bytes the class's sites hold live together (with the blocks then):
//   the size of an arena for process-lifetime objects, say.
// Memory: 24 bytes per block of the run, never the event stream.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "analyzers/lifetime_classifier.h"
#include "analyzers/site_map.h"
#include "schema/event_codec.h"

namespace allocprof::analyzers {

struct PhaseArena {
    std::string name;
    std::vector<uint64_t> high_water;  // per occurrence, in order
    uint64_t p50 = 0, p99 = 0, max = 0;
    uint32_t sites = 0;  // phase-scoped sites that allocated in the phase
};

struct LifetimeArena {
    LifetimeClass lifetime = LifetimeClass::Mixed;
    uint32_t sites = 0;  // that allocated
    uint64_t allocations = 0, bytes = 0;
    uint64_t high_water_bytes = 0, high_water_blocks = 0;
};

struct ArenaSizes {
    std::vector<PhaseArena> phases;        // phases in order of first occurrence; only those
                                           // where a phase-scoped site allocated
    std::vector<LifetimeArena> lifetimes;  // the classes with an allocating site, in enum order
};

// The nearest-rank quantile q (0 < q <= 1) of `values` (sorted in place); 0 when empty.
uint64_t nearest_rank(std::vector<uint64_t>& values, double q);

class ArenaSizer {
public:
    // `lifetime[site]`: each site's class (RunMetrics::sites' lifetime).
    // `blocks`: how many blocks the run made, when known (room for them is set aside once).
    ArenaSizer(const SiteMap& sites, std::vector<LifetimeClass> lifetime, uint64_t blocks = 0);
    void on_event(const schema::Event& e);
    ArenaSizes finish();

private:
    struct Block {
        uint32_t site = 0;
        uint32_t occurrence = 0;  // index into occurrences_ + 1 when counted for one; 0: none
        uint64_t size = 0;
        bool live = false;
    };
    struct Occurrence {
        uint32_t phase;  // index into phases_
        uint64_t live = 0, high_water = 0;
    };
    struct ClassState {
        uint64_t allocations = 0, bytes = 0, live = 0, blocks = 0, high_water = 0, high_water_blocks = 0;
        std::vector<bool> allocated;  // by site
    };

    void allocate(const schema::Event& e);
    void release(uint64_t block);

    const SiteMap& sites_;
    std::vector<LifetimeClass> lifetime_;
    std::vector<Block> blocks_;  // by block id
    std::vector<std::string> phases_;
    std::vector<std::vector<bool>> phase_sites_;  // per phase: phase-scoped sites that allocated
    std::unordered_map<std::string, uint32_t> phase_ids_;
    std::vector<Occurrence> occurrences_;
    bool open_ = false;
    ClassState classes_[4];  // by LifetimeClass value
};

}  // namespace allocprof::analyzers
