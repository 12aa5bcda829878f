// Realloc chains: classification, copied and avoidable bytes, inferred chains with and
// without an allocation in between.
#include <gtest/gtest.h>

#include "analyzers/event_analyzer.h"
#include "event_builder.h"
#include "analyzers/realloc_chains.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;

RunMetrics analyze(const EventBuilder& b, uint32_t sites) {
    EventAnalyzer analyzer(SiteMap::identity(sites), AnalysisParams{});
    for (const auto& e : b.events) analyzer.on_event(e);
    return analyzer.finish();
}

TEST(ReallocChains, Classification) {
    ChainParams p;
    // Doubling: factors 2, 2, 2; increments 8, 16, 32 are not constant.
    EXPECT_EQ(ChainTracker::classify({8, 16, 32, 64}, p), GrowthPattern::Geometric);
    // +64 each: additive (its factors 2, 1.5, 1.33 fall, so additive is tested first).
    EXPECT_EQ(ChainTracker::classify({64, 128, 192, 256}, p), GrowthPattern::Additive);
    // Increments within 25 % of each other (100, 110, 125): additive.
    EXPECT_EQ(ChainTracker::classify({1000, 1100, 1210, 1335}, p), GrowthPattern::Additive);
    // x1.5 with rounding (factors 1.5, 1.5, 1.44...): geometric.
    EXPECT_EQ(ChainTracker::classify({100, 150, 225, 325}, p), GrowthPattern::Geometric);
    // Factors 2, 1.25, 4: spread 3.2 > 2; increments 10, 5, 75: irregular.
    EXPECT_EQ(ChainTracker::classify({10, 20, 25, 100}, p), GrowthPattern::Irregular);
    // Factors 1.1, 1.1 with increments 100, 110: below 1.25 but additive (near-constant increment).
    EXPECT_EQ(ChainTracker::classify({1000, 1100, 1210}, p), GrowthPattern::Additive);
    // One growth step: too few to call a pattern. A shrink is not a growth step.
    EXPECT_EQ(ChainTracker::classify({10, 20}, p), GrowthPattern::None);
    EXPECT_EQ(ChainTracker::classify({10, 20, 5}, p), GrowthPattern::None);
}

TEST(ReallocChains, ExactChainCopiedAndAvoidableBytes) {
    // 64 -> 128 (moved) -> 192 (moved) -> 256 (in place), then freed.
    // Links 3, additive +64. Copied = 64 + 128 (the moved reallocs' old sizes) = 192.
    // Allocated = 64 + 128 + 192 + 256 = 640; pre-sized to 256: avoidable 640 - 256 = 384.
    EventBuilder b;
    uint64_t p = b.alloc(0, 64);
    p = b.realloc(p, 0, 128, true);
    p = b.realloc(p, 0, 192, true);
    p = b.realloc(p, 0, 256, false);
    b.free(p);
    RunMetrics m = analyze(b, 1);
    const ChainSummary& c = m.sites[0].chains;
    EXPECT_EQ(c.chains, 1u);
    EXPECT_EQ(c.inferred_chains, 0u);
    EXPECT_EQ(c.links, 3u);
    EXPECT_EQ(c.additive, 1u);
    EXPECT_EQ(c.copied_bytes, 192u);
    EXPECT_EQ(c.avoidable_bytes, 384u);
    ASSERT_TRUE(c.has_longest);
    EXPECT_EQ(c.longest.pattern, GrowthPattern::Additive);
    EXPECT_DOUBLE_EQ(c.longest.increment, 64.0);
    EXPECT_EQ(c.longest.describe(), "additive realloc chain (3 reallocs, +64 B each, 64 -> 256 B)");
}

TEST(ReallocChains, AChainStillLiveAtTheEndIsCounted) {
    EventBuilder b;
    uint64_t p = b.alloc(0, 8);
    p = b.realloc(p, 0, 16);
    b.realloc(p, 0, 32);
    RunMetrics m = analyze(b, 1);
    EXPECT_EQ(m.sites[0].chains.chains, 1u);
    EXPECT_EQ(m.sites[0].chains.geometric, 1u);
    EXPECT_DOUBLE_EQ(m.sites[0].chains.longest.factor, 2.0);
}

