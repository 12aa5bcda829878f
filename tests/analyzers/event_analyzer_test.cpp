// One pass over hand-built streams: realloc accounting, temporaries, t-gmax, leak slope,
// windows (phases), per-op values with and without ops.
#include <gtest/gtest.h>

#include "analyzers/event_analyzer.h"
#include "event_builder.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;
using test::small_params;

RunMetrics analyze(const EventBuilder& b, uint32_t sites, const AnalysisParams& params = AnalysisParams{},
                   std::optional<uint64_t> run_ops = std::nullopt) {
    EventAnalyzer analyzer(SiteMap::identity(sites), params, run_ops);
    for (const auto& e : b.events) analyzer.on_event(e);
    return analyzer.finish();
}

TEST(EventAnalyzer, ReallocFollowsTheDhatRule) {
    // malloc(100) then realloc(200): 2 allocations, 300 bytes allocated, 1 free (the old
    // block), 200 live; the realloc freed the old block with no allocation in between on
    // the thread: temp_0 and temp_1.
    EventBuilder b;
    uint64_t p = b.alloc(0, 100);
    b.realloc(p, 0, 200);
    RunMetrics m = analyze(b, 1);
    EXPECT_EQ(m.run.allocations, 2u);
    EXPECT_EQ(m.run.reallocs, 1u);
    EXPECT_EQ(m.run.bytes_allocated, 300u);
    EXPECT_EQ(m.run.frees, 1u);
    EXPECT_EQ(m.run.unfreed_bytes, 200u);
    EXPECT_EQ(m.run.unfreed_blocks, 1u);
    EXPECT_EQ(m.run.peak_live_bytes, 200u);
    EXPECT_EQ(m.run.temporary_k, (std::vector<uint64_t>{1, 1}));
    EXPECT_EQ(m.sites[0].reallocs, 1u);
    EXPECT_TRUE(m.run.per_run);  // no ops: per-op values are per run
    EXPECT_DOUBLE_EQ(m.run.allocs_per_op, 2.0);
}

