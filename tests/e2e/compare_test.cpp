// compare_test.cpp — `allocprof compare` end to end on samples/suite/hot_loop.c, whose
// allocations per op are known: HOT_LOOP_EXTRA=1 adds exactly one malloc(24) per op in
// extra_scratch. The regression is named with Δ allocs/op = +1 and exit 1; the same build
// (even recorded twice) and a rebuild that only shifts lines give no findings; budgets,
// bad databases and mismatched analysis parameters give the documented exit codes.
// Two builds under two names (hot_loop as minivm, its HOT_LOOP_KEYS=2 build as
// minivm-fixed: make_key 1000 -> 2000 allocations) pair their sites, in compare and in
// --ab, which shows both sides' exact figures and exits 0; two different programs do not.
#include <filesystem>
#include <fstream>
#include <set>

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
    // `binary` copied into this test's directory as `name` (an executable of another name).
    std::filesystem::path renamed(const std::filesystem::path& binary, const std::string& name) const {
        const auto to = dir_ / name;
        std::filesystem::copy_file(binary, to, std::filesystem::copy_options::overwrite_existing);
        std::filesystem::permissions(to, std::filesystem::perms::owner_all);
        return to;
    }
    // hot_loop recorded as minivm (A) and its HOT_LOOP_KEYS=2 build as minivm-fixed (B).
    std::pair<std::filesystem::path, std::filesystem::path> record_renamed_pair() {
        return {record_hot("a.db", false, renamed(sample_binary("hot_loop"), "minivm")),
                record_hot("b.db", false, renamed(sample_binary("hot_loop_two_keys"), "minivm-fixed"))};
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

TEST_F(Compare, ARenamedProgramKeepsItsSitesPaired) {
    const auto [a, b] = record_renamed_pair();
    {
        RunDatabase da(a), db(b);
        ASSERT_EQ(da.scalar("SELECT count(*) FROM sites WHERE module = 'minivm' AND function = 'make_key'"), 1);
        ASSERT_EQ(db.scalar("SELECT count(*) FROM sites WHERE module = 'minivm-fixed' AND function = 'make_key'"), 1);
        ASSERT_EQ(db.scalar("SELECT count(*) FROM sites WHERE module = 'minivm'"), 0) << "the stored keys differ";
    }
    json c = compare_json(a, b, 1);
    ASSERT_EQ(c["sites"].size(), 1u) << "only make_key changed; nothing new or vanished:\n" << c["sites"].dump(2);
    const json& site = c["sites"][0];
    EXPECT_EQ(site["kind"], "regressed");
    EXPECT_EQ(site["paired_by"], "site_key");
    EXPECT_EQ(site["base"]["function"], "make_key");
    EXPECT_EQ(site["base"]["module"], "minivm");
    EXPECT_EQ(site["head"]["module"], "minivm-fixed");
    EXPECT_EQ(site["delta"]["allocs_per_op"]["old"], 1.0);
    EXPECT_EQ(site["delta"]["allocs_per_op"]["new"], 2.0);
    EXPECT_EQ(c["paired_by_function"], 0);
    EXPECT_EQ(c["notes"], json::array({"the main executable is minivm in base and minivm-fixed in head; its sites "
                                       "pair as one program's"}));
}

TEST_F(Compare, AbShowsBothSidesWithTheirExactFiguresAndExitsZero) {
    const auto [a, b] = record_renamed_pair();
    auto md = compare(a, b, {"--ab"});
    EXPECT_TRUE(md.exited_with(0)) << "B is worse, and --ab still exits 0: " << md.describe();
    // The run: 1000 ops + 1 calloc -> 2000 + 1; phase execute: 1000 -> 2000; setup: 1 -> 1.
    EXPECT_NE(md.out.find("| run | allocations | 1,001 | 2,001 | +1,000 ("), std::string::npos) << md.out;
    EXPECT_NE(md.out.find("| phase setup | allocations | 1 | 1 | 0 |"), std::string::npos) << md.out;
    EXPECT_NE(md.out.find("| phase execute | allocations | 1,000 | 2,000 | +1,000 (+100 %) |"), std::string::npos)
        << md.out;
    EXPECT_NE(md.out.find("|  | allocations/op | 1.00 | 2.00 | +1.00 (+100 %) |"), std::string::npos) << md.out;
    EXPECT_NE(md.out.find("| `make_key` "), std::string::npos) << md.out;
    EXPECT_NE(md.out.find(" | 1,000 | 2,000 | 46.9 KB | 93.8 KB | +46.9 KB (+100 %) |"), std::string::npos) << md.out;
    EXPECT_NE(md.out.find("1 of "), std::string::npos) << "make_key alone differs:\n" << md.out;
    for (const char* verdict : {"❌", "✅", "regress"}) EXPECT_EQ(md.out.find(verdict), std::string::npos) << verdict;

    auto p = compare(a, b, {"--ab", "--json"});
    ASSERT_TRUE(p.exited_with(0)) << p.describe();
    const json j = json::parse(p.out);
    EXPECT_EQ(j["format"], "allocprof-compare-ab");
    EXPECT_EQ(j["allocator"]["name"], "glibc");
    ASSERT_EQ(j["scenarios"].size(), 1u);
    const json& s = j["scenarios"][0];
    EXPECT_EQ(s["name"], "hot");
    ASSERT_EQ(s["windows"].size(), 3u);
    const json& run = s["windows"][0];
    EXPECT_EQ(run["window"], "");
    EXPECT_EQ(run["figures"]["allocations"]["a"], 1001.0);
    EXPECT_EQ(run["figures"]["allocations"]["b"], 2001.0);
    // The peak: the results table calloc(1000, 8) and one 48 B key, on both sides; under
    // glibc they take chunks of 8016 and 64 B.
    for (const char* side : {"a", "b"}) {
        EXPECT_EQ(run["figures"]["peak_live_bytes"][side], 8048.0) << side;
        EXPECT_EQ(run["figures"]["peak_live_blocks"][side], 2.0) << side;
        EXPECT_EQ(run["figures"]["heap_needed_bytes"][side], 8080.0) << side;
    }
    EXPECT_EQ(s["windows"][2]["window"], "execute");
    EXPECT_EQ(s["windows"][2]["figures"]["bytes_per_op"]["change"], 48.0);
    EXPECT_EQ(s["sites_only_in_a"], 0);
    EXPECT_EQ(s["sites_only_in_b"], 0);
    EXPECT_EQ(s["sites_differing"], 1);
    ASSERT_EQ(s["sites"].size(), 1u);
    EXPECT_EQ(s["sites"][0]["a"]["function"], "make_key");
    EXPECT_EQ(s["sites"][0]["allocations"], json({{"a", 1000.0}, {"b", 2000.0}, {"change", 1000.0}, {"percent", 100.0}}));
    EXPECT_EQ(s["sites"][0]["bytes_allocated"]["change"], 48000.0);

    // The exact model: heap needed is the requested bytes.
    auto exact = compare(a, b, {"--ab", "--json", "--allocator", "exact"});
    ASSERT_TRUE(exact.exited_with(0)) << exact.describe();
    EXPECT_EQ(json::parse(exact.out)["scenarios"][0]["windows"][0]["figures"]["heap_needed_bytes"]["a"], 8048.0);
}

TEST_F(Compare, TwoDifferentProgramsDoNotPairBecauseBothAreTheMainExecutable) {
    const auto a = record_hot("a.db", false, renamed(sample_binary("hot_loop"), "minivm"));
    const auto b = dir_ / "b.db";
    auto rec = record(b, {renamed(sample_binary("scenario_vm"), "minivm-fixed").string(), "numbers", "1000"},
                      {"--scenario", "hot"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    analyze(b);
    json c = compare_json(a, b, 1);
    std::set<std::string> vanished, fresh;
    for (const json& site : c["sites"]) {
        if (site["kind"] == "vanished") vanished.insert(site["base"]["function"].get<std::string>());
        if (site["kind"] == "new") fresh.insert(site["head"]["function"].get<std::string>());
        if (!site["base"].is_null() && !site["head"].is_null()) {
            EXPECT_EQ(site["base"]["function"], site["head"]["function"]) << site.dump(2);
        }
    }
    EXPECT_TRUE(vanished.count("make_key")) << c["sites"].dump(2);
    for (const char* f : {"box_number", "shared_step", "reserve_stack"}) EXPECT_TRUE(fresh.count(f)) << f;

    auto p = compare(a, b, {"--ab", "--json"});
    ASSERT_TRUE(p.exited_with(0)) << p.describe();
    const json ab = json::parse(p.out);
    const json& s = ab["scenarios"][0];
    bool make_key_alone = false;
    for (const json& site : s["sites"])
        if (!site["a"].is_null() && site["a"]["function"] == "make_key") make_key_alone = site["b"].is_null();
    EXPECT_TRUE(make_key_alone) << s["sites"].dump(2);
}

TEST_F(Compare, AbRefusesAMissingFileAndOptionsWithoutAVerdict) {
    const auto a = record_hot("a.db", false);
    const auto missing = dir_ / "missing.db";
    const auto out = dir_ / "ab.md";
    for (bool missing_is_b : {false, true}) {
        auto p = missing_is_b ? compare(a, missing, {"--ab", "-o", out.string()})
                              : compare(missing, a, {"--ab", "-o", out.string()});
        EXPECT_TRUE(p.exited_with(2)) << p.describe();
        EXPECT_NE(p.err.find(missing.string()), std::string::npos) << "names the file: " << p.err;
        EXPECT_EQ(count_lines_starting_with(p.err, ""), 1) << "one line: " << p.err;
        EXPECT_TRUE(p.out.empty()) << p.out;
        EXPECT_FALSE(std::filesystem::exists(out));
        EXPECT_FALSE(std::filesystem::exists(missing));
    }
    auto t = compare(a, a, {"--ab", "--threshold", "allocs_per_op=5%"});
    EXPECT_TRUE(t.exited_with(2)) << t.describe();
    EXPECT_NE(t.err.find("--threshold and --budget do not apply"), std::string::npos) << t.err;
    auto n = compare(a, a, {"-n", "3"});
    EXPECT_TRUE(n.exited_with(2)) << n.describe();
    EXPECT_NE(n.err.find("-n needs --ab"), std::string::npos) << n.err;
    auto model = compare(a, a, {"--ab", "--allocator", (dir_ / "no-model.json").string()});
    EXPECT_TRUE(model.exited_with(2)) << model.describe();
    EXPECT_NE(model.err.find("no-model.json"), std::string::npos) << model.err;
}

}  // namespace
}  // namespace allocprof::e2e
