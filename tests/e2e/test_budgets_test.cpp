// test_budgets_test.cpp — budgets where tests live: the measured scope of the preload
// library (samples/c/measured_scope.c), the calling thread's counts from Python and Lua
// (samples/python/thread_counts.py, samples/lua/thread_counts.lua), the pytest plugin
// (samples/python/test_budgets.py) and the GoogleTest listener (samples/cpp/gtest_budgets.cpp),
// each under `allocprof record` with figures known by construction, and each without
// allocprof, where it must run the same and pass.
#include <fstream>
#include <regex>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

// Debian's python3, which python3-pytest (scripts/setup.sh) installs pytest for.
const char* const kDebianPython = "/usr/bin/python3";

// The allocprof Python package (interpose/python), as `record` puts it on PYTHONPATH.
std::filesystem::path python_package_dir() { return preload_library().parent_path() / "python"; }

// `allocprof top DB --group script --json`'s row of the line `line` of a file ending in
// `file`; null when none.
json script_line_row(const std::filesystem::path& db, const std::string& file, int line) {
    ProcessResult r = run_process({allocprof_binary().string(), "top", db.string(), "--json", "-n",
                                   "0", "--group", "script"});
    if (!r.exited_with(0)) throw std::runtime_error("allocprof top failed: " + r.describe());
    const json top = json::parse(r.out);
    for (const json& s : top["sites"]) {
        const std::string f = s.value("file", "");
        if (s.value("line", 0) == line && f.size() >= file.size() &&
            f.compare(f.size() - file.size(), file.size(), file) == 0)
            return s;
    }
    return nullptr;
}

void require_pytest() {
    ProcessResult p = run_process({kDebianPython, "-c", "import pytest"});
    ASSERT_TRUE(p.exited_with(0)) << kDebianPython
                                  << " has no pytest: install python3-pytest (scripts/setup.sh)\n"
                                  << p.describe();
}

class TestBudgets : public E2eTest {
protected:
    // Records `python3 -m pytest -p allocprof.pytest_plugin -v TESTS` in the tests' folder.
    // pytest's start-up makes half a million allocations, recorded with script frames: on a
    // loaded 2-core machine that takes 20 to 40 s, so the timeout is longer than the
    // default and the run is not symbolized (the test reads its phases and output only).
    Recording record_pytest(const std::filesystem::path& tests) {
        ProcessOptions options;
        options.set_env = {{"PYTHONDONTWRITEBYTECODE", "1"}};
        options.cwd = tests.parent_path();
        options.timeout = std::chrono::seconds(300);
        return record_to_db({kDebianPython, "-m", "pytest", "-p", "allocprof.pytest_plugin", "-p",
                             "no:cacheprovider", "-v", "--rootdir", tests.parent_path().string(),
                             tests.string()},
                            {"--no-symbolize"}, options);
    }
};

