// json_schema_test.cpp — every JSON document allocprof writes (`--format json` of summary,
// top, check, compare, compare --ab, heap and report, for a run and for a suite) matches its
// published schema in docs/schemas/, checked with Debian's python3-jsonschema (tests/support/
// check_json_schema.py). The documents come from runs that exercise the optional parts: a
// C sample with phases, a Lua script's script sites, a program killed by a signal, stacks
// deeper than --max-frames, a source analysis, two different runs compared against budgets
// and side by side (--ab), a heaptrack import and the suite golden database. The schemas
// forbid keys they do not name, so a key added, renamed or removed without its schema fails
// here; the last test shows the check does fail.
#include <filesystem>
#include <csignal>
#include <fstream>
#include <map>
#include <set>

#include "e2e/e2e_test.h"
#include "support/heaptrack.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

// Every JSON format the command writes (its "format" value), one schema file each.
const char* const kFormats[] = {"allocprof-summary", "allocprof-top",          "allocprof-check",
                                "allocprof-compare", "allocprof-report",       "allocprof-suite-report",
                                "allocprof-heap",    "allocprof-compare-ab"};

fs::path schema_dir() { return fs::path(ALLOCPROF_TEST_SCHEMA_DIR); }
fs::path schema_file(const std::string& format) { return schema_dir() / (format + ".schema.json"); }
fs::path checker() { return fs::path(ALLOCPROF_TEST_SUPPORT_DIR) / "check_json_schema.py"; }
fs::path golden(const std::string& name) {
    return (samples_source_dir() / ".." / "tests" / "golden" / name).lexically_normal();
}

