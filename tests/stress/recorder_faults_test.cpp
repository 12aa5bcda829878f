// recorder_faults_test.cpp — the recorder's side of never hurting the target: a broken
// stream, a database that fails mid-run or cannot be created, SIGCHLD ignored, a FIFO
// planted at the perf-map path, a SIGTERM once the target has gone. Each time the target
// behaves as it does alone, `allocprof record` ends within a bound, and whatever was
// recorded is kept.
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <csignal>
#include <fstream>
#include <thread>

#include "stress/stress_test.h"

namespace allocprof::stress {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class RecorderFaults : public E2eTest {
protected:
    // Waits for the file a fault program writes its pid into; 0 after `limit`.
    static pid_t wait_for_pid_file(const fs::path& file, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            std::ifstream in(file);
            pid_t pid = 0;
            if (in >> pid && pid > 0) return pid;
            std::this_thread::sleep_for(5ms);
        }
        return 0;
    }
    // Whether the process is gone (reaped: no /proc entry).
    static bool wait_until_reaped(pid_t pid, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        const fs::path proc = "/proc/" + std::to_string(pid);
        while (std::chrono::steady_clock::now() < deadline) {
            std::error_code ec;
            if (!fs::exists(proc, ec)) return true;
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }
    static void touch(const fs::path& file) { std::ofstream(file) << "\n"; }
};

// A second writer in the shared ring (what a raw clone child of an older library did):
// the reader must see the impossible state, end the run as broken, tell the target to go
// on untraced, and return; before, it trusted head - tail and read past the ring forever.
TEST_F(RecorderFaults, ASecondWriterInTheRingEndsTheRunAndTheProgramFinishes) {
    const std::string program = fault_program("ring_scribbler");
    ProcessResult alone = run_process({program}, within(10s));
    ASSERT_TRUE(alone.exited_with(0)) << alone.describe();
    Recording rec = record_to_db({program}, {}, within(30s));
    ASSERT_FALSE(rec.process.timed_out) << "the recorder did not end";
    EXPECT_TRUE(rec.process.exited_with(125)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, alone.out);
    EXPECT_NE(rec.process.err.find("the shared ring buffer was overwritten"), std::string::npos) << rec.process.err;
    EXPECT_NE(rec.process.err.find(db().string() + " holds what was recorded"), std::string::npos) << rec.process.err;
    json run = single_run(db());
    expect_exited(run, 0);
    EXPECT_EQ(run["truncated"], json(true));
    const std::string notes = run["notes"].dump();
    EXPECT_NE(notes.find("recording stopped early: the shared ring buffer was overwritten"), std::string::npos)
        << notes;
    EXPECT_EQ(notes.find("never loaded the preload library"), std::string::npos) << notes;
}

// Started with SIGCHLD ignored (inherited from a CI agent): the kernel would reap the
// target itself and record waited forever. The target must still start with exactly the
// dispositions it would have had without allocprof.
TEST_F(RecorderFaults, RecordReturnsWithSigchldIgnoredAndTheTargetKeepsItsDispositions) {
    const std::string wrapper = fault_program("with_signals_ignored");
    const std::vector<std::string> show = {"grep", "SigIgn", "/proc/self/status"};
    std::vector<std::string> alone_argv = {wrapper, "CHLD,HUP,INT"};
    alone_argv.insert(alone_argv.end(), show.begin(), show.end());
    ProcessResult alone = run_process(alone_argv, within(10s));
    ASSERT_TRUE(alone.exited_with(0)) << alone.describe();
    // SIGHUP (1), SIGINT (2) and SIGCHLD (17) ignored: mask 0x10003.
    ASSERT_NE(alone.out.find("0000000000010003"), std::string::npos) << alone.out;

    std::vector<std::string> argv = {wrapper, "CHLD,HUP,INT"};
    const std::vector<std::string> recording = record_argv(db(), show);
    argv.insert(argv.end(), recording.begin(), recording.end());
    ProcessResult rec = run_process(argv, within(30s));
    ASSERT_FALSE(rec.timed_out) << "record never returned with SIGCHLD ignored";
    EXPECT_TRUE(rec.exited_with(0)) << rec.describe();
    EXPECT_EQ(rec.out, alone.out);
    expect_exited(single_run(db()), 0);

    // And the target's own exit status is still seen (not the 125 of a lost child).
    std::vector<std::string> failing = {wrapper, "CHLD"};
    const std::vector<std::string> rec2 = record_argv(dir_ / "status.db", {"sh", "-c", "exit 3"});
    failing.insert(failing.end(), rec2.begin(), rec2.end());
    ProcessResult status = run_process(failing, within(30s));
    EXPECT_TRUE(status.exited_with(3)) << status.describe();
}

// Any local user can plant a FIFO at /tmp/perf-PID.map: opening it for reading blocked
// record forever after the target ended. It must be refused, said, and record return.
TEST_F(RecorderFaults, AFifoAtThePerfMapPathIsNotReadAndRecordReturns) {
    const fs::path pid_file = dir_ / "pid", gate = dir_ / "gate";
    RunningProcess rec = start_process(
        record_argv(db(), {fault_program("exit_when_told"), "100", pid_file.string(), gate.string()}), within(30s));
    const pid_t target = wait_for_pid_file(pid_file, 20s);
    ASSERT_GT(target, 0) << "the program did not start";
    const std::string fifo = "/tmp/perf-" + std::to_string(target) + ".map";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << fifo;
    touch(gate);
    ProcessResult result = rec.wait();
    fs::remove(fifo);
    ASSERT_FALSE(result.timed_out) << "record blocked on the FIFO";
    EXPECT_TRUE(result.exited_with(0)) << result.describe();
    EXPECT_NE(result.err.find("cannot keep " + fifo + ": not a regular file; not read"), std::string::npos)
        << result.err;
    expect_exited(single_run(db()), 0);
}

// Once the target has gone, SIGTERM must stop allocprof (it forwarded it to a pid that no
// longer existed and carried on). The work left here is a large perf map of the program's
// (500,000 JIT entries); the run itself is already written and must be complete.
TEST_F(RecorderFaults, SigtermAfterTheTargetEndedStopsRecordAndKeepsTheRun) {
    const fs::path pid_file = dir_ / "pid", gate = dir_ / "gate";
    RunningProcess rec = start_process(
        record_argv(db(), {fault_program("exit_when_told"), "1000", pid_file.string(), gate.string()}), within(60s));
    const pid_t target = wait_for_pid_file(pid_file, 20s);
    ASSERT_GT(target, 0) << "the program did not start";
    const std::string perf_map = "/tmp/perf-" + std::to_string(target) + ".map";
    {
        std::ofstream out(perf_map);
        char line[64];
        for (int i = 0; i < 500000; ++i) {
            std::snprintf(line, sizeof line, "%x 10 jit_function_%d\n", 0x10000000 + i * 16, i);
            out << line;
        }
    }
    touch(gate);
    const bool reaped = wait_until_reaped(target, 20s);
    std::this_thread::sleep_for(5ms);  // past the instant of the reap itself
    kill(rec.pid(), SIGTERM);
    ProcessResult result = rec.wait();
    fs::remove(perf_map);
    ASSERT_TRUE(reaped) << "the program did not end";
    ASSERT_FALSE(result.timed_out) << "SIGTERM was swallowed";
    EXPECT_EQ(result.term_signal, SIGTERM) << result.describe();
    json run = single_run(db());
    expect_exited(run, 0);
    EXPECT_EQ(run["truncated"], json(false));
    EXPECT_GE(count_of(run, "allocations"), 1000);
}

// A file system that can be filled: a small tmpfs mounted for the test (root only; else
// skipped with the reason).
class FullDisk : public RecorderFaults {
protected:
    // Mounts a tmpfs of `size` (mount's syntax) at disk_; the reason when it cannot.
    std::string mount_disk(const char* size) {
        disk_ = dir_ / "disk";
        fs::create_directories(disk_);
        const std::string options = std::string("size=") + size;
        if (mount("allocprof-test", disk_.c_str(), "tmpfs", 0, options.c_str()) != 0)
            return std::string("cannot mount a small tmpfs here (") + std::strerror(errno) +
                   "): the full-disk tests need root";
        mounted_ = true;
        return "";
    }
    void TearDown() override {
        if (mounted_) umount2(disk_.c_str(), MNT_DETACH);
    }
    // Fills the file system but for about `left` bytes.
    void fill_leaving(uint64_t left) {
        std::ofstream out(disk_ / "filler", std::ios::binary);
        const std::string chunk(4096, 'x');
        for (;;) {
            std::error_code ec;
            const fs::space_info space = fs::space(disk_, ec);
            if (ec || space.available <= left) break;
            out.write(chunk.data(), static_cast<std::streamsize>(std::min<uint64_t>(chunk.size(), space.available - left)));
            out.flush();
            if (!out) break;
        }
    }
    std::vector<std::string> leftovers() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(disk_))
            if (e.path().filename() != "filler") names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    fs::path disk_;
    bool mounted_ = false;
};

