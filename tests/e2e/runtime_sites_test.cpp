// runtime_sites_test.cpp — a leak-free C++ program (samples/cpp/leak_free.cpp): what the
// runtime keeps to exit (libstdc++'s emergency pool, libc's stdout buffer) is a runtime
// site, outside the tiers and the plan, and the program's own unfreed total is 0 B; the
// runs row still counts every block, as valgrind does. Lua's start-up (creating the state,
// opening the standard library) is a runtime site too, the same for every script.
#include <fstream>
#include <map>
#include <optional>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class RuntimeSites : public E2eTest {};

TEST_F(RuntimeSites, ALeakFreeCppProgramHasNoRuntimeItemsAndNothingUnfreed) {
    Recording rec = record_to_db({sample_binary("leak_free").string(), "200"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    ProcessResult analyzed = run_process({allocprof_binary().string(), "analyze", db().string()});
    ASSERT_TRUE(analyzed.exited_with(0)) << analyzed.describe();
    RunDatabase d(db());

    // The runtime's blocks are live at exit in the recording...
    EXPECT_GT(d.scalar("SELECT unfreed_bytes FROM runs"), 0);
    std::vector<Row> runtime = d.query(
        "SELECT s.module, a.unfreed_bytes FROM analysis_sites a JOIN sites s USING (run_id, site_id)"
        " WHERE a.tier = 'runtime' ORDER BY s.module");
    ASSERT_FALSE(runtime.empty());
    int64_t runtime_unfreed = 0;
    bool libstdcxx = false;
    for (const Row& r : runtime) {
        runtime_unfreed += r.int64(1);
        libstdcxx = libstdcxx || r.text(0).rfind("libstdc++", 0) == 0;
    }
    EXPECT_TRUE(libstdcxx) << "libstdc++'s emergency pool is a runtime site";
    EXPECT_EQ(runtime_unfreed, d.scalar("SELECT unfreed_bytes FROM runs")) << "only the runtime's blocks stay";

    // ...but not the program's: no plan item from libc or libstdc++, nothing unfreed.
    EXPECT_EQ(d.scalar("SELECT count(*) FROM plan_items p JOIN sites s USING (run_id, site_id)"
                       " WHERE s.module LIKE 'libc.so%' OR s.module LIKE 'libstdc++%' OR s.module LIKE 'ld-linux%'"),
              0);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM plan_items p JOIN analysis_sites a USING (run_id, site_id)"
                       " WHERE a.tier = 'runtime'"),
              0);
    EXPECT_EQ(d.scalar("SELECT unfreed_bytes FROM analysis_windows WHERE window = ''"), 0);
    EXPECT_EQ(d.scalar("SELECT unfreed_blocks FROM analysis_windows WHERE window = ''"), 0);

    ProcessResult report = run_process({allocprof_binary().string(), "report", db().string()});
    ASSERT_TRUE(report.exited_with(0)) << report.describe();
    EXPECT_NE(report.out.find("- Whole run: 0 B in 0 blocks unfreed at exit in the program's own sites;"),
              std::string::npos)
        << report.out;
    EXPECT_NE(report.out.find("\nRuntime: "), std::string::npos) << report.out;
    const size_t leaks = report.out.find("### Leaks and unfreed memory");
    ASSERT_NE(leaks, std::string::npos);
    const std::string leak_section = report.out.substr(leaks, report.out.find("###", leaks + 5) - leaks);
    EXPECT_NE(leak_section.find("- Sites: none found."), std::string::npos) << leak_section;
}