ProcessResult allocprof(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {allocprof_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
}

// check_json_schema.py SCHEMA [FILES...] with Debian's python3 (python3-jsonschema).
ProcessResult check(const fs::path& schema, const std::vector<fs::path>& documents = {}) {
    std::vector<std::string> argv = {"/usr/bin/python3", checker().string(), schema.string()};
    for (const auto& d : documents) argv.push_back(d.string());
    return run_process(argv);
}

class JsonSchemas : public E2eTest {
protected:
    // Runs `allocprof ARGS` (expecting exit status `status`), keeps its stdout as a
    // document of `format` and checks that it says so.
    void emit(const std::string& format, const std::vector<std::string>& args, int status = 0) {
        ProcessResult p = allocprof(args);
        ASSERT_TRUE(p.exited_with(status)) << args[0] << ": " << p.describe();
        json doc = json::parse(p.out, nullptr, false);
        ASSERT_FALSE(doc.is_discarded()) << args[0] << " wrote no JSON: " << p.out.substr(0, 200);
        EXPECT_EQ(doc.value("format", ""), format) << args[0];
        EXPECT_EQ(doc.value("format_version", 0), 1) << args[0];
        const fs::path file = dir_ / (format + "-" + std::to_string(documents_[format].size()) + ".json");
        std::ofstream(file) << p.out;
        documents_[format].push_back(file);
    }

    fs::path copy(const fs::path& from, const std::string& name) {
        const fs::path to = dir_ / name;
        fs::copy_file(from, to, fs::copy_options::overwrite_existing);
        return to;
    }

    // Records `command` into `name`; record exits with the program's own status.
    fs::path recorded(const std::string& name, const std::vector<std::string>& command, int status = 0,
                      const std::vector<std::string>& options = {}) {
        const fs::path file = dir_ / name;
        Recording rec = record(file, command, options);
        EXPECT_TRUE(rec.process.exited_with(status)) << rec.process.describe();
        return file;
    }

    std::map<std::string, std::vector<fs::path>> documents_;
};

TEST_F(JsonSchemas, EveryFormatHasOneValidSchemaThatNamesIt) {
    std::set<std::string> files;
    for (const auto& entry : fs::directory_iterator(schema_dir())) files.insert(entry.path().filename().string());
    std::set<std::string> expected;
    for (const char* format : kFormats) expected.insert(std::string(format) + ".schema.json");
    EXPECT_EQ(files, expected) << "docs/schemas/ holds one schema per JSON format, and no other file";

    for (const char* format : kFormats) {
        SCOPED_TRACE(format);
        ProcessResult p = check(schema_file(format));
        EXPECT_TRUE(p.exited_with(0)) << p.out << p.describe();
        std::ifstream in(schema_file(format));
        json schema = json::parse(in, nullptr, false);
        ASSERT_TRUE(schema.is_object());
        EXPECT_EQ(schema["properties"]["format"], json({{"const", format}}));
        EXPECT_EQ(schema["properties"]["format_version"], json({{"const", 1}}));
        EXPECT_EQ(schema["additionalProperties"], json(false)) << "a key the schema does not name is an error";
        EXPECT_TRUE(schema.contains("description"));
    }
}

TEST_F(JsonSchemas, EveryJsonDocumentTheCommandsWriteMatchesItsSchema) {
    // A C sample with phases and ops (the golden run), and the suite golden database.
    const fs::path markers = copy(golden("markers.db"), "markers.db");
    const fs::path suite = copy(golden("vm_suite.db"), "vm_suite.db");
    const fs::path budget = dir_ / "budget.json";
    std::ofstream(budget) << R"({"budgets": [{"metric": "allocs_per_op", "max": 1}, {"no_new_critical_sites": true}]})";
    emit("allocprof-summary", {"summary", markers.string(), "--json"});
    emit("allocprof-top", {"top", markers.string(), "--format", "json", "--by", "peak"});
    emit("allocprof-report", {"report", markers.string(), "--format", "json"});
    emit("allocprof-check", {"check", markers.string(), "--budget", budget.string(), "--json"}, 1);
    emit("allocprof-suite-report", {"report", suite.string(), "--format", "json"});
    emit("allocprof-summary", {"summary", suite.string(), "--json"});
    emit("allocprof-compare", {"compare", suite.string(), suite.string(), "--json"});

    // A Lua script: script sites, each with its native site.
    const fs::path lua = recorded("lua.db", {"lua5.4", (samples_source_dir() / "lua" / "tables.lua").string()});
    emit("allocprof-top", {"top", lua.string(), "--group", "script", "--json"});
    emit("allocprof-report", {"report", lua.string(), "--format", "json"});

    // A program killed by a signal: no exit status, a signal.
    const fs::path killed = recorded("killed.db", {sample_binary("killed_by_signal").string(), "ABRT"}, 128 + SIGABRT);
    emit("allocprof-summary", {"summary", killed.string(), "--json"});
    emit("allocprof-report", {"report", killed.string(), "--format", "json"});

    // Stacks deeper than --max-frames: truncated stacks counted, their sites flagged.
    const fs::path deep = recorded("deep.db", {sample_binary("deep_stacks").string()}, 0, {"--max-frames", "64"});
    emit("allocprof-summary", {"summary", deep.string(), "--json"});
    emit("allocprof-top", {"top", deep.string(), "--json"});
    emit("allocprof-report", {"report", deep.string(), "--format", "json"});

    // The interpreter sample with its sources analysed, then against a run that does more:
    // site changes, regressions and budgets in one comparison.
    const fs::path one = recorded("one.db", {sample_binary("interpreter").string()});
    const fs::path two = recorded("two.db", {sample_binary("interpreter").string(), "2"});
    ProcessResult analysed = allocprof({"analyze", one.string(), "--source-root",
                                        (samples_source_dir() / "interp").string(), "--source-cache",
                                        (dir_ / "cache").string()});
    ASSERT_TRUE(analysed.exited_with(0)) << analysed.describe();
    emit("allocprof-report", {"report", one.string(), "--format", "json"});
    emit("allocprof-compare", {"compare", one.string(), two.string(), "--budget", budget.string(), "--json"}, 1);

    // The heap a compiler-shaped run needs: over a limit (exit 1) and under it, with a model file.
    const fs::path graph = recorded("graph.db", {sample_binary("minijit").string(), "graph"});
    const fs::path linear = recorded("linear.db", {sample_binary("minijit").string(), "linear"});
    const fs::path model = dir_ / "model.json";
    std::ofstream(model) << R"({"header_bytes": 8, "alignment": 8, "min_block": 16, "size_classes": [16, 32, 64, 128]})";
    emit("allocprof-heap", {"heap", graph.string(), "--limit", "300K", "--json"}, 1);
    emit("allocprof-heap", {"heap", linear.string(), "--limit", "300K", "--json"});
    emit("allocprof-heap", {"heap", graph.string(), "--allocator", model.string(), "--phase", "regalloc", "--json"});
    // The same two side by side, phases and all, under the model file; the suite file
    // against itself (scenarios, repetitions, nothing differing).
    emit("allocprof-compare-ab", {"compare", graph.string(), linear.string(), "--ab", "--allocator", model.string(),
                                  "-n", "3", "--json"});
    emit("allocprof-compare-ab", {"compare", one.string(), two.string(), "--ab", "--json"});
    emit("allocprof-compare-ab", {"compare", suite.string(), suite.string(), "--ab", "--json"});

    // An imported heaptrack recording: what heaptrack does not record is null.
    if (heaptrack_available()) {
        ProcessResult h = run_process({"heaptrack", "-o", (dir_ / "markers").string(), sample_binary("markers").string()});
        ASSERT_TRUE(h.exited_with(0)) << h.describe();
        const fs::path file = dir_ / "markers.zst";  // heaptrack -o NAME writes NAME.zst
        const fs::path imported = dir_ / "imported.db";
        ProcessResult p = allocprof({"import", "heaptrack", file.string(), "-o", imported.string()});
        ASSERT_TRUE(p.exited_with(0)) << p.describe();
        emit("allocprof-summary", {"summary", imported.string(), "--json"});
        emit("allocprof-top", {"top", imported.string(), "--json"});
        emit("allocprof-report", {"report", imported.string(), "--format", "json"});
        emit("allocprof-heap", {"heap", imported.string(), "--json"});
    }

    for (const char* format : kFormats) {
        SCOPED_TRACE(format);
        ASSERT_FALSE(documents_[format].empty()) << "no document of this format was checked";
        ProcessResult p = check(schema_file(format), documents_[format]);
        EXPECT_TRUE(p.exited_with(0)) << p.out << p.describe();
    }
}

TEST_F(JsonSchemas, ADocumentThatBreaksItsSchemaIsRefusedWithThePlace) {
    const fs::path markers = copy(golden("markers.db"), "markers.db");
    ProcessResult p = allocprof({"summary", markers.string(), "--json"});
    ASSERT_TRUE(p.exited_with(0)) << p.describe();
    json doc = json::parse(p.out);
    doc["runs"][0].erase("allocations");
    doc["runs"][0]["frees"] = -1;
    doc["runs"][0]["peak_live_bytes"] = "12 KB";
    doc["unknown"] = true;
    const fs::path broken = dir_ / "broken.json";
    std::ofstream(broken) << doc.dump();

    ProcessResult c = check(schema_file("allocprof-summary"), {broken});
    EXPECT_TRUE(c.exited_with(1)) << c.describe();
    EXPECT_NE(c.out.find("/runs/0: 'allocations' is a required property"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("/runs/0/frees: -1 is less than the minimum of 0"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("/runs/0/peak_live_bytes: '12 KB' is not of type"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("'unknown' was unexpected"), std::string::npos) << c.out;
    EXPECT_EQ(count_lines_starting_with(c.out, broken.string() + ": "), 4) << c.out;
}

}  // namespace
}  // namespace allocprof::e2e
