// heap_replay_test.cpp — the heap replay of `allocprof heap` (analyzers/heap_replay.h) on
// hand-built event streams: peaks per window, the heap needed under a model, and the first
// allocation over a limit. Each node is its own site (SiteMap::identity).
#include "analyzers/heap_replay.h"

#include <gtest/gtest.h>

#include "event_builder.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;

HeapResult replay(const EventBuilder& b, const HeapModel& model,
                  std::optional<uint64_t> limit = std::nullopt, const std::string& phase = "",
                  size_t top = 5) {
    HeapQuestion q;
    q.model = model;
    q.limit = limit;
    q.phase = phase;
    q.top_sites = top;
    return replay_heap(replay_vector(b.events), SiteMap::identity(8), q);
}

// 100 + 200 live at once, then 50 after the 100 is freed: the peak is 300 B in 2 blocks at
// event 1; a 300 B limit fits (equal fits).
TEST(HeapReplay, FitsAtTheLimitExactly) {
    EventBuilder b;
    const uint64_t a = b.alloc(0, 100);
    b.alloc(1, 200);
    b.free(a);
    b.alloc(2, 50);
    const HeapResult r = replay(b, HeapModel::exact(), 300);
    ASSERT_EQ(r.windows.size(), 1u);
    const HeapWindow& run = r.windows[0];
    EXPECT_EQ(run.name, "");
    EXPECT_EQ(run.peak.event_index, 1u);
    EXPECT_EQ(run.peak.live_bytes, 300u);
    EXPECT_EQ(run.peak.live_blocks, 2u);
    EXPECT_EQ(run.peak.heap_bytes, 300u);
    EXPECT_EQ(run.heap_peak_bytes, 300u);
    ASSERT_EQ(run.peak.sites.size(), 2u);
    EXPECT_EQ(run.peak.sites[0].site, 1u);  // 200 B first
    EXPECT_EQ(run.peak.sites[0].bytes, 200u);
    EXPECT_EQ(run.peak.sites[1].site, 0u);
    ASSERT_TRUE(r.limit);
    EXPECT_TRUE(r.limit->fits());
    EXPECT_EQ(r.events, 4u);
}

// Limit 300: 100 (site 0), 100 (site 1), free the first, 150 (site 2) -> 250 live, then 100
// (site 1) would make 350: event 5 (after a clock tick at 1 ms) fails, with 250 B live in 2
// blocks before it (site 2's 150 first). The replay goes on as if it succeeded: the run's
// peak is 351 B at event 7.
TEST(HeapReplay, FirstAllocationOverTheLimit) {
    EventBuilder b;
    b.tick(1'000'000);
    const uint64_t a = b.alloc(0, 100);
    b.alloc(1, 100);
    b.free(a);
    b.alloc(2, 150);
    b.alloc(1, 100, 3);
    b.tick(2'000'000);
    b.alloc(3, 1);  // after the first failure: not reported
    const HeapResult r = replay(b, HeapModel::exact(), 300);
    ASSERT_TRUE(r.limit && r.limit->failure);
    const HeapFailure& f = *r.limit->failure;
    EXPECT_EQ(f.event_index, 5u);
    EXPECT_FALSE(f.realloc);
    EXPECT_EQ(f.size, 100u);
    EXPECT_EQ(f.block_bytes, 100u);
    EXPECT_EQ(f.heap_with_it, 350u);
    EXPECT_EQ(f.node, 1u);
    EXPECT_EQ(f.site, 1u);
    EXPECT_EQ(f.thread, 3u);
    EXPECT_EQ(f.phase, "");
    EXPECT_EQ(f.time_ns, std::optional<uint64_t>(1'000'000));
    EXPECT_EQ(f.live.live_bytes, 250u);
    EXPECT_EQ(f.live.live_blocks, 2u);
    ASSERT_EQ(f.live.sites.size(), 2u);
    EXPECT_EQ(f.live.sites[0].site, 2u);
    EXPECT_EQ(f.live.sites[0].bytes, 150u);
    EXPECT_EQ(f.live.sites[1].site, 1u);
    EXPECT_EQ(r.windows[0].peak.live_bytes, 351u);
    EXPECT_EQ(r.windows[0].peak.event_index, 7u);
}

// The negative case: ten blocks of 24 B are 240 B requested, under a 300 B limit; glibc gives
// each a 32 B chunk, so the tenth (9 x 32 = 288 live, + 32 = 320) does not fit.
TEST(HeapReplay, OverheadMakesARequestedPeakUnderTheLimitFail) {
    EventBuilder b;
    for (int i = 0; i < 10; ++i) b.alloc(0, 24);
    const HeapResult exact = replay(b, HeapModel::exact(), 300);
    EXPECT_EQ(exact.windows[0].peak.live_bytes, 240u);
    EXPECT_TRUE(exact.limit->fits());
    const HeapResult glibc = replay(b, HeapModel::glibc(), 300);
    EXPECT_EQ(glibc.windows[0].peak.live_bytes, 240u);
    EXPECT_EQ(glibc.windows[0].peak.live_blocks, 10u);
    EXPECT_EQ(glibc.windows[0].peak.heap_bytes, 320u);
    ASSERT_TRUE(glibc.limit->failure);
    EXPECT_EQ(glibc.limit->failure->event_index, 9u);
    EXPECT_EQ(glibc.limit->failure->block_bytes, 32u);
    EXPECT_EQ(glibc.limit->failure->live.live_blocks, 9u);
    EXPECT_EQ(glibc.limit->failure->live.heap_bytes, 288u);
}

