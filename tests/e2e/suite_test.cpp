// suite_test.cpp — `allocprof suite` end to end: scenarios recorded and analysed into one
// database (repetitions, measured phase, environment), a failing scenario reported while
// the others are kept, a bad suite file refused naming the key, and a suite pair whose
// only difference is HOT_LOOP_EXTRA=1 compared: exactly +1 allocs/op in the measured phase.
#include <fstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class Suite : public E2eTest {
protected:
    std::filesystem::path write_suite(const std::string& name, const json& suite) {
        const auto path = dir_ / name;
        std::ofstream(path) << suite.dump(2);
        return path;
    }
    static ProcessResult run_suite(const std::filesystem::path& suite, const std::filesystem::path& out) {
        return run_process({allocprof_binary().string(), "suite", suite.string(), "-o", out.string()});
    }
    static json hot_scenario(bool extra) {
        json s = {{"name", "hot"},
                  {"command", {sample_binary("hot_loop").string(), "1000"}},
                  {"ops", "markers"},
                  {"measure_phase", "execute"},
                  {"repeat", 2}};
        if (extra) s["env"] = {{"HOT_LOOP_EXTRA", "1"}};
        return s;
    }
};

TEST_F(Suite, ThreeScenariosOneFailsTheOthersAreRecorded) {
    json suite = {{"scenarios",
                   {hot_scenario(false),
                    {{"name", "exits-3"}, {"command", {sample_binary("exit_status").string()}}},
                    {{"name", "markers"}, {"command", {sample_binary("markers").string()}}, {"ops", "markers"}}}}};
    const auto out = dir_ / "baseline.db";
    auto p = run_suite(write_suite("suite.json", suite), out);
    EXPECT_TRUE(p.exited_with(1)) << p.describe();
    EXPECT_NE(p.out.find("FAIL exits-3: command failed with exit status 3"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("ok   hot: 2 runs: 1 allocs/op, 48 B/op"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("(phase execute)"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("ok   markers: 1 run:"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("1 of 3 scenarios failed"), std::string::npos) << p.out;

    RunDatabase d(out);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM runs WHERE scenario = 'hot'"), 2);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM runs WHERE scenario = 'markers'"), 1);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM runs WHERE scenario = 'exits-3'"), 0);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM runs"), 3);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM analysis"), 3);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM sites s LEFT JOIN runs r USING (run_id) WHERE r.run_id IS NULL"), 0);
    // Every merged run kept its own rows: per-run site and window counts match.
    EXPECT_EQ(d.scalar("SELECT count(DISTINCT run_id) FROM analysis_windows"), 3);
    EXPECT_EQ(d.scalar("SELECT allocations FROM analysis_windows WHERE window = 'execute' AND run_id = "
                       "(SELECT max(run_id) FROM runs WHERE scenario = 'hot')"), 1000);
    auto meta = json::parse(d.query("SELECT value FROM meta WHERE key = 'suite'")[0].text(0));
    EXPECT_EQ(meta["scenarios"]["hot"]["measure_phase"], "execute");
}

TEST_F(Suite, ExtraAllocationPerOpComparesAsExactlyOneMorePerOp) {
    const auto base = dir_ / "base.db", head = dir_ / "head.db";
    ASSERT_TRUE(run_suite(write_suite("base.json", {{"scenarios", {hot_scenario(false)}}}), base).exited_with(0));
    ASSERT_TRUE(run_suite(write_suite("head.json", {{"scenarios", {hot_scenario(true)}}}), head).exited_with(0));
    auto p = run_process({allocprof_binary().string(), "compare", base.string(), head.string(), "--format", "json"});
    EXPECT_TRUE(p.exited_with(1)) << p.describe();
    json c = json::parse(p.out);
    ASSERT_EQ(c["scenarios"].size(), 1u);
    EXPECT_EQ(c["scenarios"][0]["window"], "phase execute");
    EXPECT_EQ(c["scenarios"][0]["metrics"]["allocs_per_op"]["old"], 1.0);
    EXPECT_EQ(c["scenarios"][0]["metrics"]["allocs_per_op"]["delta"], 1.0);
    EXPECT_EQ(c["scenarios"][0]["metrics"]["allocs_per_op"]["noise"], 0.0);  // deterministic repeats
    ASSERT_EQ(c["sites"].size(), 1u);
    EXPECT_EQ(c["sites"][0]["head"]["function"], "extra_scratch");

    auto same = run_process({allocprof_binary().string(), "compare", base.string(), base.string()});
    EXPECT_TRUE(same.exited_with(0)) << same.describe();
}

TEST_F(Suite, BadSuiteFileNamesTheFileAndKey) {
    json suite = {{"scenarios", {{{"name", "x"}, {"command", {"true"}}, {"repeats", 2}}}}};
    const auto path = write_suite("bad.json", suite);
    auto p = run_suite(path, dir_ / "out.db");
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find(path.string() + ": scenarios[0]: unknown key 'repeats'"), std::string::npos) << p.err;

    const auto no_command = write_suite("nocmd.json", {{"scenarios", {{{"name", "x"}}}}});
    p = run_suite(no_command, dir_ / "out.db");
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find("nocmd.json: scenarios[0] (x): missing key 'command'"), std::string::npos) << p.err;

    const auto bad_ops = write_suite("ops.json", {{"scenarios", {{{"name", "x"}, {"command", {"true"}}, {"ops", "lots"}}}}});
    p = run_suite(bad_ops, dir_ / "out.db");
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find("ops.json: scenarios[0] (x).ops"), std::string::npos) << p.err;

    p = run_suite(dir_ / "absent.json", dir_ / "out.db");
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find("absent.json: cannot read the suite file"), std::string::npos) << p.err;
}

TEST_F(Suite, TheBundledSampleSuiteIsValid) {
    // Only its hot-loop scenario is run here (the whole suite runs lua5.4 and takes longer):
    // the file parses, its substitutions resolve, and its budgets are well-formed.
    std::ifstream in(samples_source_dir() / "suite" / "suite.json");
    json suite = json::parse(in);
    json hot;
    for (const auto& s : suite["scenarios"])
        if (s["name"] == "hot-loop") hot = s;
    ASSERT_FALSE(hot.is_null());
    suite["scenarios"] = json::array({hot});
    const auto path = write_suite("sample.json", suite);
    auto p = run_process({allocprof_binary().string(), "suite", path.string(), "-o", (dir_ / "s.db").string()},
                         {std::chrono::seconds(90), {{"ALLOCPROF_BUILD", sample_binary("").parent_path().parent_path().string()}}, {}, {}});
    EXPECT_TRUE(p.exited_with(0)) << p.describe() << p.out;
    EXPECT_NE(p.out.find("ok   hot-loop: 2 runs: 1 allocs/op"), std::string::npos) << p.out;
}

}  // namespace
}  // namespace allocprof::e2e
