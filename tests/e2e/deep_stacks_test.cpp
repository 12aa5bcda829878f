// deep_stacks_test.cpp — `record --max-frames N`: stacks deeper than N frames keep their
// innermost N frames under a truncation node and are counted and flagged as truncated
// (samples/c/deep_stacks.c: two paths 600 frames deep that share their innermost frames;
// samples/c/small_stack_thread.c: the hook on a thread with a 64 KiB stack). Each rule is
// also checked where it must not fire: stacks within the limit are never marked.
#include <algorithm>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class DeepStacks : public E2eTest {
protected:
    // The site of `function` in `allocprof top --json`; fails the test if there is none.
    static json site_of(const json& top, const std::string& function) {
        for (const json& s : top["sites"])
            if (s["function"] == function) return s;
        ADD_FAILURE() << "no site " << function << " in " << top.dump(1);
        return json::object();
    }

    // The allocations of each stack of the site `function`, ascending.
    std::vector<int64_t> stack_allocations(const std::string& function) const {
        RunDatabase database(db());
        std::vector<int64_t> counts;
        for (const Row& row : database.query(
                 "SELECT st.allocations FROM stack_stats st JOIN stack_sites ss ON ss.run_id = st.run_id AND "
                 "ss.node_id = st.node_id JOIN sites s ON s.run_id = ss.run_id AND s.site_id = ss.site_id "
                 "WHERE s.function = '" + function + "' ORDER BY st.allocations"))
            counts.push_back(row.int64(0));
        return counts;
    }

    ProcessResult allocprof(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {allocprof_binary().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv);
    }

    // The stack's native depth from its leaf node up to the root.
    int64_t depth_of_top_stack(const std::string& function) const {
        RunDatabase database(db());
        return database.scalar(
            "WITH RECURSIVE up(node, n) AS (SELECT top_node, 1 FROM sites WHERE function = '" + function +
            "' UNION ALL SELECT t.parent_id, up.n + 1 FROM up JOIN trace_nodes t ON t.node_id = up.node "
            "WHERE t.parent_id <> 0) SELECT max(n) FROM up");
    }
};