// A suppressions file takes the program's deliberately kept Widget (main's 48 B) out of the
// tiers, the plan and the unfreed totals; the report says what it took. A bad file is
// refused with its line, and the analysis already stored is kept.
TEST_F(RuntimeSites, SuppressedSitesLeaveTheTiersThePlanAndTheUnfreedTotals) {
    Recording rec = record_to_db({sample_binary("new_delete").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    const auto analyze = [&](const std::vector<std::string>& extra) {
        std::vector<std::string> argv = {allocprof_binary().string(), "analyze", db().string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_process(argv);
    };
    const std::string main_tier = "SELECT a.tier FROM analysis_sites a JOIN sites s USING (run_id, site_id)"
                                  " WHERE s.function = 'main'";
    ASSERT_TRUE(analyze({}).exited_with(0));
    {
        RunDatabase d(db());
        EXPECT_NE(d.query(main_tier).at(0).text(0), "suppressed");
        EXPECT_EQ(d.scalar("SELECT unfreed_bytes FROM analysis_windows WHERE window = ''"), 48);
    }

    const auto rules = dir_ / "suppressions.txt";
    std::ofstream(rules) << "# the Widget main keeps on purpose\nfunction:main\n";
    ProcessResult r = analyze({"--suppressions", rules.string()});
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    {
        RunDatabase d(db());
        EXPECT_EQ(d.query(main_tier).at(0).text(0), "suppressed");
        EXPECT_EQ(d.query("SELECT a.rule FROM analysis_sites a JOIN sites s USING (run_id, site_id)"
                          " WHERE s.function = 'main'")
                      .at(0)
                      .text(0)
                      .rfind("suppressed by " + rules.string() + ":2 (function:main): ", 0),
                  0u);
        EXPECT_EQ(d.scalar("SELECT count(*) FROM plan_items p JOIN sites s USING (run_id, site_id)"
                           " WHERE s.function = 'main'"),
                  0);
        EXPECT_EQ(d.scalar("SELECT unfreed_bytes FROM analysis_windows WHERE window = ''"), 0);
        EXPECT_EQ(d.scalar("SELECT unfreed_bytes FROM runs"), 48 + d.scalar("SELECT sum(a.unfreed_bytes) FROM"
                                                                            " analysis_sites a WHERE a.tier = 'runtime'"));
    }
    ProcessResult report = run_process({allocprof_binary().string(), "report", db().string()});
    ASSERT_TRUE(report.exited_with(0)) << report.describe();
    EXPECT_NE(report.out.find("\nSuppressed: 1 site matched the suppressions file, 1 allocation ("), std::string::npos)
        << report.out;
    EXPECT_NE(report.out.find("- Whole run: 0 B in 0 blocks unfreed at exit in the program's own sites, "
                              "suppressed ones left out;"),
              std::string::npos)
        << report.out;

    // A wrong line: refused with the file and line, the stored analysis untouched.
    const std::string before = RunDatabase(db()).query("SELECT analyzed_unix_ns FROM analysis").at(0).text(0);
    std::ofstream(rules) << "function:main\nleak:main\n";
    ProcessResult bad = analyze({"--suppressions", rules.string()});
    EXPECT_EQ(bad.exit_code, 2) << bad.describe();
    EXPECT_NE(bad.err.find(rules.string() + ":2: expected `function:PATTERN` or `module:PATTERN`"), std::string::npos)
        << bad.err;
    EXPECT_EQ(RunDatabase(db()).query("SELECT analyzed_unix_ns FROM analysis").at(0).text(0), before);
}

// The allocations of lua5.4's start-up are one site per start-up function, in tier
// "runtime", without a plan item, and the same for two different scripts (they run before
// the script's first line); the script's own allocator site is not runtime.
TEST_F(RuntimeSites, LuaStartUpIsARuntimeSiteTheSameForEveryScript) {
    const std::optional<std::filesystem::path> lua = find_on_path("lua5.4");
    if (!lua) GTEST_SKIP() << "lua5.4 not installed";
    std::map<std::string, int64_t> startup_of[2];
    const std::string scripts[2] = {(samples_source_dir() / "lua" / "churn.lua").string(),
                                    (samples_source_dir() / "lua" / "tables.lua").string()};
    for (int i = 0; i < 2; ++i) {
        const std::filesystem::path path = dir_ / ("lua" + std::to_string(i) + ".db");
        Recording rec = record(path, {lua->string(), scripts[i], i == 0 ? "50" : "2000"});
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
        ProcessResult analyzed = run_process({allocprof_binary().string(), "analyze", path.string()});
        ASSERT_TRUE(analyzed.exited_with(0)) << analyzed.describe();
        RunDatabase d(path);
        for (const Row& r : d.query("SELECT s.function, s.allocations, a.tier FROM sites s JOIN analysis_sites a"
                                    " USING (run_id, site_id) WHERE s.function IN ('luaL_openlibs', 'lua_newstate',"
                                    " 'luaL_newstate')")) {
            EXPECT_EQ(r.text(2), "runtime") << r.text(0);
            startup_of[i][r.text(0)] += r.int64(1);
        }
        EXPECT_EQ(d.scalar("SELECT count(*) FROM plan_items p JOIN sites s USING (run_id, site_id)"
                           " WHERE s.function IN ('luaL_openlibs', 'lua_newstate', 'luaL_newstate')"),
                  0);
        // The script's work: the largest site by allocations is the program's, in a tier.
        std::vector<Row> top = d.query("SELECT a.tier, s.function FROM sites s JOIN analysis_sites a"
                                       " USING (run_id, site_id) ORDER BY s.allocations DESC LIMIT 1");
        ASSERT_EQ(top.size(), 1u);
        EXPECT_NE(top[0].text(0), "runtime") << top[0].text(1);
        ProcessResult report = run_process({allocprof_binary().string(), "report", path.string()});
        ASSERT_TRUE(report.exited_with(0)) << report.describe();
        EXPECT_NE(report.out.find("`lua5.4`'s start-up (before the script runs)"), std::string::npos) << report.out;
        // No ops were counted: the plan's savings are per run, and say so.
        const size_t plan = report.out.find("### Phase 2");
        ASSERT_NE(plan, std::string::npos) << report.out;
        const std::string items = report.out.substr(plan, report.out.find("## Coverage gaps", plan) - plan);
        EXPECT_NE(items.find(" allocs/run, "), std::string::npos) << items;
        EXPECT_EQ(items.find("/op"), std::string::npos) << items;
    }
    EXPECT_GT(startup_of[0]["luaL_openlibs"], 100) << "opening the standard library allocates its tables";
    EXPECT_EQ(startup_of[0], startup_of[1]) << "start-up does not depend on the script";
}

}  // namespace
}  // namespace allocprof::e2e
