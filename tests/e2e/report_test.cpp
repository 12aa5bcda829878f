// report_test.cpp — `allocprof report`: golden tests (the checked-in tests/golden/markers.db
// rendered as markdown and JSON, compared exactly with the expected files), a report of a
// fresh recording (analysed first, all eight sections in order, deterministic), and bad
// input (exit 2 with one line naming the file).
//
// ALLOCPROF_UPDATE_GOLDEN=1 rewrites the expected files instead of comparing (see
// tests/golden/README.md).
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir() { return (samples_source_dir() / ".." / "tests" / "golden").lexically_normal(); }

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool updating_goldens() {
    const char* v = std::getenv("ALLOCPROF_UPDATE_GOLDEN");
    return v && std::string(v) == "1";
}

// The first line where two texts differ, for a readable failure.
std::string first_difference(const std::string& expected, const std::string& actual) {
    std::istringstream e(expected), a(actual);
    std::string le, la;
    for (int line = 1;; ++line) {
        const bool more_e = static_cast<bool>(std::getline(e, le));
        const bool more_a = static_cast<bool>(std::getline(a, la));
        if (!more_e && !more_a) return "texts are equal";
        if (le != la || more_e != more_a)
            return "line " + std::to_string(line) + ":\n  expected: " + (more_e ? le : "<end>") +
                   "\n  actual:   " + (more_a ? la : "<end>");
    }
}

const char* const kSections[] = {"# Allocation report: ",        "## Summary",
                                 "## Baseline allocation rates", "## Key findings",
                                 "## Allocation sites by tier",  "## Priority remediation list",
                                 "## Coverage gaps",             "## Next steps"};

// Every section heading, each at the start of a line, in order.
void expect_sections_in_order(const std::string& md) {
    size_t at = 0;
    for (const char* heading : kSections) {
        const size_t found = md.find(std::string("\n") + heading, at == 0 ? 0 : at);
        const bool first_line = at == 0 && md.rfind(heading, 0) == 0;
        if (!first_line && found == std::string::npos) {
            ADD_FAILURE() << "section '" << heading << "' missing or out of order in:\n" << md;
            return;
        }
        at = first_line ? 1 : found + 1;
    }
}

