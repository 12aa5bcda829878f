// RunIngestor on hand-built record sequences, each with its answer computed by hand in
// the comments: the DHAT realloc rule, temp_K per thread, t-gmax attribution, unmatched
// and lost frees, phases and ops, module lookup of trie nodes, truncated stacks, exec in
// the same pid, and the stored event stream replaying to the same totals.
#include "record/run_ingestor.h"

#include <gtest/gtest.h>

#include "test_database.h"

using namespace allocprof;
using namespace allocprof::wire;
using record::RunIngestor;

namespace {

struct Harness {
    test::TempDir dir;
    schema::Database db = schema::Database::create(dir.file("run.db"));
    RunIngestor ingest{db, record::RunStart{.command = {"test"}, .cwd = "/", .hostname = "host"}};
    int64_t run_id = ingest.run_id();

    Harness() {
        HelloRecord hello{};
        hello.type = RecordType::Hello;
        hello.magic = kMagic;
        hello.version = kWireVersion;
        hello.pid = 42;
        ingest.on_hello(hello);
    }
    void alloc(uint32_t thread, uint32_t node, uint64_t ptr, uint64_t size, HookFn fn = HookFn::Malloc) {
        ingest.on_alloc(AllocRecord{RecordType::Alloc, fn, thread, node, ptr, size});
    }
    void free(uint32_t thread, uint64_t ptr) {
        ingest.on_free(FreeRecord{RecordType::Free, HookFn::Free, thread, ptr});
    }
    void realloc(uint32_t thread, uint32_t node, uint64_t old_ptr, uint64_t new_ptr, uint64_t size) {
        ingest.on_realloc(ReallocRecord{RecordType::Realloc, HookFn::Realloc, thread, node, old_ptr, new_ptr, size});
    }
    // One integer from a query with a single result (-1 for NULL); writes the tables first.
    int64_t query(const std::string& sql) {
        if (!written) ingest.finish({});
        written = true;
        auto s = db.prepare(sql);
        EXPECT_TRUE(s.step()) << sql;
        return s.is_null(0) ? -1 : s.int64(0);
    }
    bool written = false;
};

}  // namespace

TEST(RunIngestor, ReallocFollowsTheDhatRule) {
    Harness h;
    h.alloc(1, 1, 0x1000, 100);          // malloc(100)
    h.realloc(1, 2, 0x1000, 0x2000, 200);  // realloc -> 200: one more allocation of 200 bytes
    h.free(1, 0x2000);
    const auto& t = h.ingest.totals();
    EXPECT_EQ(t.allocations, 2u);
    EXPECT_EQ(t.bytes_allocated, 300u);
    EXPECT_EQ(t.frees, 2u);  // the realloc released the first block
    EXPECT_EQ(t.reallocs, 1u);
    EXPECT_EQ(t.peak_live_bytes, 200u);  // 100, then -100 +200
    EXPECT_EQ(t.live_blocks, 0u);
    EXPECT_EQ(h.query("SELECT bytes_allocated FROM stack_stats WHERE node_id = 1"), 100);
    EXPECT_EQ(h.query("SELECT frees FROM stack_stats WHERE node_id = 1"), 1);
    EXPECT_EQ(h.query("SELECT reallocs FROM stack_stats WHERE node_id = 2"), 1);
    EXPECT_EQ(h.query("SELECT bytes_allocated FROM stack_stats WHERE node_id = 2"), 200);
}

TEST(RunIngestor, ReallocInPlaceKeepsTheAddressLive) {
    Harness h;
    h.alloc(1, 1, 0x1000, 100);
    h.realloc(1, 1, 0x1000, 0x1000, 50);  // shrink in place
    EXPECT_EQ(h.ingest.totals().live_bytes, 50u);
    EXPECT_EQ(h.ingest.totals().lost_frees, 0u);
    h.free(1, 0x1000);
    EXPECT_EQ(h.ingest.totals().live_blocks, 0u);
    EXPECT_EQ(h.ingest.totals().unmatched_frees, 0u);
}

