// compare_test.cpp — `allocprof compare` end to end on samples/suite/hot_loop.c, whose
// allocations per op are known: HOT_LOOP_EXTRA=1 adds exactly one malloc(24) per op in
// extra_scratch. The regression is named with Δ allocs/op = +1 and exit 1; the same build
// (even recorded twice) and a rebuild that only shifts lines give no findings; budgets,
// bad databases and mismatched analysis parameters give the documented exit codes.
#include <fstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class Compare : public E2eTest {
protected:
    // Records hot_loop (1000 ops, counted by markers) as scenario "hot" into dir/name.
    std::filesystem::path record_hot(const std::string& name, bool extra,
                                     const std::filesystem::path& binary = sample_binary("hot_loop")) {
        ProcessOptions options;
        if (extra) options.set_env.emplace_back("HOT_LOOP_EXTRA", "1");
        else options.unset_env.push_back("HOT_LOOP_EXTRA");
        const auto path = dir_ / name;
        auto rec = record(path, {binary.string(), "1000"}, {"--scenario", "hot"}, options);
        if (!rec.process.exited_with(0)) throw std::runtime_error("record failed: " + rec.process.describe());
        analyze(path);
        return path;
    }
    static void analyze(const std::filesystem::path& db, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = {allocprof_binary().string(), "analyze", db.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto p = run_process(argv);
        if (!p.exited_with(0)) throw std::runtime_error("analyze failed: " + p.describe());
    }
    static ProcessResult compare(const std::filesystem::path& base, const std::filesystem::path& head,
                                 const std::vector<std::string>& extra = {}, const ProcessOptions& options = {}) {
        std::vector<std::string> argv = {allocprof_binary().string(), "compare", base.string(), head.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_process(argv, options);
    }
    static json compare_json(const std::filesystem::path& base, const std::filesystem::path& head, int expected_exit) {
        auto p = compare(base, head, {"--format", "json"});
        EXPECT_TRUE(p.exited_with(expected_exit)) << p.describe();
        return json::parse(p.out);
    }
    static void expect_no_findings(const json& c) {
        EXPECT_EQ(c["verdict"], "ok");
        EXPECT_EQ(c["regressions"], 0);
        EXPECT_EQ(c["budgets_exceeded"], 0);
        EXPECT_TRUE(c["sites"].empty()) << c["sites"].dump(2);
        for (const auto& s : c["scenarios"])
            for (const auto& m : s["metrics"].items()) EXPECT_EQ(m.value()["delta"], 0.0) << s["name"] << " " << m.key();
    }
};

TEST_F(Compare, OneMoreAllocationPerOpIsNamedWithItsDeltaAndFails) {
    const auto base = record_hot("base.db", false);
    const auto head = record_hot("head.db", true);
    json c = compare_json(base, head, 1);
    EXPECT_EQ(c["verdict"], "regression");
    ASSERT_EQ(c["scenarios"].size(), 1u);
    EXPECT_TRUE(c["scenarios"][0]["regression"]);
    // Whole run: 1001 -> 2001 allocations over 1000 ops.
    EXPECT_NEAR(c["scenarios"][0]["metrics"]["allocs_per_op"]["delta"].get<double>(), 1.0, 1e-12);
    ASSERT_EQ(c["sites"].size(), 1u) << c["sites"].dump(2);
    const json& site = c["sites"][0];
    EXPECT_EQ(site["kind"], "new");
    EXPECT_TRUE(site["regression"]);
    EXPECT_EQ(site["head"]["function"], "extra_scratch");
    EXPECT_EQ(site["delta"]["allocs_per_op"]["delta"], 1.0);
    EXPECT_EQ(site["delta"]["bytes_per_op"]["delta"], 24.0);

    auto md = compare(base, head);
    EXPECT_TRUE(md.exited_with(1)) << md.describe();
    EXPECT_EQ(md.out.rfind("❌ **allocprof compare:", 0), 0u) << "the verdict comes first:\n" << md.out;
    EXPECT_NE(md.out.find("`extra_scratch`"), std::string::npos) << md.out;
    EXPECT_NE(md.out.find("+1 (0 → 1)"), std::string::npos) << md.out;
}

TEST_F(Compare, TheSameBuildHasNoFindings) {
    const auto base = record_hot("base.db", false);
    const auto again = record_hot("again.db", false);
    expect_no_findings(compare_json(base, base, 0));
    expect_no_findings(compare_json(base, again, 0));  // deterministic: zero deltas
}

TEST_F(Compare, ARebuildThatOnlyShiftsLinesHasNoFindings) {
    const auto original = record_hot("original.db", false, sample_binary("suite_rebuild/original/hot_loop"));
    const auto shifted = record_hot("shifted.db", false, sample_binary("suite_rebuild/shifted/hot_loop"));
    {
        RunDatabase o(original), s(shifted);
        ASSERT_EQ(o.scalar("SELECT line FROM sites WHERE function = 'make_key'") + 2,
                  s.scalar("SELECT line FROM sites WHERE function = 'make_key'"))
            << "the two builds must differ by two lines at make_key";
    }
    json c = compare_json(original, shifted, 0);
    expect_no_findings(c);
    EXPECT_GE(c["paired_by_function"].get<int>(), 1);
}

TEST_F(Compare, BudgetExceededFailsWithTheBudgetQuoted) {
    const auto base = record_hot("base.db", false);
    const auto budget = dir_ / "budget.json";
    std::ofstream(budget) << R"({"budgets": [{"scenario": "hot", "phase": "execute", "metric": "allocs_per_op", "max": 0},
                                             {"scenario": "hot", "metric": "peak_live_bytes", "max": 307200}]})";
    auto p = compare(base, base, {"--budget", budget.string()});
    EXPECT_TRUE(p.exited_with(1)) << p.describe();
    const std::string quoted = R"({"max":0,"metric":"allocs_per_op","phase":"execute","scenario":"hot"})";
    EXPECT_NE(p.out.find("budget exceeded " + quoted), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("allocs_per_op = 1 > max 0"), std::string::npos) << p.out;
    EXPECT_NE(p.err.find(quoted), std::string::npos) << p.err;
    EXPECT_NE(p.out.find("✅ budget met"), std::string::npos) << "the peak budget is met:\n" << p.out;

    std::ofstream(budget) << R"({"budgets": [{"scenario": "hot", "metrc": "allocs_per_op", "max": 0}]})";
    auto bad = compare(base, base, {"--budget", budget.string()});
    EXPECT_TRUE(bad.exited_with(2)) << bad.describe();
    EXPECT_NE(bad.err.find("budget.json: budgets[0]: unknown key 'metrc'"), std::string::npos) << bad.err;
}