// The database fills the disk while the target runs: recording stops, the target is told
// to carry on untraced and finishes with its own output and status, record returns 125
// naming the file, and the file keeps what was written until then. Before, ingest stopped
// while the liveness socket stayed open, and the target waited for ring space forever.
TEST_F(FullDisk, ADatabaseThatFailsMidRunLetsTheTargetFinish) {
    // Room for the empty database and a few event chunks: the disk fills while the
    // program still has most of its 3 million operations to go.
    if (std::string why = mount_disk("512k"); !why.empty()) GTEST_SKIP() << why;
    const std::string program = fault_program("alloc_stress");
    const std::vector<std::string> command = {program, "1", "3000000", "7", "0"};
    ProcessResult alone = run_process(command, within(60s));
    ASSERT_TRUE(alone.exited_with(0)) << alone.describe();
    const fs::path run_db = disk_ / "run.db";
    Recording rec = record(run_db, command, {}, within(60s));
    ASSERT_FALSE(rec.process.timed_out) << "the target or the recorder hung";
    EXPECT_TRUE(rec.process.exited_with(125)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, alone.out) << "the target's own output";
    EXPECT_NE(rec.process.err.find(run_db.string()), std::string::npos) << rec.process.err;
    EXPECT_NE(rec.process.err.find("full"), std::string::npos) << rec.process.err;
    ASSERT_TRUE(fs::exists(run_db)) << "what was recorded is kept";
    EXPECT_GT(fs::file_size(run_db), 0u);
    // The transaction the full disk interrupted is rolled back when the file is next read.
    ProcessResult summary = run_summary(run_db);
    EXPECT_TRUE(summary.exited_with(0)) << summary.describe();
    EXPECT_NE(summary.out.find("incomplete"), std::string::npos) << summary.out;
    EXPECT_FALSE(fs::exists(run_db.string() + "-journal"));
}