TEST(RunIngestor, TemporariesCountAllocationsOnTheSameThreadOnly) {
    Harness h;
    h.alloc(1, 1, 0xA, 10);
    h.free(1, 0xA);  // A: nothing in between -> K0 and K1
    h.alloc(1, 1, 0xB, 20);
    h.alloc(1, 1, 0xC, 30);
    h.free(1, 0xB);  // B: C in between -> K1 only
    h.free(1, 0xC);  // C: nothing after it on thread 1 -> K0 and K1
    h.alloc(1, 2, 0xD, 40);
    h.alloc(2, 2, 0xE, 50);
    h.free(1, 0xD);  // D: E was on thread 2 -> K0 and K1
    h.free(1, 0xE);  // E: freed by another thread -> not temporary
    EXPECT_EQ(h.ingest.totals().temporary_k0, 3u);
    EXPECT_EQ(h.ingest.totals().temporary_k1, 4u);
    EXPECT_EQ(h.query("SELECT temporary_k0 FROM stack_stats WHERE node_id = 1"), 2);
    EXPECT_EQ(h.query("SELECT temporary_k1 FROM stack_stats WHERE node_id = 1"), 3);
    EXPECT_EQ(h.query("SELECT temporary_k0 FROM stack_stats WHERE node_id = 2"), 1);
}

TEST(RunIngestor, PeakIsAttributedToTheStacksLiveAtThatMoment) {
    Harness h;
    h.alloc(1, 1, 0x10, 100);  // live 100
    h.alloc(1, 2, 0x20, 50);   // live 150  <- peak, event index 1
    h.free(1, 0x10);           // live 50
    h.alloc(1, 2, 0x30, 60);   // live 110
    h.alloc(1, 1, 0x40, 10);   // live 120
    const auto& t = h.ingest.totals();
    EXPECT_EQ(t.peak_live_bytes, 150u);
    EXPECT_EQ(t.peak_live_event, 1u);
    EXPECT_EQ(h.query("SELECT live_at_peak_bytes FROM stack_stats WHERE node_id = 1"), 100);
    EXPECT_EQ(h.query("SELECT live_at_peak_bytes FROM stack_stats WHERE node_id = 2"), 50);
    EXPECT_EQ(h.query("SELECT max_live_bytes FROM stack_stats WHERE node_id = 2"), 110);
    EXPECT_EQ(h.query("SELECT max_live_bytes FROM stack_stats WHERE node_id = 1"), 100);
    EXPECT_EQ(h.query("SELECT live_end_bytes FROM stack_stats WHERE node_id = 1"), 10);
    EXPECT_EQ(h.query("SELECT live_end_blocks FROM stack_stats WHERE node_id = 2"), 2);
    EXPECT_EQ(t.live_blocks, 3u);
    EXPECT_EQ(t.live_bytes, 120u);
}

TEST(RunIngestor, SizeHistogramUsesPowerOfTwoBuckets) {
    Harness h;
    for (uint64_t size : {0, 1, 2, 3, 4, 7, 8, 1000})
        h.alloc(1, 1, 0x100 + size * 16, size);
    // buckets: 0 -> {0}; 1 -> {1}; 2 -> {2,3}; 3 -> {4,7}; 4 -> {8}; 10 -> {1000}
    EXPECT_EQ(h.query("SELECT count(*) FROM stack_size_histogram WHERE node_id = 1"), 6);
    EXPECT_EQ(h.query("SELECT count FROM stack_size_histogram WHERE node_id = 1 AND bucket = 2"), 2);
    EXPECT_EQ(h.query("SELECT bytes FROM stack_size_histogram WHERE node_id = 1 AND bucket = 3"), 11);
    EXPECT_EQ(h.query("SELECT count FROM stack_size_histogram WHERE node_id = 1 AND bucket = 10"), 1);
    EXPECT_EQ(h.query("SELECT min_size FROM stack_stats WHERE node_id = 1"), 0);
    EXPECT_EQ(h.query("SELECT max_size FROM stack_stats WHERE node_id = 1"), 1000);
}

TEST(RunIngestor, UnknownFreesAndReusedAddressesAreCountedNotMisattributed) {
    Harness h;
    h.free(1, 0xdead);  // never allocated
    EXPECT_EQ(h.ingest.totals().unmatched_frees, 1u);
    EXPECT_EQ(h.ingest.totals().frees, 0u);
    h.alloc(1, 1, 0x1000, 8);
    h.alloc(1, 1, 0x1000, 16);  // the first block's free was lost
    EXPECT_EQ(h.ingest.totals().lost_frees, 1u);
    EXPECT_EQ(h.ingest.totals().live_blocks, 1u);
    EXPECT_EQ(h.ingest.totals().live_bytes, 16u);
}

