// faults_test.cpp — programs written to break a profiler (samples/faults/), each run under
// `allocprof record`: the program must behave as it does alone (exit status, output, in a
// bounded time) and the recording must end. Each test names the trap it guards against;
// interpose/README.md says what the preload library does about it.
#include <sys/wait.h>

#include <chrono>

#include "stress/stress_test.h"

namespace allocprof::stress {
namespace {

using namespace std::chrono_literals;

class Faults : public E2eTest {};

// A signal handler calls exit() while the hook it interrupted may hold the stream lock.
// Each run exits within milliseconds alone; under allocprof it must too (the bound is
// generous for a loaded machine). Several runs: the signal lands at a different point
// each time.
TEST_F(Faults, ExitFromASignalHandlerInsideAHookDoesNotHang) {
    const std::string program = fault_program("exit_in_signal_handler");
    ProcessResult alone = run_process({program}, within(5s));
    ASSERT_TRUE(alone.exited_with(0)) << alone.describe();
    for (int i = 0; i < 12; ++i) {
        SCOPED_TRACE("run " + std::to_string(i));
        const auto start = std::chrono::steady_clock::now();
        Recording rec = record(dir_ / ("exit" + std::to_string(i) + ".db"), {program}, {}, within(10s));
        ASSERT_FALSE(rec.process.timed_out) << "the target (or the recorder) hung";
        EXPECT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
        EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
        expect_exited(single_run(rec.db), 0);
    }
}

// The program's own malloc (a bump allocator over mmap in the executable) calls mmap
// before the preload library has resolved anything.
TEST_F(Faults, ProgramWithItsOwnMallocRunsAndTheRunSaysSo) {
    const std::string program = fault_program("own_malloc");
    ProcessResult alone = run_process({program}, within(10s));
    ASSERT_TRUE(alone.exited_with(0)) << alone.describe();

    ProcessOptions preload_only = within(10s);
    preload_only.set_env = {{"LD_PRELOAD", preload_library().string()}};
    ProcessResult preloaded = run_process({program}, preload_only);
    EXPECT_TRUE(preloaded.exited_with(0)) << "with LD_PRELOAD only: " << preloaded.describe();
    EXPECT_EQ(reported(preloaded.out)["sum"], reported(alone.out)["sum"]);

    Recording rec = record_to_db({program}, {}, within(20s));
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(reported(rec.process.out)["sum"], reported(alone.out)["sum"]);
    json run = single_run(db());
    expect_exited(run, 0);
    const std::string notes = run["notes"].dump();
    EXPECT_NE(notes.find("malloc is the program's own"), std::string::npos) << notes;
    EXPECT_NE(notes.find("only the memory it maps"), std::string::npos) << notes;
    // What allocprof could see: the chunks it mapped once tracking had started.
    EXPECT_GE(function_calls(db())["mmap"], 1);
}

// jemalloc linked statically: the same trap with a real allocator, named in the run.
TEST_F(Faults, StaticallyLinkedJemallocRunsAndTheRunNamesIt) {
#ifndef ALLOCPROF_HAVE_STATIC_JEMALLOC
    GTEST_SKIP() << "built without libjemalloc_pic.a (Debian: libjemalloc-dev)";
#else
    const std::string program = fault_program("jemalloc_static");
    ProcessResult alone = run_process({program}, within(10s));
    ASSERT_TRUE(alone.exited_with(0)) << alone.describe();
    ProcessOptions preload_only = within(10s);
    preload_only.set_env = {{"LD_PRELOAD", preload_library().string()}};
    ProcessResult preloaded = run_process({program}, preload_only);
    EXPECT_TRUE(preloaded.exited_with(0)) << "with LD_PRELOAD only: " << preloaded.describe();

    Recording rec = record_to_db({program}, {}, within(20s));
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, alone.out);
    json run = single_run(db());
    const std::string notes = run["notes"].dump();
    EXPECT_NE(notes.find("malloc is the program's own (jemalloc)"), std::string::npos) << notes;
    EXPECT_GT(function_calls(db())["mmap"], 0) << "jemalloc's mappings are what allocprof sees";
#endif
}

// A child made with the raw clone system call runs no fork handler: it must still never
// write into its parent's stream (two writers corrupt the ring).
TEST_F(Faults, RawCloneChildDoesNotWriteIntoTheStream) {
    const std::string program = fault_program("raw_clone_child");
    ProcessResult alone = run_process({program}, within(20s));
    ASSERT_TRUE(alone.exited_with(0)) << alone.describe();
    Recording rec = record_to_db({program}, {}, within(40s));
    ASSERT_FALSE(rec.process.timed_out) << "the recorder did not end";
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, alone.out);
    json run = single_run(db());
    expect_exited(run, 0);
    EXPECT_EQ(run["truncated"], json(false));
    const long long parent = reported(alone.out)["parent_blocks"];
    // The parent's blocks and its start-up, none of the child's 200000.
    EXPECT_GE(count_of(run, "allocations"), parent);
    EXPECT_LT(count_of(run, "allocations"), parent + 1000);
    expect_count(run, "unmatched_frees", 0);
}