// The measured scope's figures are exact: blocks followed through free and realloc, a
// block made before the scope ignored, nothing counted after the end, a new scope from 0,
// and a full block table counting its overflow instead of growing.
TEST_F(TestBudgets, MeasuredScopeFollowsEveryBlock) {
    Recording rec = record_to_db({sample_binary("measured_scope").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    const std::string first =
        "allocations=4 bytes=750 live_blocks=1 live_bytes=400 peak=450 untracked=0 untracked_bytes=0";
    EXPECT_EQ(rec.process.out,
              "began=1\n"
              "first: " + first + "\n"
              "after: " + first + "\n"
              "fresh: allocations=0 bytes=0 live_blocks=0 live_bytes=0 peak=0 untracked=0 untracked_bytes=0\n"
              "full: allocations=100000 bytes=800000 live_blocks=98304 live_bytes=786432 peak=786432 "
              "untracked=1696 untracked_bytes=13568\n"
              "freed: allocations=100000 bytes=800000 live_blocks=0 live_bytes=0 peak=786432 "
              "untracked=1696 untracked_bytes=13568\n"
              "lines=1 function=0 line=0 allocations=100000 bytes=800000 live=0\n");
    // The run records the same blocks: the program's 100,007 and stdout's buffer, the one
    // block never freed.
    json run = single_run(db());
    expect_count(run, "allocations", 100008);
    expect_count(run, "unfreed_blocks", 1);

    ProcessResult plain = run_process({sample_binary("measured_scope").string()});
    ASSERT_TRUE(plain.exited_with(0)) << plain.describe();
    const std::string zero =
        "allocations=0 bytes=0 live_blocks=0 live_bytes=0 peak=0 untracked=0 untracked_bytes=0\n";
    EXPECT_EQ(plain.out, "began=0\nfirst: " + zero + "after: " + zero + "fresh: " + zero +
                             "full: " + zero + "freed: " + zero + "lines=0\n");
}

// allocprof.allocations() / allocated_bytes(): a loop that allocates nothing counts 0, ten
// bytes(1000) count 10 and 10330 B, the number the database has for that line; 0 without
// allocprof.
TEST_F(TestBudgets, PythonThreadCountsAreExact) {
    const auto script = python_sample("thread_counts.py");
    Recording rec = record_to_db({kDebianPython, script.string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, "idle=0\nten=10\nten_bytes=10330\n");
    json row = script_line_row(db(), "thread_counts.py", known_line(script, "ten"));
    ASSERT_FALSE(row.is_null()) << "no script row for the line of the ten blocks";
    EXPECT_EQ(row["allocations"], 10) << row.dump();
    EXPECT_EQ(row["bytes_allocated"], 10330) << row.dump();

    ProcessOptions without;
    without.set_env = {{"PYTHONPATH", python_package_dir().string()}};
    ProcessResult plain = run_process({kDebianPython, script.string()}, without);
    ASSERT_TRUE(plain.exited_with(0)) << plain.describe();
    EXPECT_EQ(plain.out, "idle=0\nten=0\nten_bytes=0\n");
}

// ap.allocations() / ap.bytes(): 0 for an idle loop, 10 tables of 56 B in the phase "ten",
// which the database records with the same 10 allocations and 560 B.
TEST_F(TestBudgets, LuaThreadCountsAreExact) {
    auto lua = find_on_path("lua5.4");
    if (!lua) GTEST_SKIP() << "lua5.4 not installed";
    Recording rec = record_to_db({lua->string(), (samples_source_dir() / "lua" / "thread_counts.lua").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, "idle=0\nten=10\nten_bytes=560\n");
    RunDatabase database(db());
    std::vector<Row> phases = database.query("SELECT name, allocations, bytes_allocated FROM phases");
    ASSERT_EQ(phases.size(), 1u);
    EXPECT_EQ(phases[0].text(0), "ten");
    EXPECT_EQ(phases[0].int64(1), 10);
    EXPECT_EQ(phases[0].int64(2), 560);
}

// The pytest plugin under allocprof: pytest exits 1 and exactly the two tests over their
// limits fail, each message naming value, limit and the test file's allocating line; each
// test is a phase of the run named by its node id.
TEST_F(TestBudgets, PytestPluginFailsExactlyTheTestsOverTheirLimits) {
    ASSERT_NO_FATAL_FAILURE(require_pytest());
    const auto tests = python_sample("test_budgets.py");
    Recording rec = record_pytest(tests);
    const std::string& out = rec.process.out;
    ASSERT_TRUE(rec.process.exited_with(1)) << rec.process.describe();
    for (const char* line : {"\ntest_budgets.py::test_over_allocations FAILED",
                             "\ntest_budgets.py::test_within_allocations PASSED",
                             "\ntest_budgets.py::test_over_memory FAILED",
                             "\ntest_budgets.py::test_without_limit PASSED"})
        EXPECT_NE(out.find(line), std::string::npos) << "no '" << line + 1 << "' in\n" << out;
    EXPECT_NE(out.find("2 failed, 2 passed"), std::string::npos) << out;

    // Value and limit, then the allocating line of the test file with its exact figures.
    EXPECT_TRUE(std::regex_search(out, std::regex("the test made 1,0[0-9][0-9] allocations, over its "
                                                  "limit of 200 \\(limit_allocations, all threads\\)")))
        << out;
    const std::string many = "\n    test_budgets.py:" + std::to_string(known_line(tests, "many")) +
                             " (test_over_allocations): 1,000 allocations, 130 KB";
    EXPECT_NE(out.find(many), std::string::npos) << "no '" << many << "' in\n" << out;
    EXPECT_TRUE(std::regex_search(out, std::regex("the test's peak live memory was 20[01] KB \\(20[0-9]{4} B\\), "
                                                  "over its limit of 64.0 KB \\(65536 B\\) \\(limit_memory\\)")))
        << out;
    const std::string big = "\n    test_budgets.py:" + std::to_string(known_line(tests, "big")) +
                            " (test_over_memory): 200 KB in 1 allocation";
    EXPECT_NE(out.find(big), std::string::npos) << "no '" << big << "' in\n" << out;
    // The passing tests' lines are in no message.
    EXPECT_EQ(out.find("(test_within_allocations):"), std::string::npos) << out;

    RunDatabase database(db());
    std::vector<Row> phases = database.query("SELECT name, allocations FROM phases ORDER BY phase_id");
    ASSERT_EQ(phases.size(), 4u);
    const char* names[] = {"test_budgets.py::test_over_allocations", "test_budgets.py::test_within_allocations",
                           "test_budgets.py::test_over_memory", "test_budgets.py::test_without_limit"};
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(phases[i].text(0), names[i]);
    EXPECT_GE(phases[0].int64(1), 1000);
    EXPECT_LT(phases[1].int64(1), 200);
}

// limit_leaks: the test that keeps ten blocks past its end fails, naming the line that made
// them with its 10330 B still live; the one that drops the same blocks passes.
TEST_F(TestBudgets, PytestPluginFailsTheTestThatKeepsItsBlocks) {
    ASSERT_NO_FATAL_FAILURE(require_pytest());
    const auto tests = python_sample("test_leaks.py");
    Recording rec = record_pytest(tests);
    const std::string& out = rec.process.out;
    ASSERT_TRUE(rec.process.exited_with(1)) << rec.process.describe();
    EXPECT_NE(out.find("\ntest_leaks.py::test_keeps_blocks FAILED"), std::string::npos) << out;
    EXPECT_NE(out.find("\ntest_leaks.py::test_frees_blocks PASSED"), std::string::npos) << out;
    EXPECT_TRUE(std::regex_search(out, std::regex("the test left 10\\.[0-9] KB \\(10[0-9]{3} B\\) live, over "
                                                  "its limit of 1.0 KB \\(1024 B\\) \\(limit_leaks\\)")))
        << out;
    const std::string kept = "\n    test_leaks.py:" + std::to_string(known_line(tests, "kept")) +
                             " (test_keeps_blocks): 10.1 KB live of 10 allocations";
    EXPECT_NE(out.find(kept), std::string::npos) << "no '" << kept << "' in\n" << out;
}

// Without allocprof (the package importable, the library not loaded) all four pass and the
// markers warn once.
TEST_F(TestBudgets, PytestPluginWithoutAllocprofPassesWithOneWarning) {
    ASSERT_NO_FATAL_FAILURE(require_pytest());
    const auto tests = python_sample("test_budgets.py");
    ProcessOptions options;
    options.set_env = {{"PYTHONPATH", python_package_dir().string()}, {"PYTHONDONTWRITEBYTECODE", "1"}};
    ProcessResult p = run_process({kDebianPython, "-m", "pytest", "-p", "allocprof.pytest_plugin", "-p",
                                   "no:cacheprovider", "--rootdir", tests.parent_path().string(),
                                   tests.string()},
                                  options);
    ASSERT_TRUE(p.exited_with(0)) << p.describe();
    EXPECT_NE(p.out.find("4 passed, 1 warning"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("allocprof is not loaded"), std::string::npos) << p.out;
}

// The GoogleTest listener: one phase per test, named Suite.Test; the bodies' planted
// allocations are exactly the differences between the phases; the listener's printed
// counts are the database's; the program's own in-body checks pass.
TEST_F(TestBudgets, GTestListenerMakesOnePhasePerTestWithExactCounts) {
    Recording rec = record_to_db({sample_binary("gtest_budgets").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    RunDatabase database(db());
    std::vector<Row> phases =
        database.query("SELECT name, allocations, bytes_allocated FROM phases ORDER BY phase_id");
    ASSERT_EQ(phases.size(), 4u);
    const char* names[] = {"Budgets.Warmup", "Budgets.Zero", "Budgets.Seven", "Budgets.Hundred"};
    for (size_t i = 0; i < phases.size(); ++i) {
        SCOPED_TRACE(names[i]);
        EXPECT_EQ(phases[i].text(0), names[i]);
        const std::string line = "[ allocprof ] " + std::string(names[i]) + ": " +
                                 std::to_string(phases[i].int64(1)) + " allocations, " +
                                 std::to_string(phases[i].int64(2)) + " bytes\n";
        EXPECT_NE(rec.process.out.find(line), std::string::npos) << "no '" << line << "' in\n"
                                                                 << rec.process.out;
    }
    const int64_t base = phases[1].int64(1), base_bytes = phases[1].int64(2);
    EXPECT_EQ(phases[2].int64(1) - base, 7);
    EXPECT_EQ(phases[2].int64(2) - base_bytes, 700);
    EXPECT_EQ(phases[3].int64(1) - base, 100);
    EXPECT_EQ(phases[3].int64(2) - base_bytes, 1000);
    EXPECT_EQ(count_lines_starting_with(rec.process.out, "[ allocprof ]"), 4) << rec.process.out;

    // `allocprof check` holds each test's phase to a budget: Zero's own count is met,
    // Hundred one allocation under its count is exceeded, and the site named is the body's.
    const auto budget = dir_.path() / "budget.json";
    std::ofstream(budget) << json{{"budgets",
                                   {{{"phase", "Budgets.Zero"}, {"metric", "allocs_per_op"}, {"max", base}},
                                    {{"phase", "Budgets.Hundred"},
                                     {"metric", "allocs_per_op"},
                                     {"max", base + 99}}}}}
                                 .dump();
    ProcessResult check = run_process({allocprof_binary().string(), "check", db().string(), "--budget",
                                       budget.string()});
    ASSERT_TRUE(check.exited_with(1)) << check.describe();
    EXPECT_NE(check.out.find("1 of 2 budget checks failed"), std::string::npos) << check.out;
    EXPECT_NE(check.out.find("phase Budgets.Hundred: allocs_per_op = " + std::to_string(base + 100) +
                             " > max " + std::to_string(base + 99) + " — most from (anonymous namespace)::malloc_free_pairs"),
              std::string::npos)
        << check.out;
}

TEST_F(TestBudgets, GTestProgramPassesWithoutAllocprof) {
    ProcessResult p = run_process({sample_binary("gtest_budgets").string()});
    ASSERT_TRUE(p.exited_with(0)) << p.describe();
    EXPECT_NE(p.out.find("[  PASSED  ] 4 tests."), std::string::npos) << p.out;
    EXPECT_EQ(p.out.find("[ allocprof ]"), std::string::npos) << p.out;
}

}  // namespace
}  // namespace allocprof::e2e