TEST(RunIngestor, PhasesCollectTheirOwnOpsAndAllocations) {
    Harness h;
    h.ingest.on_phase_begin("compile");
    h.alloc(1, 1, 0x10, 100);
    h.ingest.on_ops(OpsRecord{RecordType::Ops, 3});
    h.ingest.on_phase_begin("run");  // closes "compile"
    h.alloc(1, 1, 0x20, 10);
    h.alloc(1, 1, 0x30, 20);
    h.ingest.on_ops(OpsRecord{RecordType::Ops, 5});
    h.ingest.on_phase_end();
    h.alloc(1, 1, 0x40, 1);  // outside any phase
    EXPECT_EQ(h.ingest.totals().ops, 8u);
    EXPECT_EQ(h.query("SELECT count(*) FROM phases"), 2);
    EXPECT_EQ(h.query("SELECT ops FROM phases WHERE name = 'compile'"), 3);
    EXPECT_EQ(h.query("SELECT allocations FROM phases WHERE name = 'compile'"), 1);
    EXPECT_EQ(h.query("SELECT ops FROM phases WHERE name = 'run'"), 5);
    EXPECT_EQ(h.query("SELECT bytes_allocated FROM phases WHERE name = 'run'"), 30);
    // Event indices: PhaseBegin(0) alloc(1) ops(2) | PhaseBegin(3) alloc(4) alloc(5) ops(6) PhaseEnd(7)
    EXPECT_EQ(h.query("SELECT begin_event FROM phases WHERE name = 'run'"), 3);
    EXPECT_EQ(h.query("SELECT end_event FROM phases WHERE name = 'run'"), 8);
}

TEST(RunIngestor, TrieNodesAreMappedToTheirModule) {
    Harness h;
    h.ingest.on_module_map_begin();
    SegmentRecord segments[2] = {{0x400000, 0x1000, 0}, {0x401000, 0x1000, 1}};
    const unsigned char build_id[] = {0xab, 0xcd};
    h.ingest.on_module(ModuleRecord{RecordType::Module, 0x400000, 8, 2, 2}, segments, "/bin/app",
                       build_id);
    h.ingest.on_module_map_end();
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 1, 0, 0x401234});
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 2, 1, 0x900000});
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 3, 1, 0x400010});  // not executable
    EXPECT_EQ(h.query("SELECT rel_pc FROM trace_nodes WHERE node_id = 1"), 0x1234);
    EXPECT_EQ(h.query("SELECT module_id FROM trace_nodes WHERE node_id = 1"), 0);
    EXPECT_EQ(h.query("SELECT module_id FROM trace_nodes WHERE node_id = 2"), -1);
    EXPECT_EQ(h.query("SELECT module_id FROM trace_nodes WHERE node_id = 3"), -1);
    EXPECT_EQ(h.query("SELECT parent_id FROM trace_nodes WHERE node_id = 2"), 1);
    EXPECT_EQ(h.query("SELECT text_start FROM modules WHERE module_id = 0"), 0x401000);
    auto s = h.db.prepare("SELECT build_id, path FROM modules");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0), "abcd");
    EXPECT_EQ(s.text(1), "/bin/app");
}

