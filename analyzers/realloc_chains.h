// realloc_chains.h — realloc chains (docs/definitions.md, "Lifetimes"): a block followed
// through its reallocs, and inferred chains of std::vector-style growth.
//
// Exact chain: an Alloc, then Realloc events each releasing the chain's current block
// and allocating its successor. Length = the reallocs (links). Copied bytes = for every
// realloc that moved the block, min(old size, new size) (memcpy's work: the old size when
// growing). Avoidable bytes if pre-sized = the bytes the chain allocated (its first size
// plus every realloc's new size, DHAT rule) minus its largest size: with the final
// capacity reserved up front, one allocation of the largest size replaces them all.
// Copied bytes are reported beside it, not added in: they are memcpy work, not
// allocation. Avoidable allocations = the links.
//
// Inferred chain: block B allocated by the same site on the same thread while that site's
// previous block P on this thread is live, with B larger than P, and P then freed on that
// thread with at most `inferred_max_between` other allocations and no other free on the
// thread between B's birth and P's free (a container's growth copies into B and frees P
// at once; a collector's sweep, which frees many blocks in a row, is not growth): B
// continues P's chain, as if P had been realloc'd into B (copied bytes += P's size).
// Exact and inferred links may mix in one chain.
//
// Growth pattern, over the growth steps (new size > old size; equal or shrinking steps
// are left out): fewer than `min_growth_steps` -> none; every increment within a factor
// `additive_max_spread` of the smallest -> additive ("+64 B each"); else every step's
// factor >= `geometric_min_factor` and the largest factor within `geometric_max_spread`
// of the smallest -> geometric ("x2.0 each"); otherwise irregular. Additive is tested
// first: a constant increment also has falling factors that could pass as geometric.
//
// A chain belongs to the site of its first link (where the growth happens); it ends when
// its block is freed without a successor, or at the end of the run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "analyzers/analysis_params.h"

namespace allocprof::analyzers {

enum class GrowthPattern : uint8_t { None = 0, Geometric = 1, Additive = 2, Irregular = 3 };
const char* to_string(GrowthPattern pattern);

// One finished chain.
struct ChainRecord {
    uint32_t site = 0;          // site of the first link
    uint32_t origin_site = 0;   // site of the chain's first block
    uint64_t first_block = 0;
    uint64_t first_size = 0;
    uint64_t last_size = 0;
    uint64_t max_size = 0;
    uint32_t links = 0;         // reallocs plus inferred links
    uint32_t inferred_links = 0;
    uint32_t growth_steps = 0;
    GrowthPattern pattern = GrowthPattern::None;
    double factor = 0;          // geometric mean of the growth factors (growth steps only)
    double increment = 0;       // mean increment of the growth steps, bytes
    uint64_t copied_bytes = 0;
    uint64_t allocated_bytes = 0;  // every block of the chain, DHAT rule
    uint64_t avoidable_bytes = 0;  // allocated_bytes - max_size

    // In words: "additive growth chain (12 reallocs, +64 B each)".
    std::string describe() const;
};

// Per site: all its chains summed, and the longest one as the example.
struct ChainSummary {
    uint64_t chains = 0;           // chains with at least one link
    uint64_t inferred_chains = 0;  // of them, with at least one inferred link
    uint64_t links = 0;
    uint64_t copied_bytes = 0;
    uint64_t avoidable_bytes = 0;
    uint64_t geometric = 0, additive = 0, irregular = 0, no_pattern = 0;  // chains by pattern
    ChainRecord longest;           // most links; ties: the earliest first block
    bool has_longest = false;
};

class ChainTracker {
public:
    ChainTracker(const ChainParams& params, uint32_t sites);

    // Callers report every allocation, realloc and free in stream order. `thread_allocs`
    // is the allocating thread's count of allocations including this one.
    void on_alloc(uint64_t block, uint64_t size, uint32_t site, uint32_t thread, uint64_t thread_allocs);
    // The old block is released first (on_free is not called for it), then the new one born.
    void on_realloc(uint64_t old_block, uint64_t old_size, uint32_t old_site, uint32_t old_thread,
                    uint64_t new_block, uint64_t new_size, uint32_t site, uint32_t thread, bool moved);
    // `block` (of `size`, `site`, allocated on `thread`) is freed by `freeing_thread`, whose
    // allocation count is `freeing_thread_allocs`. `is_live(b)` says whether block b is live.
    void on_free(uint64_t block, uint64_t size, uint32_t site, uint32_t thread, uint32_t freeing_thread,
                 uint64_t freeing_thread_allocs, const std::function<bool(uint64_t)>& is_live);
    // Ends the chains still open (their blocks are live at the end of the run).
    void finish();

    const ChainSummary& site_summary(uint32_t site) const { return summaries_[site]; }

    // Pure: the pattern and the record's derived fields from its steps (exposed for tests).
    static GrowthPattern classify(const std::vector<uint64_t>& sizes, const ChainParams& params);

private:
    struct Open {
        ChainRecord record;
        // Growth-step extremes and sums, enough to classify without keeping every size.
        uint64_t min_delta = UINT64_MAX, max_delta = 0, sum_delta = 0;
        double min_factor = 0, max_factor = 0, sum_log_factor = 0;
        uint64_t current_size = 0;
    };
    struct Successor {
        uint64_t block = 0;
        uint64_t size = 0;
        uint64_t thread_allocs = 0;  // the thread's allocations counted at its birth
        uint64_t thread_frees = 0;   // the thread's frees counted at its birth
    };

    Open start(uint64_t block, uint64_t size, uint32_t site) const;
    void extend(Open& chain, uint64_t new_size, uint32_t site, bool moved, bool inferred) const;
    void close(Open& chain);
    static uint64_t key(uint32_t site, uint32_t thread) { return (static_cast<uint64_t>(site) << 32) | thread; }

    ChainParams params_;
    std::vector<ChainSummary> summaries_;
    std::unordered_map<uint64_t, Open> open_;              // block -> its chain (chains with links, or started)
    std::unordered_map<uint64_t, Successor> successor_;    // P -> B, candidate inferred link
    struct Last {
        uint64_t block = 0;
        uint64_t size = 0;
    };
    std::unordered_map<uint64_t, Last> last_;              // (site, thread) -> latest live block
    std::unordered_map<uint32_t, uint64_t> thread_frees_;  // thread -> frees (and reallocs) so far
};

}  // namespace allocprof::analyzers
