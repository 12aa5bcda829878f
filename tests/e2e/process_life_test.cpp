// process_life_test.cpp — fork, exec, dlopen/dlclose, signals during allocation, exit
// codes and deaths by signal: each recorded correctly, the exit status reproduced.
// Only the process allocprof launched is traced, so the parent's counts are exact.
#include <signal.h>

#include <regex>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class ProcessLife : public E2eTest {};

// samples/c/fork_children.c: one child allocates and exits, one execs; neither is traced.
TEST_F(ProcessLife, ForkedAndExecedChildrenAreNotCounted) {
    Recording rec = record_to_db({sample_binary("fork_children").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 0);
    // Parent only (fork_children.c): 4 x malloc(1000) + malloc(4096) before the forks,
    // 6 x calloc(10, 10) after; all freed but the 4096-byte block.
    expect_count(run, "allocations", 11);
    expect_count(run, "bytes_allocated", 8696);
    expect_count(run, "frees", 10);
    expect_count(run, "unfreed_blocks", 1);
    expect_count(run, "unfreed_bytes", 4096);
    expect_count(run, "peak_live_bytes", 8096);
    expect_count(run, "unmatched_frees", 0);
    expect_count(run, "threads", 1);
}

// samples/c/dlopen_plugin.c + plugin.c: the plugin allocates 1000 list nodes and is
// unloaded before main frees them. The stacks through the plugin must still be attributed
// to the plugin's module.
TEST_F(ProcessLife, DlopenedLibraryThatAllocates) {
    const std::filesystem::path plugin = plugin_library();
    Recording rec = record_to_db({sample_binary("dlopen_plugin").string(), plugin.string(), "1000"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 0);
    expect_count(run, "unmatched_frees", 0);

    RunDatabase database(db());
    const std::string canonical = std::filesystem::canonical(plugin).string();
    const std::string module_match =
        "(m.path = '" + plugin.string() + "' OR m.path = '" + canonical + "')";
    ASSERT_EQ(database.scalar("SELECT COUNT(*) FROM modules m WHERE " + module_match), 1)
        << "the plugin must appear once in the module map";

    // Every allocating stack with a frame inside the plugin: the plugin's nodes and all
    // nodes below them (inner frames), summed over stack_stats.
    const std::string sql =
        "WITH RECURSIVE in_plugin(node_id) AS ("
        "  SELECT t.node_id FROM trace_nodes t JOIN modules m"
        "    ON m.run_id = t.run_id AND m.module_id = t.module_id WHERE " + module_match +
        "  UNION SELECT c.node_id FROM trace_nodes c JOIN in_plugin p ON c.parent_id = p.node_id)"
        " SELECT COALESCE(SUM(allocations), 0), COALESCE(SUM(bytes_allocated), 0),"
        "        COALESCE(SUM(frees), 0), COALESCE(SUM(live_end_blocks), 0)"
        " FROM stack_stats WHERE node_id IN (SELECT node_id FROM in_plugin)";
    std::vector<Row> rows = database.query(sql);
    ASSERT_EQ(rows.size(), 1u);
    // plugin.c: node i is malloc(16 + 8 * (i % 4)); 250 * (16 + 24 + 32 + 40) = 28,000.
    EXPECT_EQ(rows[0].int64(0), 1000) << "allocations inside the plugin";
    EXPECT_EQ(rows[0].int64(1), 28000) << "bytes allocated inside the plugin";
    EXPECT_EQ(rows[0].int64(2), 1000) << "plugin blocks freed (by main, after dlclose)";
    EXPECT_EQ(rows[0].int64(3), 0) << "plugin blocks live at the end";
    // The loader's own allocations come on top, so the run total is at least the planted.
    EXPECT_GE(count_of(run, "allocations"), 1000);
}

// samples/c/signal_during_alloc.c: SIGALRM every 200 us during malloc/realloc/free rounds.
TEST_F(ProcessLife, SignalHandlerDuringAllocationHeavyWork) {
    Recording rec = record_to_db({sample_binary("signal_during_alloc").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    std::smatch m;
    const std::string out = rec.process.out;
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(rounds=([0-9]+)\nsignals=([0-9]+))")))
        << out;
    const long long rounds = std::stoll(m[1]);
    const long long signals = std::stoll(m[2]);
    EXPECT_GE(signals, 20);
    json run = single_run(db());
    expect_exited(run, 0);
    // Per round: 10000 x {malloc(48), realloc to 96, free}.
    expect_count(run, "allocations", 20000 * rounds);
    expect_count(run, "bytes_allocated", 1440000 * rounds);
    expect_count(run, "frees", 20000 * rounds);
    expect_count(run, "reallocs", 10000 * rounds);
    expect_count(run, "unfreed_blocks", 0);
    expect_count(run, "unmatched_frees", 0);
}

// samples/c/exit_status.c: exit(3) with one block live.
TEST_F(ProcessLife, ExitStatusThreeIsReproduced) {
    Recording rec = record_to_db({sample_binary("exit_status").string()});
    ASSERT_TRUE(rec.process.exited_with(3)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 3);
    EXPECT_EQ(run["truncated"], json(false));
    expect_count(run, "allocations", 5);
    expect_count(run, "bytes_allocated", 1000);
    expect_count(run, "frees", 4);
    expect_count(run, "unfreed_blocks", 1);
    expect_count(run, "unfreed_bytes", 200);
}

// The shell execs a statically linked program (Debian's ldconfig): the stream stops
// without an end record and without a new image saying hello. The note must not claim the
// program called _exit; it names the exec as a possible cause.
TEST_F(ProcessLife, AnExecIntoAnUntracedProgramIsNamedInTheNote) {
    if (!std::filesystem::exists("/sbin/ldconfig")) GTEST_SKIP() << "no /sbin/ldconfig";
    Recording rec = record_to_db({"sh", "-c", "exec /sbin/ldconfig -p > /dev/null"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 0);
    EXPECT_EQ(run["truncated"], json(true));
    const std::string notes = run["notes"].dump();
    EXPECT_NE(notes.find("or exec'd a program that does not load the preload library"), std::string::npos)
        << notes;
}

// The run's peak RSS is the target's own. The child's ru_maxrss is not: Linux folds the
// pre-exec image's peak into it, and that image was a forked copy of allocprof (13 MB
// reported for `true`, which peaks at about 1 MB alone).
TEST_F(ProcessLife, PeakRssIsTheTargetsOwnNotTheForkedProfilers) {
    Recording small = record(dir_ / "true.db", {"true"});
    ASSERT_TRUE(small.process.exited_with(0)) << small.process.describe();
    EXPECT_LT(count_of(single_run(small.db), "peak_rss_bytes"), 5ll << 20);

    // 64 MiB written, so resident: the peak holds it, and not much more.
    Recording big = record(dir_ / "big.db", {"python3", "-c", "b = b'x' * (64 << 20)"});
    ASSERT_TRUE(big.process.exited_with(0)) << big.process.describe();
    const long long peak = count_of(single_run(big.db), "peak_rss_bytes");
    EXPECT_GE(peak, 64ll << 20);
    EXPECT_LT(peak, 128ll << 20);
}

// samples/c/killed_by_signal.c: dies by SIGTERM (raise) or SIGABRT (abort).
struct SignalCase {
    const char* how;  // argv[1] of the sample
    int signo;
};
void PrintTo(const SignalCase& c, std::ostream* os) { *os << c.how; }

class KilledBySignal : public E2eTest, public ::testing::WithParamInterface<SignalCase> {};

TEST_P(KilledBySignal, StatusIs128PlusSignalAndCountsAreKept) {
    const auto& [how, signo] = GetParam();
    Recording rec = record_to_db({sample_binary("killed_by_signal").string(), how});
    ASSERT_TRUE(rec.process.exited_with(128 + signo)) << rec.process.describe();
    json run = single_run(db());
    expect_killed(run, signo);
    // killed_by_signal.c: 3 x malloc(300), one freed, then calloc(1, 50), then the signal.
    expect_count(run, "allocations", 4);
    expect_count(run, "bytes_allocated", 950);
    expect_count(run, "frees", 1);
    expect_count(run, "unfreed_blocks", 3);
    expect_count(run, "unfreed_bytes", 650);
}

INSTANTIATE_TEST_SUITE_P(Signals, KilledBySignal,
                         ::testing::Values(SignalCase{"TERM", SIGTERM}, SignalCase{"ABRT", SIGABRT}),
                         [](const auto& param_info) { return std::string(param_info.param.how); });

}  // namespace
}  // namespace allocprof::e2e