// A stack the library cut arrives under a root-most truncation frame: the node is stored
// as the truncation node (ip 0, no module, its limit), every allocating stack under it is
// marked and counted; stacks beside it, and the same tagged address anywhere but directly
// under the root, are not.
TEST(RunIngestor, StacksUnderATruncationFrameAreMarkedAndCounted) {
    Harness h;
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 1, 0, truncated_frame_ip(64)});
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 2, 1, 0x401000});
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 3, 2, 0x401100});  // cut stack A
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 4, 2, 0x401200});  // cut stack B
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 5, 0, 0x401000});  // a whole stack
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 6, 5, truncated_frame_ip(64)});
    h.alloc(1, 3, 0x1000, 10);
    h.alloc(1, 3, 0x2000, 10);
    h.alloc(1, 4, 0x3000, 10);
    h.alloc(1, 5, 0x4000, 10);
    h.alloc(1, 6, 0x5000, 10);
    EXPECT_EQ(h.query("SELECT truncated_beyond FROM trace_nodes WHERE node_id = 1"), 64);
    EXPECT_EQ(h.query("SELECT ip FROM trace_nodes WHERE node_id = 1"), 0);
    EXPECT_EQ(h.query("SELECT module_id FROM trace_nodes WHERE node_id = 1"), -1);
    EXPECT_EQ(h.query("SELECT count(*) FROM trace_nodes WHERE truncated_beyond IS NOT NULL"), 1);
    EXPECT_EQ(h.query("SELECT truncated FROM stack_stats WHERE node_id = 3"), 1);
    EXPECT_EQ(h.query("SELECT truncated FROM stack_stats WHERE node_id = 4"), 1);
    EXPECT_EQ(h.query("SELECT truncated FROM stack_stats WHERE node_id = 5"), 0);
    EXPECT_EQ(h.query("SELECT truncated FROM stack_stats WHERE node_id = 6"), 0);
    EXPECT_EQ(h.query("SELECT truncated_stacks FROM runs"), 2);
    EXPECT_EQ(h.query("SELECT truncated_allocations FROM runs"), 3);
    EXPECT_EQ(h.query("SELECT max_frames FROM runs"), -1);  // not given: NULL
}

TEST(RunIngestor, ExecInTheSamePidStartsFreshNodeNumbers) {
    Harness h;
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 1, 0, 0x1111});
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 2, 1, 0x2222});
    h.alloc(1, 2, 0x10, 5);
    HelloRecord again{};
    again.type = RecordType::Hello;
    again.magic = kMagic;
    again.version = kWireVersion;
    h.ingest.on_hello(again);  // the new program's node 1 is our node 3
    h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, 1, 0, 0x3333});
    h.alloc(1, 1, 0x10, 7);  // same address as the old program's live block: no lost free
    EXPECT_EQ(h.ingest.totals().lost_frees, 0u);
    EXPECT_EQ(h.query("SELECT ip FROM trace_nodes WHERE node_id = 3"), 0x3333);
    EXPECT_EQ(h.query("SELECT bytes_allocated FROM stack_stats WHERE node_id = 3"), 7);
    EXPECT_EQ(h.ingest.thread_count(), 2u);
}

TEST(RunIngestor, StoredEventsReplayToTheSameTotals) {
    Harness h;
    // The stacks the events name (the reader refuses a node the run does not have).
    for (uint32_t node = 1; node <= 9; ++node)
        h.ingest.on_trace_edge(TraceEdgeRecord{RecordType::TraceEdge, node, 0, 0x1000 + node});
    uint64_t ptr = 0x1000;
    for (int i = 0; i < 5000; ++i) {
        h.alloc(1 + i % 2, 1 + i % 5, ptr + uint64_t(i) * 64, uint64_t(i % 300));
        if (i % 3 == 0) h.free(1, ptr + uint64_t(i) * 64);
        if (i % 7 == 0) h.realloc(2, 9, ptr + uint64_t(i) * 64 + 0, ptr + 0x1000000 + uint64_t(i) * 64, 500);
    }
    h.ingest.finish({});
    const auto& t = h.ingest.totals();
    uint64_t allocations = 0, bytes = 0, frees = 0;
    std::unordered_map<uint64_t, uint64_t> live;
    schema::for_each_event(h.db, h.run_id, [&](const schema::Event& e) {
        if (e.kind == schema::EventKind::Alloc || e.kind == schema::EventKind::Realloc) {
            ++allocations;
            bytes += e.size;
            live[e.block] = e.size;
        }
        if (e.kind == schema::EventKind::Realloc) {
            ASSERT_TRUE(live.erase(e.old_block));
            EXPECT_TRUE(e.moved);  // every realloc above moves its block
            ++frees;
        }
        if (e.kind == schema::EventKind::Free) {
            ASSERT_TRUE(live.erase(e.block));
            ++frees;
        }
    });
    EXPECT_EQ(allocations, t.allocations);
    EXPECT_EQ(bytes, t.bytes_allocated);
    EXPECT_EQ(frees, t.frees);
    EXPECT_EQ(live.size(), t.live_blocks);
}