TEST_F(Compare, ThresholdsFromTheCommandLine) {
    const auto base = record_hot("base.db", false);
    const auto head = record_hot("head.db", true);
    // +1 allocs/op is +100 %: a 200 % threshold lets it pass; the new site is still listed.
    auto p = compare(base, head, {"--threshold", "allocs_per_op=200%,2", "--threshold", "bytes_per_op=100%,100",
                                  "--threshold", "gen0_star_per_1k=100%", "--format", "json"});
    EXPECT_TRUE(p.exited_with(0)) << p.describe();
    json c = json::parse(p.out);
    EXPECT_EQ(c["sites"].size(), 1u);
    EXPECT_FALSE(c["sites"][0]["regression"]);
    auto bad = compare(base, head, {"--threshold", "allocs=1%"});
    EXPECT_TRUE(bad.exited_with(2)) << bad.describe();
    EXPECT_NE(bad.err.find("unknown metric 'allocs'"), std::string::npos) << bad.err;
}

TEST_F(Compare, MissingCorruptAndForeignDatabasesAreRefused) {
    const auto base = record_hot("base.db", false);
    const auto missing = dir_ / "missing.db";
    const auto corrupt = dir_ / "corrupt.db";
    std::ofstream(corrupt) << std::string(5000, 'x');
    const auto foreign = dir_ / "foreign.db";
    execute_sql_file(foreign, "CREATE TABLE t(a); INSERT INTO t VALUES (1);");
    for (const auto& bad : {missing, corrupt, foreign}) {
        for (bool bad_is_head : {false, true}) {
            auto p = bad_is_head ? compare(base, bad) : compare(bad, base);
            EXPECT_TRUE(p.exited_with(2)) << bad << ": " << p.describe();
            EXPECT_NE(p.err.find(bad.string()), std::string::npos) << "names the file: " << p.err;
            EXPECT_TRUE(p.out.empty()) << p.out;
        }
    }
}

TEST_F(Compare, MismatchedAnalysisParametersAreRefused) {
    const auto base = record_hot("base.db", false);
    const auto small_b0 = record_hot("b0.db", false);
    analyze(small_b0, {"--gen0-budget", "4096"});
    auto p = compare(base, small_b0);
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find("different parameters"), std::string::npos) << p.err;
    EXPECT_NE(p.err.find("B0 = 4096 B"), std::string::npos) << p.err;

    const auto other_l = record_hot("l.db", false);
    const auto config = dir_ / "config.json";
    std::ofstream(config) << R"({"analysis": {"large_object_threshold": 1000}})";
    analyze(other_l, {"--config", config.string()});
    auto q = compare(other_l, base);
    EXPECT_TRUE(q.exited_with(2)) << q.describe();
    EXPECT_NE(q.err.find("L = 1000 B"), std::string::npos) << q.err;
}

TEST_F(Compare, AFileWithoutAnalysisIsAnalysedFirst) {
    const auto base = record_hot("base.db", false);
    const auto raw = dir_ / "raw.db";
    auto rec = record(raw, {sample_binary("hot_loop").string(), "1000"}, {"--scenario", "hot"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    auto p = compare(base, raw, {"--format", "json"});
    EXPECT_TRUE(p.exited_with(0)) << p.describe();
    EXPECT_NE(p.err.find("has no analysis; analysing it first"), std::string::npos) << p.err;
    expect_no_findings(json::parse(p.out));
    EXPECT_EQ(RunDatabase(raw).scalar("SELECT count(*) FROM analysis"), 1);
}

TEST_F(Compare, MarkdownIsAppendedToTheGithubStepSummary) {
    const auto base = record_hot("base.db", false);
    const auto head = record_hot("head.db", true);
    const auto summary = dir_ / "summary.md";
    std::ofstream(summary) << "earlier step\n";
    ProcessOptions options;
    options.set_env.emplace_back("GITHUB_STEP_SUMMARY", summary.string());
    auto p = compare(base, head, {"--format", "json", "-o", (dir_ / "c.json").string()}, options);
    EXPECT_TRUE(p.exited_with(1)) << p.describe();
    std::ifstream in(summary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.rfind("earlier step\n❌ **allocprof compare:", 0), 0u) << text;
    EXPECT_NE(text.find("extra_scratch"), std::string::npos) << text;
    std::ifstream j(dir_ / "c.json");
    EXPECT_EQ(json::parse(j)["verdict"], "regression");
}

}  // namespace
}  // namespace allocprof::e2e