// realloc 100 -> 250: requested, the old block is released at the same event (peak 250, one
// block). A moved block is copied while the old one is still held: 350 B of heap then, over
// a 300 B limit; grown in place it needs 250.
TEST(HeapReplay, ReallocHoldsBothBlocksOnlyWhenItMoves) {
    for (bool moved : {true, false}) {
        EventBuilder b;
        const uint64_t a = b.alloc(0, 100);
        const uint64_t c = b.realloc(a, 1, 250, moved);
        b.free(c);
        const HeapResult r = replay(b, HeapModel::exact(), 300);
        EXPECT_EQ(r.windows[0].peak.live_bytes, 250u) << "moved " << moved;
        EXPECT_EQ(r.windows[0].peak.live_blocks, 1u) << "moved " << moved;
        EXPECT_EQ(r.windows[0].heap_peak_bytes, moved ? 350u : 250u);
        EXPECT_EQ(r.limit->fits(), !moved);
        if (moved) {
            EXPECT_TRUE(r.limit->failure->realloc);
            EXPECT_EQ(r.limit->failure->event_index, 1u);
            EXPECT_EQ(r.limit->failure->live.live_bytes, 100u);
        }
    }
}

// Phases: "parse" allocates 100 and keeps it; "emit" allocates 50 and frees it, then "parse"
// runs again with 10 more. parse: 2 occurrences, peak 160 at its second occurrence's
// allocation (event 7) — what was live when it began counts; emit: 150 at event 3.
TEST(HeapReplay, PhaseWindows) {
    EventBuilder b;
    b.phase_begin("parse");             // 0
    b.alloc(0, 100);                    // 1
    b.phase_begin("emit");              // 2: ends parse
    const uint64_t e = b.alloc(1, 50);  // 3
    b.free(e);                          // 4
    b.phase_end();                      // 5
    b.phase_begin("parse");             // 6
    b.alloc(2, 60);                     // 7: 160 live
    b.phase_end();                      // 8
    const HeapResult r = replay(b, HeapModel::glibc());
    ASSERT_EQ(r.windows.size(), 3u);
    EXPECT_EQ(r.windows[1].name, "parse");
    EXPECT_EQ(r.windows[1].occurrences, 2u);
    EXPECT_EQ(r.windows[1].peak.live_bytes, 160u);
    EXPECT_EQ(r.windows[1].peak.event_index, 7u);
    EXPECT_EQ(r.windows[1].peak.live_blocks, 2u);
    EXPECT_EQ(r.windows[1].peak.heap_bytes, 112u + 80u);  // glibc: 100 -> 112, 60 -> 80
    EXPECT_EQ(r.windows[2].name, "emit");
    EXPECT_EQ(r.windows[2].peak.live_bytes, 150u);
    EXPECT_EQ(r.windows[2].peak.event_index, 3u);
    EXPECT_EQ(r.windows[2].heap_peak_bytes, 112u + 64u);
    ASSERT_EQ(r.windows[2].peak.sites.size(), 2u);
    EXPECT_FALSE(r.limit);
}

// With a phase, only its allocations are checked; what was live before still takes room.
// 200 outside the phase, then 150 in "emit": the limit 300 fails in emit at event 2 with
// 200 B live; checked for "parse" only (which allocates nothing over it), it fits.
TEST(HeapReplay, LimitOfOnePhase) {
    EventBuilder b;
    b.alloc(0, 200);         // 0
    b.phase_begin("emit");   // 1
    b.alloc(1, 150);         // 2
    b.phase_end();           // 3
    b.phase_begin("parse");  // 4
    b.alloc(2, 1);           // 5
    const HeapResult emit = replay(b, HeapModel::exact(), 300, "emit");
    ASSERT_TRUE(emit.limit->failure);
    EXPECT_EQ(emit.limit->failure->event_index, 2u);
    EXPECT_EQ(emit.limit->failure->phase, "emit");
    EXPECT_EQ(emit.limit->failure->live.live_bytes, 200u);
    EXPECT_EQ(emit.limit->phase, "emit");
    const HeapResult parse = replay(b, HeapModel::exact(), 400, "parse");
    EXPECT_TRUE(parse.limit->fits());
    // Over the limit before "parse", and in it: only the allocation in it is reported.
    const HeapResult tight = replay(b, HeapModel::exact(), 100, "parse");
    ASSERT_TRUE(tight.limit->failure);
    EXPECT_EQ(tight.limit->failure->event_index, 5u);
}

// Top sites: three sites live, one listed; the count says how many there were. A free of a
// block the stream never allocated is counted and changes nothing.
TEST(HeapReplay, TopSitesAndUnmatchedFrees) {
    EventBuilder b;
    b.alloc(0, 10);
    b.alloc(1, 30);
    b.alloc(2, 20);
    b.alloc(1, 5);
    b.free(99);
    const HeapResult r = replay(b, HeapModel::exact(), std::nullopt, "", 1);
    const HeapSnapshot& peak = r.windows[0].peak;
    EXPECT_EQ(peak.live_bytes, 65u);
    EXPECT_EQ(peak.sites_live, 3u);
    ASSERT_EQ(peak.sites.size(), 1u);
    EXPECT_EQ(peak.sites[0].site, 1u);
    EXPECT_EQ(peak.sites[0].bytes, 35u);
    EXPECT_EQ(peak.sites[0].blocks, 2u);
    EXPECT_EQ(r.unmatched_frees, 1u);
}

}  // namespace
}  // namespace allocprof::analyzers
