// arena_sizes_test.cpp — the arenas of a VM that splits its objects by lifetime
// (analyzers/arena_sizes.h) on hand-built event streams: each phase's high-water marks per
// occurrence and their quantiles, and each lifetime class's sites together. Each node is
// its own site (SiteMap::identity); the classes are given.
#include "analyzers/arena_sizes.h"

#include <gtest/gtest.h>

#include "event_builder.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;
constexpr LifetimeClass kPhase = LifetimeClass::PhaseScoped, kVm = LifetimeClass::ProcessLifetime,
                        kShort = LifetimeClass::ShortLived, kMixed = LifetimeClass::Mixed;

ArenaSizes sizes(const EventBuilder& b, std::vector<LifetimeClass> classes) {
    const SiteMap map = SiteMap::identity(static_cast<uint32_t>(classes.size()));
    ArenaSizer sizer(map, std::move(classes));
    for (const schema::Event& e : b.events) sizer.on_event(e);
    return sizer.finish();
}

TEST(ArenaSizes, NearestRankQuantiles) {
    std::vector<uint64_t> v{50, 10, 40, 20, 30};
    EXPECT_EQ(nearest_rank(v, 0.5), 30u);   // rank ceil(2.5) = 3
    EXPECT_EQ(nearest_rank(v, 0.99), 50u);  // rank 5
    std::vector<uint64_t> none;
    EXPECT_EQ(nearest_rank(none, 0.5), 0u);
    std::vector<uint64_t> hundred;
    for (uint64_t i = 1; i <= 100; ++i) hundred.push_back(i);
    EXPECT_EQ(nearest_rank(hundred, 0.99), 99u);
    EXPECT_EQ(nearest_rank(hundred, 0.5), 50u);
}

// A phase "compile" run three times; site 1 (phase-scoped) builds 100, 300 and 200 bytes of
// nodes in them and frees them at the end of each; site 0 (the VM's) keeps 1000 from the
// start. Each occurrence's arena holds its own nodes only: 100, 300, 200 -> p50 200, p99 and
// max 300. The VM class's high-water mark is its 1000; the phase-scoped class's is 300.
TEST(ArenaSizes, EachOccurrenceHasItsOwnHighWaterMark) {
    EventBuilder b;
    b.alloc(0, 1000);
    for (uint64_t total : {100, 300, 200}) {
        b.phase_begin("compile");
        std::vector<uint64_t> nodes;
        for (uint64_t i = 0; i < total / 50; ++i) nodes.push_back(b.alloc(1, 50));
        for (uint64_t n : nodes) b.free(n);
        b.phase_end();
    }
    const ArenaSizes a = sizes(b, {kVm, kPhase});
    ASSERT_EQ(a.phases.size(), 1u);
    const PhaseArena& p = a.phases[0];
    EXPECT_EQ(p.name, "compile");
    EXPECT_EQ(p.high_water, (std::vector<uint64_t>{100, 300, 200}));
    EXPECT_EQ(p.p50, 200u);
    EXPECT_EQ(p.p99, 300u);
    EXPECT_EQ(p.max, 300u);
    EXPECT_EQ(p.sites, 1u);
    ASSERT_EQ(a.lifetimes.size(), 2u);
    EXPECT_EQ(a.lifetimes[0].lifetime, kVm);
    EXPECT_EQ(a.lifetimes[0].high_water_bytes, 1000u);
    EXPECT_EQ(a.lifetimes[0].high_water_blocks, 1u);
    EXPECT_EQ(a.lifetimes[1].lifetime, kPhase);
    EXPECT_EQ(a.lifetimes[1].allocations, 12u);  // 2 + 6 + 4 nodes
    EXPECT_EQ(a.lifetimes[1].bytes, 600u);
    EXPECT_EQ(a.lifetimes[1].high_water_bytes, 300u);
    EXPECT_EQ(a.lifetimes[1].high_water_blocks, 6u);
}

// Blocks of an occurrence freed after it ended, and blocks of sites of other classes, never
// count toward a phase's arena; nor does a phase-scoped site's allocation outside phases.
//   outside: s1 (phase-scoped) 500, freed at once          -> no occurrence
//   "run" #1: s1 40 (kept past the end), s2 (short-lived) 900 freed, s1 10 freed: 50
//   "run" #2: frees #1's 40 (not #2's arena: no change), s1 20: 20
TEST(ArenaSizes, OnlyTheOccurrencesOwnPhaseScopedBlocksCount) {
    EventBuilder b;
    b.free(b.alloc(1, 500));
    b.phase_begin("run");
    const uint64_t kept = b.alloc(1, 40);
    b.free(b.alloc(2, 900));
    b.free(b.alloc(1, 10));
    b.phase_end();
    b.phase_begin("run");
    b.free(kept);
    b.alloc(1, 20);
    b.phase_end();
    const ArenaSizes a = sizes(b, {kMixed, kPhase, kShort});
    ASSERT_EQ(a.phases.size(), 1u);
    EXPECT_EQ(a.phases[0].high_water, (std::vector<uint64_t>{50, 20}));
    // The short-lived class: one site, its 900.
    ASSERT_EQ(a.lifetimes.size(), 2u);  // no mixed site allocated
    EXPECT_EQ(a.lifetimes[1].lifetime, kShort);
    EXPECT_EQ(a.lifetimes[1].high_water_bytes, 900u);
    // The phase-scoped class over the whole run: 500 outside phases was its most.
    EXPECT_EQ(a.lifetimes[0].lifetime, kPhase);
    EXPECT_EQ(a.lifetimes[0].high_water_bytes, 500u);
}

// No phase-scoped site: no phase arena, even with phases (must not fire); a run without
// allocations has no class either.
TEST(ArenaSizes, NoPhaseScopedSiteNoPhaseArena) {
    EventBuilder b;
    b.phase_begin("step");
    b.free(b.alloc(0, 64));
    b.phase_end();
    const ArenaSizes a = sizes(b, {kShort});
    EXPECT_TRUE(a.phases.empty());
    ASSERT_EQ(a.lifetimes.size(), 1u);
    EventBuilder empty;
    empty.phase_begin("idle");
    empty.phase_end();
    EXPECT_TRUE(sizes(empty, {kPhase}).lifetimes.empty());
    EXPECT_TRUE(sizes(empty, {kPhase}).phases.empty());
}

}  // namespace
}  // namespace allocprof::analyzers