TEST_F(DeepStacks, DefaultLimitKeepsTwoPathsApart) {
    Recording rec = record_to_db({sample_binary("deep_stacks").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    ASSERT_EQ(rec.process.out, "allocations=8\n");
    json run = single_run(db());
    expect_count(run, "max_frames", 1024);
    expect_count(run, "truncated_stacks", 0);
    expect_count(run, "truncated_allocations", 0);
    json site = site_of(top_json(db()), "allocate_at_bottom");
    EXPECT_EQ(site["allocations"], 8);
    EXPECT_EQ(site["stacks"], 2) << "path A and path B are two stacks";
    EXPECT_EQ(site["truncated_stacks"], 0);
    EXPECT_EQ(site["truncated_allocations"], 0);
    EXPECT_EQ(stack_allocations("allocate_at_bottom"), (std::vector<int64_t>{3, 5}));
    EXPECT_GT(depth_of_top_stack("allocate_at_bottom"), 600) << "the whole recursion is recorded";
    RunDatabase database(db());
    EXPECT_EQ(database.scalar("SELECT count(*) FROM trace_nodes WHERE truncated_beyond IS NOT NULL"), 0);
    EXPECT_EQ(database.scalar("SELECT count(*) FROM stack_stats WHERE truncated <> 0"), 0);
    ProcessResult summary = run_summary(db());
    EXPECT_EQ(summary.out.find("truncated stacks"), std::string::npos) << summary.out;
}

TEST_F(DeepStacks, SmallLimitMarksTheMergedStack) {
    Recording rec = record_to_db({sample_binary("deep_stacks").string()}, {"--max-frames", "64"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_count(run, "max_frames", 64);
    expect_count(run, "truncated_stacks", 1);
    expect_count(run, "truncated_allocations", 8);
    // The two paths share their innermost 64 frames: one stack of 3 + 5, marked.
    json top = top_json(db());
    EXPECT_EQ(top["max_frames"], 64);
    json site = site_of(top, "allocate_at_bottom");
    EXPECT_EQ(site["allocations"], 8);
    EXPECT_EQ(site["stacks"], 1);
    EXPECT_EQ(site["truncated_stacks"], 1);
    EXPECT_EQ(site["truncated_allocations"], 8);
    EXPECT_EQ(stack_allocations("allocate_at_bottom"), (std::vector<int64_t>{8}));
    // The stack shown ends with the truncation frame, however many frames are shown before it.
    ASSERT_FALSE(site["stack"].empty());
    EXPECT_EQ(site["stack"].back()["function"], "[truncated: more than 64 frames]") << site["stack"].dump(1);
    EXPECT_EQ(site["stack"].back()["module"], "[truncated]");
    // 64 native frames under the one truncation node, directly under the root.
    RunDatabase database(db());
    EXPECT_EQ(database.scalar("SELECT count(*) FROM trace_nodes WHERE truncated_beyond IS NOT NULL"), 1);
    EXPECT_EQ(database.scalar("SELECT truncated_beyond FROM trace_nodes WHERE truncated_beyond IS NOT NULL "
                              "AND parent_id = 0 AND module_id IS NULL"),
              64);
    EXPECT_EQ(depth_of_top_stack("allocate_at_bottom"), 64 + 1);
    // Every other site's stacks (start-up, exit) are shallow and stay unmarked.
    for (const json& s : top["sites"])
        if (s["function"] != "allocate_at_bottom") EXPECT_EQ(s["truncated_stacks"], 0) << s.dump(1);
    // Said in summary, top and the report, with the option to use.
    ProcessResult summary = run_summary(db());
    EXPECT_NE(summary.out.find("truncated stacks 1 stack (8 allocations) had more than 64 frames"),
              std::string::npos)
        << summary.out;
    EXPECT_NE(summary.out.find("--max-frames 256"), std::string::npos) << summary.out;
    ProcessResult text = allocprof({"top", db().string()});
    ASSERT_TRUE(text.exited_with(0)) << text.describe();
    EXPECT_NE(text.out.find("truncated: 1 stack (8 allocations) deeper than 64 frames"), std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("      at [truncated: more than 64 frames]\n"), std::string::npos) << text.out;
    ProcessResult report = allocprof({"report", db().string()});
    ASSERT_TRUE(report.exited_with(0)) << report.describe();
    EXPECT_NE(report.out.find("`allocate_at_bottom` at "), std::string::npos) << report.out;
    EXPECT_NE(report.out.find("(truncated stacks)"), std::string::npos) << report.out;
    EXPECT_NE(report.out.find("- **Stacks**: 1 stack (8 allocations) had more than 64 frames"), std::string::npos)
        << report.out;
}

TEST_F(DeepStacks, ShallowStacksAreNeverMarked) {
    Recording rec = record_to_db({sample_binary("deep_stacks").string(), "10"}, {"--max-frames", "64"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_count(run, "max_frames", 64);
    expect_count(run, "truncated_stacks", 0);
    expect_count(run, "truncated_allocations", 0);
    json top = top_json(db());
    json site = site_of(top, "allocate_at_bottom");
    EXPECT_EQ(site["stacks"], 2);
    EXPECT_EQ(stack_allocations("allocate_at_bottom"), (std::vector<int64_t>{3, 5}));
    for (const json& s : top["sites"]) EXPECT_EQ(s["truncated_stacks"], 0) << s.dump(1);
    RunDatabase database(db());
    EXPECT_EQ(database.scalar("SELECT count(*) FROM trace_nodes WHERE truncated_beyond IS NOT NULL"), 0);
    ProcessResult text = allocprof({"top", db().string()});
    EXPECT_EQ(text.out.find("truncated"), std::string::npos) << text.out;
    ProcessResult report = allocprof({"report", db().string()});
    ASSERT_TRUE(report.exited_with(0)) << report.describe();
    EXPECT_EQ(report.out.find("truncated stacks"), std::string::npos) << report.out;
    EXPECT_EQ(report.out.find("more than 64 frames"), std::string::npos) << report.out;
}

TEST_F(DeepStacks, SmallThreadStackWithTheLargestLimit) {
    Recording rec = record_to_db({sample_binary("small_stack_thread").string()}, {"--max-frames", "8192"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    ASSERT_EQ(rec.process.out, "allocations=7\n");
    json run = single_run(db());
    expect_count(run, "max_frames", 8192);
    expect_count(run, "truncated_stacks", 0);
    expect_count(run, "threads", 2);
    json site = site_of(top_json(db()), "allocate_on_small_stack");
    EXPECT_EQ(site["allocations"], 7);
    EXPECT_EQ(site["frees"], 7);
    EXPECT_EQ(site["bytes_allocated"], 7 * 24);
    EXPECT_GT(depth_of_top_stack("allocate_on_small_stack"), 50);
}

// record's usage errors exit 125 (README.md, "Exit status"): its other statuses are the
// program's own, and a 2 would read as the program's.
TEST_F(DeepStacks, MaxFramesOutsideItsRangeIsAUsageError) {
    for (const std::string value : {"0", "abc", "100000", "15", "8193", "-5"}) {
        ProcessResult r = allocprof({"record", "--max-frames", value, "-o", db().string(), "--",
                                     sample_binary("deep_stacks").string()});
        EXPECT_TRUE(r.exited_with(125)) << value << ": " << r.describe();
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << value << ": one line: " << r.err;
        EXPECT_TRUE(r.out.empty()) << value << ": the program must not run: " << r.out;
        EXPECT_NE(r.err.find("--max-frames"), std::string::npos) << value << ": " << r.err;
        EXPECT_NE(r.err.find("16 to 8192"), std::string::npos) << value << ": " << r.err;
        EXPECT_FALSE(std::filesystem::exists(db())) << value;
    }
    // Both ends of the range are accepted.
    for (const std::string value : {"16", "8192"}) {
        Recording rec = record_to_db({sample_binary("deep_stacks").string(), "10"}, {"--max-frames", value});
        EXPECT_TRUE(rec.process.exited_with(0)) << value << ": " << rec.process.describe();
        std::filesystem::remove(db());
        std::filesystem::remove(db().string() + ".old");
    }
}

}  // namespace
}  // namespace allocprof::e2e
