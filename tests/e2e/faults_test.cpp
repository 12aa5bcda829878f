// faults_test.cpp — a target SIGKILLed mid-run leaves a readable, truncated database;
// a recorder SIGKILLed mid-run leaves the target running untraced to its own exit.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class Faults : public E2eTest {};

// samples/c/sigkill_self.c: allocates for ~300 ms, then raise(SIGKILL).
TEST_F(Faults, TargetKilledBySigkillLeavesTruncatedDatabase) {
    Recording rec = record_to_db({sample_binary("sigkill_self").string(), "300"});
    ASSERT_TRUE(rec.process.exited_with(128 + SIGKILL)) << rec.process.describe();

    json run = single_run(db());
    expect_killed(run, SIGKILL);
    EXPECT_EQ(run["truncated"], json(true));
    EXPECT_GT(count_of(run, "allocations"), 0) << "what arrived before the kill is kept";
    EXPECT_LE(count_of(run, "frees"), count_of(run, "allocations"));
    expect_count(run, "unmatched_frees", 0);

    // The file is a consistent SQLite database, not just readable by allocprof.
    RunDatabase database(db());
    EXPECT_EQ(database.query("PRAGMA integrity_check").at(0).text(0), "ok");
    EXPECT_EQ(database.scalar("SELECT truncated FROM runs"), 1);
}

// The children of `pid` (from /proc), or empty when it has none or is gone.
std::vector<pid_t> children_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                     "/children");
    std::vector<pid_t> children;
    for (pid_t c; in >> c;) children.push_back(c);
    return children;
}

// samples/c/long_running.c allocates for ~1.5 s and exits 7. The recorder is SIGKILLed
// about 200 ms in; the target must notice, say so in one "allocprof:" line, and finish
// untraced with its own status. This test process becomes a child subreaper, so the
// orphaned target is reparented to it and its exit status can be collected.
TEST_F(Faults, RecorderKilledTargetFinishesWithItsOwnStatus) {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
    RunningProcess recorder = start_process(
        record_argv(db(), {sample_binary("long_running").string(), "1500"}));

    // Wait until the recorder has launched the target, then give it ~200 ms of tracing.
    pid_t target = 0;
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (target == 0 && std::chrono::steady_clock::now() < give_up) {
        std::vector<pid_t> children = children_of(recorder.pid());
        if (!children.empty()) target = children.front();
        else std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_NE(target, 0) << "the recorder did not start the target";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_EQ(::kill(recorder.pid(), SIGKILL), 0);

    // wait() drains the shared stdout/stderr until the target closes them too, i.e.
    // until it exits; then reaps the recorder.
    ProcessResult recorder_result = recorder.wait();
    EXPECT_EQ(recorder_result.term_signal, SIGKILL) << recorder_result.describe();
    EXPECT_FALSE(recorder_result.timed_out);

    int status = 0;
    pid_t reaped = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((reaped = ::waitpid(target, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (reaped == 0) ::kill(target, SIGKILL), ::waitpid(target, &status, 0);
    ASSERT_EQ(reaped, target) << "the target was not reparented to the test, or hung";
    ProcessResult target_result;
    decode_wait_status(status, target_result);
    EXPECT_TRUE(target_result.exited_with(7))
        << "target: " << target_result.describe() << "; shared stderr: " << recorder_result.err;
    EXPECT_EQ(recorder_result.out, "done\n");
    EXPECT_EQ(count_lines_starting_with(recorder_result.err, "allocprof:"), 1)
        << "stderr: <<" << recorder_result.err << ">>";
}

}  // namespace
}  // namespace allocprof::e2e