class Report : public E2eTest {
protected:
    ProcessResult report(const fs::path& file, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = {allocprof_binary().string(), "report", file.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_process(argv);
    }

    // exit 2, one stderr line naming `file`, nothing on stdout.
    void expect_refused(const fs::path& file, const std::vector<std::string>& extra = {}) {
        ProcessResult p = report(file, extra);
        EXPECT_TRUE(p.exited_with(2)) << p.describe();
        std::string err = p.err;
        if (!err.empty() && err.back() == '\n') err.pop_back();
        EXPECT_FALSE(err.empty()) << "no message";
        EXPECT_EQ(err.rfind("allocprof: error: ", 0), 0u) << p.err;
        EXPECT_EQ(err.find('\n'), std::string::npos) << "more than one line: " << p.err;
        EXPECT_NE(err.find(file.string()), std::string::npos) << "message does not name the file: " << p.err;
        EXPECT_TRUE(p.out.empty()) << "stdout: " << p.out;
    }
};

// ---- golden ----------------------------------------------------------------------------

class ReportGolden : public Report {
protected:
    // Renders the checked-in database `db_name` (copied: the source tree may be read-only)
    // with `extra` and compares with, or rewrites, golden_dir()/expected_name.
    void check(const std::vector<std::string>& extra, const std::string& expected_name,
               const std::string& db_name = "markers.db") {
        const fs::path source = golden_dir() / db_name;
        ASSERT_TRUE(fs::exists(source)) << source;
        const fs::path copy = dir_ / db_name;  // the report names the file: same name
        fs::copy_file(source, copy);
        ProcessResult p = report(copy, extra);
        ASSERT_TRUE(p.exited_with(0)) << p.describe();
        EXPECT_TRUE(p.err.empty()) << "the golden database is analysed: nothing to say on stderr: " << p.err;
        const fs::path expected_path = golden_dir() / expected_name;
        if (updating_goldens()) {
            std::ofstream(expected_path, std::ios::binary | std::ios::trunc) << p.out;
            GTEST_SKIP() << "rewrote " << expected_path;
        }
        const std::string expected = read_file(expected_path);
        ASSERT_FALSE(expected.empty()) << expected_path << " is missing: see tests/golden/README.md";
        EXPECT_TRUE(p.out == expected) << expected_path << " differs (ALLOCPROF_UPDATE_GOLDEN=1 rewrites it), "
                                       << first_difference(expected, p.out);
    }
};

TEST_F(ReportGolden, Markdown) { check({}, "markers.md"); }

TEST_F(ReportGolden, Json) { check({"--format", "json"}, "markers.json"); }

// The suite document of samples/suite/vm_suite.json's two scenarios.
TEST_F(ReportGolden, SuiteMarkdown) { check({}, "vm_suite.md", "vm_suite.db"); }

TEST_F(ReportGolden, SuiteJson) { check({"--format", "json"}, "vm_suite.json", "vm_suite.db"); }

// -o writes the same bytes as stdout.
TEST_F(ReportGolden, OutputFileHoldsTheSameReport) {
    const fs::path copy = dir_ / "markers.db";
    fs::copy_file(golden_dir() / "markers.db", copy);
    const fs::path out = dir_ / "report.md";
    ProcessResult p = report(copy, {"-o", out.string()});
    ASSERT_TRUE(p.exited_with(0)) << p.describe();
    EXPECT_TRUE(p.out.empty()) << p.out;
    EXPECT_EQ(read_file(out), report(copy).out);
}

// ---- a fresh recording -------------------------------------------------------------------

TEST_F(Report, FreshRecordingIsAnalysedFirstAndHasEverySection) {
    auto rec = record_to_db({sample_binary("markers").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    {
        RunDatabase d(db());
        ASSERT_EQ(d.scalar("SELECT count(*) FROM analysis"), 0) << "record is expected not to analyse";
    }
    ProcessResult first = report(db());
    ASSERT_TRUE(first.exited_with(0)) << first.describe();
    EXPECT_NE(first.err.find("has no analysis yet; analysing it first"), std::string::npos) << first.err;
    EXPECT_EQ(first.out.find("run 1: "), std::string::npos) << "analyze's line belongs on stderr";
    expect_sections_in_order(first.out);
    // The planted short-lived per-op buffers of markers.c are in the plan.
    EXPECT_NE(first.out.find("`one_op` at"), std::string::npos) << first.out;
    EXPECT_NE(first.out.find("| P1.1 |"), std::string::npos) << first.out;

    // Analysed now: no note, and the same bytes again (deterministic).
    ProcessResult second = report(db());
    ASSERT_TRUE(second.exited_with(0)) << second.describe();
    EXPECT_TRUE(second.err.empty()) << second.err;
    EXPECT_EQ(second.out, first.out) << first_difference(first.out, second.out);

    ProcessResult js = report(db(), {"--format", "json"});
    ASSERT_TRUE(js.exited_with(0)) << js.describe();
    json doc = json::parse(js.out);
    EXPECT_EQ(doc["format"], json("allocprof-report"));
    EXPECT_EQ(doc["format_version"], json(1));
    for (const char* key : {"run", "analysis", "summary", "baseline", "legend", "sites", "plan",
                            "debug_coverage", "function_calls", "reconciliation", "coverage_gaps",
                            "next_steps"})
        EXPECT_TRUE(doc.contains(key)) << key;
    ASSERT_FALSE(doc["baseline"].empty());
    EXPECT_EQ(doc["baseline"][0]["window"], json(""));
    EXPECT_EQ(doc["baseline"][0]["ops"], json(105));
    EXPECT_EQ(doc["baseline"][0]["allocations"], json(306));
    EXPECT_EQ(doc["sites"].size(), static_cast<size_t>(RunDatabase(db()).scalar("SELECT count(*) FROM sites")));
}

TEST_F(Report, RunRecordedWithoutEventsCannotBeAnalysedAndSaysWhy) {
    auto rec = record_to_db({sample_binary("markers").string()}, {"--no-events"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    ProcessResult p = report(db());
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find("--no-events"), std::string::npos) << p.err;
    EXPECT_TRUE(p.out.empty()) << p.out;
}

// ---- bad input ---------------------------------------------------------------------------

TEST_F(Report, MissingFileIsRefused) { expect_refused(dir_ / "does-not-exist.db"); }

TEST_F(Report, ForeignSqliteFileIsRefused) {
    const fs::path file = dir_ / "foreign.db";
    execute_sql_file(file, "CREATE TABLE t(a); INSERT INTO t VALUES (1);");
    expect_refused(file);
}

TEST_F(Report, OtherSchemaVersionIsRefused) {
    const fs::path file = dir_ / "other_version.db";
    fs::copy_file(golden_dir() / "markers.db", file);
    execute_sql_file(file, "PRAGMA user_version = 999;");
    expect_refused(file);
}

TEST_F(Report, UnknownRunAndBadFormatAreRefused) {
    const fs::path file = dir_ / "markers.db";
    fs::copy_file(golden_dir() / "markers.db", file);
    expect_refused(file, {"--run", "7"});
    ProcessResult p = report(file, {"--format", "pdf"});
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find("--format"), std::string::npos) << p.err;
}

}  // namespace
}  // namespace allocprof::e2e
