// markers_test.cpp — the marker API (interpose/include/allocprof/allocprof.h) used by
// samples/c/markers.c: it runs without allocprof (weak symbols), and under allocprof the
// ops and phases it marks are recorded; and the calling thread's counts
// (samples/c/thread_counters.c): exact under allocprof, 0 without it; memory over time at
// the peak and at every phase boundary.
#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class Markers : public E2eTest {};

TEST_F(Markers, SampleRunsWithoutAllocprof) {
    ProcessResult p = run_process({sample_binary("markers").string()});
    ASSERT_TRUE(p.exited_with(0)) << p.describe();
    EXPECT_EQ(p.out, "ops=105\n");
}

// Ten malloc/free pairs count 10 allocations and 24 + ... + 33 = 285 bytes; a loop that
// allocates nothing counts 0; a second thread starts at 0 and counts its own 5; the
// same binary without allocprof counts 0 and runs the same. The run records the same ten.
TEST_F(Markers, ThreadCountsAreExactUnderAllocprofAndZeroWithout) {
    Recording rec = record_to_db({sample_binary("thread_counters").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, "pairs=10\nbytes=285\nidle=0\nsecond_thread_start=0\nsecond_thread=5\n");
    RunDatabase database(db());
    EXPECT_EQ(database.scalar("SELECT count(*) FROM sites WHERE function = 'main' AND allocations = 10"), 1);

    ProcessResult plain = run_process({sample_binary("thread_counters").string()});
    ASSERT_TRUE(plain.exited_with(0)) << plain.describe();
    EXPECT_EQ(plain.out, "pairs=0\nbytes=0\nidle=0\nsecond_thread_start=0\nsecond_thread=0\n");
}

TEST_F(Markers, OpsAndPhasesAreRecorded) {
    Recording rec = record_to_db({sample_binary("markers").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, "ops=105\n");
    json run = single_run(db());
    expect_exited(run, 0);
    // markers.c: 100 ops in "work" + 3 in "batch" + 2 outside any phase.
    expect_count(run, "ops", 105);
    expect_count(run, "allocations", 306);
    expect_count(run, "bytes_allocated", 512 + 22400 + 768 + 20);
    expect_count(run, "frees", 306);
    expect_count(run, "unfreed_blocks", 0);

    RunDatabase database(db());
    EXPECT_EQ(database.query("SELECT ops_source FROM runs").at(0).text(0), "markers");
    std::vector<Row> phases = database.query(
        "SELECT name, ops, allocations, bytes_allocated, begin_event <= end_event"
        " FROM phases ORDER BY phase_id");
    struct Expected {
        const char* name;
        int64_t ops, allocations, bytes;
    };
    const Expected expected[] = {
        {"setup", 0, 1, 512},        // calloc(64, 8)
        {"work", 100, 300, 22400},   // 100 x (32 + 64 + 128)
        {"batch", 3, 3, 768},        // began while "work" was open, which ended it
        {"teardown", 0, 0, 0},       // one free
    };
    ASSERT_EQ(phases.size(), std::size(expected));
    for (size_t i = 0; i < phases.size(); ++i) {
        SCOPED_TRACE(expected[i].name);
        EXPECT_EQ(phases[i].text(0), expected[i].name);
        EXPECT_EQ(phases[i].int64(1), expected[i].ops) << "ops";
        EXPECT_EQ(phases[i].int64(2), expected[i].allocations) << "allocations";
        EXPECT_EQ(phases[i].int64(3), expected[i].bytes) << "bytes_allocated";
        EXPECT_EQ(phases[i].int64(4), 1) << "begin_event <= end_event";
    }
    // Phase boundaries carry their own time (not the 10 ms ticker's): in order, and the
    // "work" phase (300 allocations) lasts a measurable time.
    std::vector<Row> times = database.query("SELECT begin_ns, end_ns FROM phases ORDER BY phase_id");
    for (size_t i = 0; i < times.size(); ++i) {
        EXPECT_LE(times[i].int64(0), times[i].int64(1)) << expected[i].name;
        if (i > 0) {
            EXPECT_LE(times[i - 1].int64(1), times[i].int64(0)) << expected[i].name;
        }
    }
    EXPECT_LT(times[1].int64(0), times[1].int64(1)) << "work: begin_ns < end_ns";
}


// Memory over time reaches the reported peak and has a sample at each phase boundary, so a
// short phase shows however the 10 ms timer falls. markers.c: the peak is the table (512 B)
// and the first 256 B block of "batch": 768 B in 2 blocks (an operation of "work" holds 736 B).
TEST_F(Markers, MemoryOverTimeHasThePeakAndEveryPhaseBoundary) {
    Recording rec = record_to_db({sample_binary("markers").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    RunDatabase database(db());
    EXPECT_EQ(database.scalar("SELECT peak_live_bytes FROM runs"), 768);
    EXPECT_EQ(database.scalar("SELECT MAX(live_bytes) FROM memory_series"), 768);
    EXPECT_EQ(database.scalar("SELECT live_blocks FROM memory_series WHERE live_bytes = 768"), 2);
    EXPECT_EQ(database.scalar("SELECT COUNT(*) FROM memory_series m JOIN runs r ON m.event_index = r.peak_live_event + 1"
                              " AND m.t_ns = r.peak_live_ns"),
              1)
        << "the peak's sample is at the peak's event and time";
    struct Boundary {
        const char* sql;
        int64_t live_bytes, live_blocks;
    };
    const Boundary boundaries[] = {
        {"SELECT begin_event FROM phases WHERE name = 'setup'", 0, 0},
        {"SELECT end_event FROM phases WHERE name = 'setup'", 512, 1},
        {"SELECT begin_event FROM phases WHERE name = 'work'", 512, 1},
        {"SELECT end_event FROM phases WHERE name = 'batch'", 512, 1},
        {"SELECT end_event FROM phases WHERE name = 'teardown'", 0, 0},
    };
    for (const Boundary& b : boundaries) {
        SCOPED_TRACE(b.sql);
        const int64_t event = database.scalar(b.sql);
        std::vector<Row> at = database.query("SELECT live_bytes, live_blocks FROM memory_series WHERE event_index = " +
                                             std::to_string(event));
        ASSERT_FALSE(at.empty()) << "no sample at event " << event;
        EXPECT_EQ(at.back().int64(0), b.live_bytes);
        EXPECT_EQ(at.back().int64(1), b.live_blocks);
    }
}

}  // namespace
}  // namespace allocprof::e2e