// No room for even an empty database: nothing is left behind (a 0-byte file used to
// block the next run), the previous database stays as it was, and with room again the
// next run works and keeps that previous one.
TEST_F(FullDisk, AFullDiskAtCreationLeavesNothingAndKeepsThePrevious) {
    if (std::string why = mount_disk("1m"); !why.empty()) GTEST_SKIP() << why;
    const fs::path run_db = disk_ / "run.db";
    Recording first = record(run_db, {"true"}, {}, within(30s));
    ASSERT_TRUE(first.process.exited_with(0)) << first.process.describe();
    const auto size_before = fs::file_size(run_db);
    fill_leaving(8 * 1024);

    Recording full = record(run_db, {"true"}, {}, within(30s));
    EXPECT_TRUE(full.process.exited_with(125)) << full.process.describe();
    EXPECT_NE(full.process.err.find("cannot create " + run_db.string()), std::string::npos) << full.process.err;
    EXPECT_EQ(leftovers(), std::vector<std::string>{"run.db"}) << "no partial file, no temporary";
    EXPECT_EQ(fs::file_size(run_db), size_before);
    expect_exited(single_run(run_db), 0);

    fs::remove(disk_ / "filler");
    Recording again = record(run_db, {"true"}, {}, within(30s));
    EXPECT_TRUE(again.process.exited_with(0)) << again.process.describe();
    EXPECT_EQ(leftovers(), (std::vector<std::string>{"run.db", "run.db.old"}));
    EXPECT_EQ(fs::file_size(disk_ / "run.db.old"), size_before);
}

}  // namespace
}  // namespace allocprof::stress
