// The simulated nursery: boundaries (exact fit, one byte over, large objects), survival
// and Gen0* additivity per site.
#include <gtest/gtest.h>

#include "analyzers/event_analyzer.h"
#include "event_builder.h"
#include "analyzers/nursery_simulator.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;
using test::small_params;

TEST(Nursery, ExactFitStaysInOneByteOverCollects) {
    // B0 = 100: 30 + 70 fill it exactly (no collection); 1 more byte does not fit: a
    // collection, and the fresh nursery holds that byte (99 left).
    Nursery n(100, 80);
    EXPECT_FALSE(n.place(30));
    EXPECT_FALSE(n.place(70));
    EXPECT_EQ(n.remaining(), 0u);
    EXPECT_EQ(n.collections(), 0u);
    EXPECT_TRUE(n.place(1));
    EXPECT_EQ(n.collections(), 1u);
    EXPECT_EQ(n.remaining(), 99u);
}

TEST(Nursery, LargeObjectsSkipIt) {
    // L = 80: 79 is a nursery allocation, 80 and 90 are not.
    Nursery n(100, 80);
    EXPECT_FALSE(n.skips(79));
    EXPECT_TRUE(n.skips(80));
    Gen0Simulator sim(100, 80, 1);
    EXPECT_TRUE(sim.allocate(10, 0, Gen0Simulator::kNoWindow).in_nursery);
    auto big = sim.allocate(90, 0, Gen0Simulator::kNoWindow);  // skips: no collection, nursery untouched
    EXPECT_FALSE(big.in_nursery);
    EXPECT_EQ(sim.collections(), 0u);
    EXPECT_TRUE(sim.allocate(79, 0, Gen0Simulator::kNoWindow).in_nursery);  // 10 + 79 = 89 <= 100
    EXPECT_EQ(sim.collections(), 0u);
    EXPECT_EQ(sim.nursery_bytes(), 89u);
    sim.allocate(12, 0, Gen0Simulator::kNoWindow);  // 89 + 12 > 100: collection
    EXPECT_EQ(sim.collections(), 1u);
}

TEST(Nursery, ABlockLargerThanTheBudgetButBelowLFillsAFreshNursery) {
    // B0 = 50 < L = 100: 60 does not fit even a fresh nursery; it starts one that is then full.
    Nursery n(50, 100);
    EXPECT_TRUE(n.place(60));
    EXPECT_EQ(n.remaining(), 0u);
    EXPECT_TRUE(n.place(1));
    EXPECT_EQ(n.collections(), 2u);
}

TEST(Gen0Simulator, SurvivalIsLiveBytesOfTheEpochAtItsCollection) {
    // B0 = 100.  a = 40 (site 0), b = 50 (site 1), free a, c = 20 (site 0): 90 + 20 > 100,
    // collection 1: epoch 0 allocated 90, b (50) still live -> 50 / 90.
    // Epoch 1: c = 20, free b (an older epoch: no effect), d = 80 (site 1) fits exactly,
    // e = 1 -> collection 2: epoch 1 allocated 100, all live -> 100 / 100.
    // Totals 150 / 190. Site 0: 20 / 60 (a died, c survived); site 1: 130 / 130.
    Gen0Simulator sim(100, 1000, 2);
    const uint32_t none = Gen0Simulator::kNoWindow;
    auto a = sim.allocate(40, 0, none);
    auto b = sim.allocate(50, 1, none);
    sim.release(a, 40, 0, none);
    auto c = sim.allocate(20, 0, none);
    EXPECT_EQ(c.epoch, 1u);
    EXPECT_EQ(sim.survival().survived_bytes, 50u);
    EXPECT_EQ(sim.survival().collected_bytes, 90u);
    sim.release(b, 50, 1, none);
    sim.allocate(80, 1, none);
    sim.allocate(1, 0, none);
    EXPECT_EQ(sim.collections(), 2u);
    EXPECT_EQ(sim.survival().survived_bytes, 150u);
    EXPECT_EQ(sim.survival().collected_bytes, 190u);
    EXPECT_DOUBLE_EQ(sim.survival().rate(), 150.0 / 190.0);
    EXPECT_EQ(sim.site_survival(0).survived_bytes, 20u);
    EXPECT_EQ(sim.site_survival(0).collected_bytes, 60u);
    EXPECT_EQ(sim.site_survival(1).survived_bytes, 130u);
    EXPECT_EQ(sim.site_survival(1).collected_bytes, 130u);
}

TEST(Gen0Simulator, Gen0StarIsAdditivePerSite) {
    // 4 ops, B0 = 1000. Per op: site 0 allocates 100 B, site 1 300 B, site 2 a 2000 B
    // block (>= L = 1500: no nursery bytes). Nursery bytes: 400, 1200, 0 -> Gen0* =
    // 1000 * bytes / (4 ops * 1000): 100, 300, 0 per 1k ops; run 400 = the sum.
    // Simulated: 1600 nursery bytes in 1000 B nurseries: 100+300+100+300+100 = 900,
    // +300 > 1000 -> collection 1 (op 3's site 1 block); then 300+100+300 = 700: 1 collection.
    EventBuilder b;
    for (int op = 0; op < 4; ++op) {
        b.free(b.alloc(0, 100));
        b.free(b.alloc(1, 300));
        b.free(b.alloc(2, 2000));
        b.ops();
    }
    EventAnalyzer analyzer(SiteMap::identity(3), small_params(1000, 1500));
    for (const auto& e : b.events) analyzer.on_event(e);
    RunMetrics m = analyzer.finish();
    EXPECT_EQ(m.run.ops, 4u);
    EXPECT_EQ(m.run.collections, 1u);
    EXPECT_DOUBLE_EQ(m.run.gen0_per_1k, 250.0);
    EXPECT_DOUBLE_EQ(m.sites[0].gen0_star_per_1k, 100.0);
    EXPECT_DOUBLE_EQ(m.sites[1].gen0_star_per_1k, 300.0);
    EXPECT_DOUBLE_EQ(m.sites[2].gen0_star_per_1k, 0.0);
    EXPECT_DOUBLE_EQ(m.run.gen0_star_per_1k,
                     m.sites[0].gen0_star_per_1k + m.sites[1].gen0_star_per_1k + m.sites[2].gen0_star_per_1k);
    EXPECT_EQ(m.run.nursery_bytes, 1600u);
    EXPECT_EQ(m.run.bytes_allocated, 9600u);
}

}  // namespace
}  // namespace allocprof::analyzers