// A daemon closes every descriptor and gets the liveness socket's number back for a socket
// of its own: allocprof must never read a byte of it.
TEST_F(Faults, DaemonThatClosesEveryDescriptorKeepsAllItsData) {
    const std::string program = fault_program("fd_closing_daemon");
    ProcessResult alone = run_process({program}, within(10s));
    ASSERT_TRUE(alone.exited_with(0)) << alone.describe();
    Recording rec = record_to_db({program}, {}, within(20s));
    ASSERT_FALSE(rec.process.timed_out);
    EXPECT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(reported(rec.process.out)["received"], 100) << rec.process.out;
}

// After an exec in the same process the ring's descriptor number names an empty file: the
// new image must not map it (SIGBUS) but run untraced.
TEST_F(Faults, ExecWithTheRingDescriptorReplacedRunsUntraced) {
    const std::string program = fault_program("exec_over_ring_fd");
    ProcessResult alone = run_process({program}, within(10s));
    ASSERT_TRUE(alone.exited_with(0)) << alone.describe();
    Recording rec = record_to_db({program}, {}, within(20s));
    ASSERT_FALSE(rec.process.timed_out);
    EXPECT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, alone.out);
}

// unshare(CLONE_NEWUSER) refuses a multi-threaded process: the sampling thread must not
// exist in a single-threaded program.
TEST_F(Faults, UnshareUserNamespaceWorksUnderRecord) {
    auto unshare = find_on_path("unshare");
    if (!unshare) GTEST_SKIP() << "no unshare command";
    ProcessResult alone = run_process({unshare->string(), "-U", "true"}, within(10s));
    if (!alone.exited_with(0)) GTEST_SKIP() << "user namespaces unavailable here: " << alone.describe();
    Recording rec = record_to_db({unshare->string(), "-U", "true"}, {}, within(20s));
    EXPECT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    expect_exited(single_run(db()), 0);
}

// Memory over time still works without a sampling thread in a single-threaded program:
// samples/c/long_running.c allocates for ~600 ms.
TEST_F(Faults, SingleThreadedProgramStillHasMemoryOverTime) {
    Recording rec = record_to_db({sample_binary("long_running").string(), "600"}, {}, within(30s));
    ASSERT_TRUE(rec.process.exited_with(7)) << rec.process.describe();
    RunDatabase database(db());
    EXPECT_GE(database.scalar("SELECT COUNT(*) FROM memory_series"), 20);
    EXPECT_GT(database.scalar("SELECT MAX(rss_bytes) FROM memory_series"), 0);
}

// A signal handler that allocates while it interrupts a hook: its allocations are the
// program's and must be recorded (the main loop makes no memalign call). Those landing in
// the few Closed parts of a hook are still not (about 5 % here: interpose/README.md,
// principle 6); before, 65 of 336 were.
TEST_F(Faults, AllocationsOfASignalHandlerInsideAHookAreRecorded) {
    Recording rec = record_to_db({fault_program("signal_allocating_handler")}, {}, within(60s));
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    const auto out = reported(rec.process.out);
    ASSERT_GT(out.at("handler_allocs"), 0);
    auto calls = function_calls(db());
    EXPECT_LE(calls["memalign"], out.at("handler_allocs"));
    EXPECT_GE(calls["memalign"] * 100, out.at("handler_allocs") * 90)
        << calls["memalign"] << " of " << out.at("handler_allocs") << " recorded";
    json run = single_run(db());
    expect_count(run, "unmatched_frees", 0);
    EXPECT_EQ(run["notes"].dump().find("could not be recorded"), std::string::npos) << run["notes"].dump();
}

}  // namespace
}  // namespace allocprof::stress