TEST(EventAnalyzer, TemporaryKIsPerThreadAndDiesYoungIsNot) {
    // Big nursery, no collection: every freed block dies young, whichever thread frees it.
    // temp_K counts allocations on the allocating thread only, and needs the free there:
    //   a (t0); x (t1, another thread: not counted); free a (t0)   -> 0 between: temp_0, temp_1
    //   b, c (t0); free b (t0)                                     -> 1 between: temp_1
    //   d, e, f (t0); free d (t0)                                  -> 2 between: neither
    //   g (t0); free g on t1                                       -> other thread: neither
    EventBuilder b;
    uint64_t a = b.alloc(0, 8, 0);
    b.alloc(1, 8, 1);
    b.free(a, 0);
    uint64_t bb = b.alloc(0, 8, 0);
    b.alloc(1, 8, 0);
    b.free(bb, 0);
    uint64_t d = b.alloc(0, 8, 0);
    b.alloc(1, 8, 0);
    b.alloc(1, 8, 0);
    b.free(d, 0);
    uint64_t g = b.alloc(0, 8, 0);
    b.free(g, 1);
    RunMetrics m = analyze(b, 2);
    EXPECT_EQ(m.run.dies_young, 4u);
    EXPECT_EQ(m.run.temporary_k, (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(m.sites[0].temporary_k, (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(m.sites[0].dies_young, 4u);
}

TEST(EventAnalyzer, DiesYoungMeansBeforeTheNextCollection) {
    // B0 = 100: a = 60; b = 60 -> collection (a's epoch ends, a still live); free a: not
    // young. c = 30 (fits: 60 + 30); free c: young. Survival of epoch 0: 60 / 60.
    EventBuilder b;
    uint64_t a = b.alloc(0, 60);
    b.alloc(1, 60);
    b.free(a);
    b.free(b.alloc(1, 30));
    RunMetrics m = analyze(b, 2, small_params(100));
    EXPECT_EQ(m.run.collections, 1u);
    EXPECT_EQ(m.sites[0].dies_young, 0u);
    EXPECT_EQ(m.sites[1].dies_young, 1u);
    ASSERT_TRUE(m.run.survival_rate);
    EXPECT_DOUBLE_EQ(*m.run.survival_rate, 1.0);
    EXPECT_EQ(m.sites[0].survived_bytes, 60u);
    EXPECT_FALSE(m.sites[1].survival_rate);  // its epoch was never collected
}

TEST(EventAnalyzer, PeakIsAttributedToTheSitesLiveAtTGmax) {
    // event 0: s0 +100 (100)   1: s1 +50 (150)   2: free s0 (50)
    // event 3: s1 +200 (250: t-gmax)   4: free that (50)   5: s0 +30 (80)
    // At t-gmax: s0 0, s1 250. Own maxima: s0 100, s1 250. Unfreed: s0 30, s1 50.
    EventBuilder b;
    uint64_t a = b.alloc(0, 100);
    b.alloc(1, 50);
    b.free(a);
    uint64_t c = b.alloc(1, 200);
    b.free(c);
    b.alloc(0, 30);
    RunMetrics m = analyze(b, 2);
    EXPECT_EQ(m.run.peak_live_bytes, 250u);
    EXPECT_EQ(m.run.peak_live_event, 3u);
    EXPECT_EQ(m.sites[0].live_at_peak_bytes, 0u);
    EXPECT_EQ(m.sites[1].live_at_peak_bytes, 250u);
    EXPECT_EQ(m.sites[0].max_live_bytes, 100u);
    EXPECT_EQ(m.sites[1].max_live_bytes, 250u);
    EXPECT_EQ(m.sites[0].unfreed_bytes, 30u);
    EXPECT_EQ(m.sites[1].unfreed_bytes, 50u);
    EXPECT_EQ(m.run.unfreed_bytes, 80u);
    EXPECT_EQ(m.run.unfreed_blocks, 2u);
    // Blocks live at t-gmax: s1's 50 and 200; none of s0's.
    EXPECT_EQ(m.run.peak_live_blocks, 2u);
    EXPECT_EQ(m.sites[0].live_at_peak_blocks, 0u);
    EXPECT_EQ(m.sites[1].live_at_peak_blocks, 2u);
}

TEST(EventAnalyzer, LiveBlocksAtEachWindowsPeak) {
    // Outside: s0 4 x 10 (40 B in 4 blocks). "build": frees 3 of them (10 B, 1 block), then
    // s1 takes 500 (510 B in 2 blocks: the run's and the phase's peak). "use" begins with
    // those 510 B in 2 blocks (what is live when a phase begins counts toward its peak),
    // frees the 500, then s2 takes 20 x 1: it ends with 30 B in 21 blocks, below its peak.
    EventBuilder b;
    uint64_t small[4];
    for (uint64_t& x : small) x = b.alloc(0, 10);
    b.phase_begin("build");
    for (int i = 0; i < 3; ++i) b.free(small[i]);
    const uint64_t big = b.alloc(1, 500);
    b.phase_end();
    b.phase_begin("use");
    b.free(big);
    for (int i = 0; i < 20; ++i) b.alloc(2, 1);
    b.phase_end();
    RunMetrics m = analyze(b, 3);
    EXPECT_EQ(m.run.peak_live_bytes, 510u);
    EXPECT_EQ(m.run.peak_live_blocks, 2u);
    ASSERT_EQ(m.phases.size(), 2u);
    EXPECT_EQ(m.phases[0].name, "build");
    EXPECT_EQ(m.phases[0].peak_live_bytes, 510u);
    EXPECT_EQ(m.phases[0].peak_live_blocks, 2u);
    EXPECT_EQ(m.phases[1].name, "use");
    EXPECT_EQ(m.phases[1].peak_live_bytes, 510u) << "the phase begins with the 500 live";
    EXPECT_EQ(m.phases[1].peak_live_blocks, 2u);
    // At t-gmax: s0's last small block and s1's big one.
    EXPECT_EQ(m.sites[0].live_at_peak_blocks, 1u);
    EXPECT_EQ(m.sites[1].live_at_peak_blocks, 1u);
    EXPECT_EQ(m.sites[2].live_at_peak_blocks, 0u);
}

TEST(EventAnalyzer, LeakSlopeIsTheLeastSquaresSlopeOfLiveBytesOverOps) {
    // Each op: site 0 keeps 16 B, site 1 allocates and frees 8 B; Ops(1) after each op.
    // Samples (1,16) (2,32) (3,48) (4,64): slope 16 B/op for the run and site 0, 0 for site 1.
    EventBuilder b;
    for (int i = 0; i < 4; ++i) {
        b.alloc(0, 16);
        b.free(b.alloc(1, 8));
        b.ops();
    }
    RunMetrics m = analyze(b, 2);
    ASSERT_TRUE(m.run.leak_slope);
    EXPECT_DOUBLE_EQ(*m.run.leak_slope, 16.0);
    EXPECT_EQ(m.run.slope_samples, 4u);
    ASSERT_TRUE(m.sites[0].leak_slope);
    EXPECT_DOUBLE_EQ(*m.sites[0].leak_slope, 16.0);
    ASSERT_TRUE(m.sites[1].leak_slope);
    EXPECT_EQ(*m.sites[1].leak_slope, 0.0);  // exactly: integer sums
}

TEST(EventAnalyzer, LeakSlopePerSiteCatchesUpLazily) {
    // Site 0's live bytes at the 4 samples: 0, 10, 10, 20 (x = 1..4).
    // n=4, Sx=10, Sxx=30, Sy=40, Sxy=0+20+30+80=130: slope = (4*130-10*40)/(4*30-100) = 120/20 = 6.
    // The noisy run series 10, 30, 20, 40 (site 1 added): Sy=100, Sxy=290 -> (1160-1000)/20 = 8.
    EventBuilder c;
    uint64_t t = c.alloc(1, 10);
    c.ops();                        // x=1: site0 0, run 10
    c.alloc(0, 10);
    t = c.realloc(t, 1, 20);
    c.ops();                        // x=2: site0 10, run 30
    t = c.realloc(t, 1, 10);
    c.ops();                        // x=3: site0 10, run 20
    c.alloc(0, 10);
    t = c.realloc(t, 1, 20);
    c.ops();                        // x=4: site0 20, run 40
    RunMetrics m = analyze(c, 2);
    ASSERT_TRUE(m.sites[0].leak_slope);
    EXPECT_DOUBLE_EQ(*m.sites[0].leak_slope, 6.0);
    ASSERT_TRUE(m.run.leak_slope);
    EXPECT_DOUBLE_EQ(*m.run.leak_slope, 8.0);
    // Site 1: 10, 20, 10, 20: Sy=60, Sxy=10+40+30+80=160: (640-600)/20 = 2.
    EXPECT_DOUBLE_EQ(*m.sites[1].leak_slope, 2.0);
}

TEST(EventAnalyzer, NoOpsEventsMeansNoSlope) {
    EventBuilder b;
    b.alloc(0, 16);
    RunMetrics m = analyze(b, 1, AnalysisParams{}, 10);  // --ops 10, but no Ops events
    EXPECT_EQ(m.run.ops, 10u);
    EXPECT_FALSE(m.run.per_run);
    EXPECT_DOUBLE_EQ(m.run.bytes_per_op, 1.6);
    EXPECT_FALSE(m.run.leak_slope);
    EXPECT_TRUE(m.ops_from_command_line);
}

TEST(EventAnalyzer, WindowsArePhasesByName) {
    // setup (no phase): 1 alloc. "compile": 2 allocs of 10, 1 op. "run" twice: each 1 alloc
    // of 100 and 2 ops; a free of a compile block inside "run" counts in "compile" (birth).
    // A phase left open ends with the run.
    EventBuilder b;
    b.alloc(0, 1);                       // event 0
    b.phase_begin("compile");            // 1
    uint64_t n1 = b.alloc(1, 10);        // 2
    b.alloc(1, 10);                      // 3
    b.ops();                             // 4
    b.phase_end();                       // 5
    b.phase_begin("run");                // 6
    b.free(n1);                          // 7
    b.alloc(2, 100);                     // 8
    b.ops(2);                            // 9
    b.phase_begin("run");                // 10: closes the first "run"
    b.alloc(2, 100);                     // 11
    b.ops(2);                            // 12
    RunMetrics m = analyze(b, 3);
    ASSERT_EQ(m.phases.size(), 2u);
    const WindowMetrics& compile = m.phases[0];
    const WindowMetrics& run = m.phases[1];
    EXPECT_EQ(compile.name, "compile");
    EXPECT_EQ(compile.begin_event, 1u);
    EXPECT_EQ(compile.end_event, 6u);  // one past its PhaseEnd
    EXPECT_EQ(compile.allocations, 2u);
    EXPECT_EQ(compile.ops, 1u);
    EXPECT_EQ(compile.frees, 1u);
    EXPECT_EQ(compile.dies_young, 1u);
    EXPECT_DOUBLE_EQ(compile.bytes_per_op, 20.0);
    EXPECT_EQ(run.name, "run");
    EXPECT_EQ(run.occurrences, 2u);
    EXPECT_EQ(run.begin_event, 6u);
    EXPECT_EQ(run.end_event, 13u);
    EXPECT_EQ(run.allocations, 2u);
    EXPECT_EQ(run.ops, 4u);
    EXPECT_DOUBLE_EQ(run.allocs_per_op, 0.5);
    EXPECT_EQ(run.peak_live_bytes, 211u);  // 1 + 10 + 100 + 100 (n1 freed: 1 + 10 + 200)
    EXPECT_EQ(m.run.ops, 5u);
    EXPECT_EQ(m.run.allocations, 5u);
    EXPECT_EQ(m.run.peak_live_bytes, 211u);
    EXPECT_EQ(m.run.peak_live_event, 11u);
}

TEST(EventAnalyzer, APhaseWithoutOpsOfItsOwnDividesByTheRunsOps) {
    EventBuilder b;
    b.phase_begin("load");
    b.alloc(0, 64);
    b.phase_end();
    b.phase_begin("work");
    b.alloc(0, 32);
    b.ops(2);
    b.phase_end();
    b.ops(2);
    RunMetrics m = analyze(b, 1);
    ASSERT_EQ(m.phases.size(), 2u);
    // "load" counted no op: per op of the run's 4 ops, and marked so.
    EXPECT_FALSE(m.phases[0].per_run);
    EXPECT_TRUE(m.phases[0].ops_of_run);
    EXPECT_EQ(m.phases[0].ops, 4u);
    EXPECT_DOUBLE_EQ(m.phases[0].bytes_per_op, 16.0);
    // "work" counted its own 2 ops: not the run's.
    EXPECT_FALSE(m.phases[1].ops_of_run);
    EXPECT_EQ(m.phases[1].ops, 2u);
    EXPECT_DOUBLE_EQ(m.phases[1].bytes_per_op, 16.0);
    EXPECT_FALSE(m.run.per_run);
    EXPECT_FALSE(m.run.ops_of_run);
    EXPECT_DOUBLE_EQ(m.run.bytes_per_op, 24.0);
}

TEST(EventAnalyzer, WithoutAnyOpsAPhaseIsPerRun) {
    EventBuilder b;
    b.phase_begin("load");
    b.alloc(0, 64);
    b.phase_end();
    RunMetrics m = analyze(b, 1);
    ASSERT_EQ(m.phases.size(), 1u);
    EXPECT_TRUE(m.phases[0].per_run);
    EXPECT_FALSE(m.phases[0].ops_of_run);
    EXPECT_DOUBLE_EQ(m.phases[0].bytes_per_op, 64.0);
}

TEST(EventAnalyzer, PerRunCollectionsAreTheCountNotAThousandTimesIt) {
    // B0 = 100, no ops anywhere: 17 allocations of 60 B trigger 16 collections (each one
    // after the first overflows the nursery). Per run, Gen0/1k is that count, not 16,000,
    // and Gen0* is nursery bytes / B0 (1020 / 100), in the run and in the phase around it.
    EventBuilder b;
    b.phase_begin("compile");
    for (int i = 0; i < 17; ++i) b.free(b.alloc(0, 60));
    b.phase_end();
    RunMetrics m = analyze(b, 1, small_params(100));
    ASSERT_TRUE(m.run.per_run);
    ASSERT_EQ(m.phases.size(), 1u);
    for (const WindowMetrics* w : {&m.run, &m.phases[0]}) {
        SCOPED_TRACE(w->name);
        EXPECT_EQ(w->collections, 16u);
        EXPECT_DOUBLE_EQ(w->gen0_per_1k, 16.0);
        EXPECT_DOUBLE_EQ(w->gen0_star_per_1k, 10.2);
    }
    EXPECT_DOUBLE_EQ(m.sites[0].gen0_star_per_1k, 10.2);
    // The same run with 1000 ops counted: per 1000 ops, the same numbers.
    b.ops(1000);
    RunMetrics counted = analyze(b, 1, small_params(100));
    EXPECT_DOUBLE_EQ(counted.run.gen0_per_1k, 16.0);
    EXPECT_DOUBLE_EQ(counted.run.gen0_star_per_1k, 10.2);
}

TEST(EventAnalyzer, AFreeOfAnUnknownBlockIsCountedNotApplied) {
    EventBuilder b;
    b.alloc(0, 8);
    b.free(99);
    RunMetrics m = analyze(b, 1);
    EXPECT_EQ(m.unmatched_frees, 1u);
    EXPECT_EQ(m.run.frees, 0u);
}

TEST(EventAnalyzer, ANodeWithoutASiteIsAnError) {
    EventAnalyzer analyzer(SiteMap({0, SiteMap::kUnmapped}, 1), AnalysisParams{});
    EventBuilder b;
    b.alloc(1, 8);
    EXPECT_THROW(analyzer.on_event(b.events[0]), AnalysisError);
}

}  // namespace
}  // namespace allocprof::analyzers