TEST(ReallocChains, InferredVectorGrowth) {
    // std::vector growth on thread 0, site 0: new larger block while the old is live, old
    // freed right after: 16 -> 32 -> 64, two inferred links, geometric x2.
    // Copied = 16 + 32 (the old blocks' contents move); avoidable = 112 - 64 = 48.
    EventBuilder b;
    uint64_t p = b.alloc(0, 16);
    uint64_t q = b.alloc(0, 32);
    b.free(p);
    uint64_t r = b.alloc(0, 64);
    b.free(q);
    b.free(r);
    RunMetrics m = analyze(b, 1);
    const ChainSummary& c = m.sites[0].chains;
    EXPECT_EQ(c.chains, 1u);
    EXPECT_EQ(c.inferred_chains, 1u);
    EXPECT_EQ(c.links, 2u);
    EXPECT_EQ(c.geometric, 1u);
    EXPECT_EQ(c.copied_bytes, 48u);
    EXPECT_EQ(c.avoidable_bytes, 48u);
    EXPECT_EQ(c.longest.describe(), "geometric inferred growth chain (2 regrowths, x2.00 each, 16 -> 64 B)");
}

TEST(ReallocChains, InferredChainAllowsOneAllocationInBetween) {
    // P=16, B=32, one allocation of another site on the same thread, free P: 1 between: linked.
    EventBuilder b;
    uint64_t p = b.alloc(0, 16);
    b.alloc(0, 32);
    b.alloc(1, 8);
    b.free(p);
    RunMetrics m = analyze(b, 2);
    EXPECT_EQ(m.sites[0].chains.chains, 1u);
    EXPECT_EQ(m.sites[0].chains.inferred_chains, 1u);
}

TEST(ReallocChains, TwoAllocationsInBetweenOrAnotherThreadBreakTheInference) {
    EventBuilder b;
    uint64_t p = b.alloc(0, 16);
    b.alloc(0, 32);
    b.alloc(1, 8);
    b.alloc(1, 8);
    b.free(p);  // 2 allocations between the new block and this free: no link
    uint64_t x = b.alloc(2, 16, 0);
    b.alloc(2, 32, 0);
    b.free(x, 1);  // freed on another thread: no link
    uint64_t y = b.alloc(3, 32);
    b.alloc(3, 16);  // smaller: not growth
    b.free(y);
    RunMetrics m = analyze(b, 4);
    EXPECT_EQ(m.sites[0].chains.chains, 0u);
    EXPECT_EQ(m.sites[2].chains.chains, 0u);
    EXPECT_EQ(m.sites[3].chains.chains, 0u);
}

// A collector's sweep: independent objects of one site, each larger than the one before,
// freed in a row when the collector runs. The sweep's first free may be an older object; a
// later one frees the predecessor of a newer block, right after another free: no growth.
TEST(ReallocChains, ASweepOfIndependentObjectsIsNoChain) {
    EventBuilder b;
    std::vector<uint64_t> objects;
    for (uint64_t size : {24, 40, 56, 72}) objects.push_back(b.alloc(0, size));  // each larger
    uint64_t newest = b.alloc(0, 88);  // made just before the sweep, survives it
    // The sweep starts at the oldest object, then frees the others; each predecessor of a
    // larger block is freed right after another free.
    b.free(objects[0]);
    b.free(objects[2]);
    b.free(objects[1]);
    b.free(objects[3]);  // newest's predecessor
    b.free(newest);
    RunMetrics m = analyze(b, 1);
    EXPECT_EQ(m.sites[0].chains.chains, 0u);
    EXPECT_EQ(m.sites[0].chains.inferred_chains, 0u);
}

// Independent objects of one size, each freed right after the next is made (a GC'd VM's
// object allocator, an interner): no growth, so no chain, however regular the pattern.
TEST(ReallocChains, SameSizeObjectsReplacingEachOtherAreNoChain) {
    EventBuilder b;
    uint64_t p = b.alloc(0, 48);
    for (int i = 0; i < 5; ++i) {
        uint64_t next = b.alloc(0, 48);
        b.free(p);
        p = next;
    }
    b.free(p);
    RunMetrics m = analyze(b, 1);
    EXPECT_EQ(m.sites[0].chains.chains, 0u);
    EXPECT_EQ(m.sites[0].chains.inferred_chains, 0u);
}

// The same blocks as a container's growth (the old block freed at once): one chain.
TEST(ReallocChains, TheSameSizesAsGrowthAreAChain) {
    EventBuilder b;
    uint64_t p = b.alloc(0, 24);
    for (uint64_t size : {40, 56, 72, 88}) {
        uint64_t next = b.alloc(0, size);
        b.free(p);
        p = next;
    }
    b.free(p);
    RunMetrics m = analyze(b, 1);
    EXPECT_EQ(m.sites[0].chains.chains, 1u);
    EXPECT_EQ(m.sites[0].chains.links, 4u);
}

}  // namespace
}  // namespace allocprof::analyzers
