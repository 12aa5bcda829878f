// source_analysis_test.cpp — `allocprof analyze --source-root` on real recordings:
// the interpreter sample's planted sites get descriptions that name the allocated type and
// the construct, and their refined remediation kinds; its never-called allocating native is a
// coverage gap and the called ones are not; a second analysis reuses the parse cache; a
// program compiled here without a compile_commands.json is analysed with default flags, and
// keeps its dynamic analysis once its source is deleted; without a root, the program's own
// source is found from its debug information; bad input exits 2.
#include <chrono>
#include <fstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

const fs::path kCompileCommands = ALLOCPROF_TEST_COMPILE_COMMANDS;  // this build's
const fs::path kCxx = ALLOCPROF_TEST_CXX;

// What analyze must say about each planted site of samples/interp/interp.cpp (see its
// "Planted patterns"), and the plan kinds the source refines or explains away.
struct PlantedSource {
    const char* function;
    const char* kind;         // site_sources.kind
    const char* description;  // site_sources.description, exactly
    const char* plan_kind;    // a plan item of this kind
    const char* risk;         // ... with this risk
    const char* not_kind;     // a dynamic kind the construct explains away ("" = none)
};

const PlantedSource kPlanted[] = {
    {"box_result", "new", "new Box in box_result", "pool", "medium", ""},
    {"alloc_frame", "new_array", "new Value[] in alloc_frame", "size_tiers", "medium", ""},
    {"build_list", "container_growth",
     "std::vector<Value> grown by push_back inside a loop in build_list (no reserve)", "reserve", "low", ""},
    {"make_callback", "std_function", "std::function<int64_t (int64_t)> built from a lambda in make_callback",
     "closure", "medium", "hoist"},
    {"concat_names", "string_concat", "std::string concatenated with operator+ inside a loop in concat_names",
     "string_builder", "low", "size_tiers"},
    {"new_ast_node", "new", "new Node in new_ast_node", "arena", "high", ""},
    {"intern_constant", "new", "new Constant in intern_constant", "static", "low", ""},
    {"cache_result", "new", "new CacheEntry in cache_result", "fix_leak", "high", ""},
    {"take_heap_snapshot", "new_array", "new char[] in take_heap_snapshot", "reduce_peak", "high", ""},
};

// The sites row of the interpreter's function `name` (in its anonymous namespace).
std::string site_where(const std::string& name) {
    return " JOIN sites s USING (run_id, site_id) WHERE s.function LIKE '(anonymous namespace)::" + name + "(%'";
}

std::vector<std::string> column(const RunDatabase& db, const std::string& sql) {
    std::vector<std::string> out;
    for (const Row& r : db.query(sql)) out.push_back(r.is_null(0) ? "NULL" : r.text(0));
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

class SourceAnalysis : public E2eTest {
protected:
    fs::path cache() const { return dir_ / "cache"; }

    void record_interpreter() {
        Recording rec = record(db(), {sample_binary("interpreter").string()});
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    }

    ProcessResult analyze(const std::vector<std::string>& options) {
        std::vector<std::string> argv = {allocprof_binary().string(), "analyze", db().string()};
        argv.insert(argv.end(), options.begin(), options.end());
        return run_process(argv);
    }

    // analyze with the interpreter's sources and this build's compile_commands.json, every
    // plan item listed (the once-per-run sites would otherwise be counted as negligible).
    ProcessResult analyze_interpreter() {
        const fs::path config = dir_ / "list-all.json";
        write(config, R"({"analysis": {"planner": {"negligible_share": 0}}})");
        return analyze({"--source-root", (samples_source_dir() / "interp").string(), "--compile-commands",
                        kCompileCommands.string(), "--source-cache", cache().string(), "--config", config.string()});
    }

    std::string report(const std::string& format) {
        ProcessResult r = run_process({allocprof_binary().string(), "report", db().string(), "--format", format});
        EXPECT_TRUE(r.exited_with(0)) << r.describe();
        return r.out;
    }

    // Writes `text` to `path` (and its directories).
    static void write(const fs::path& path, const std::string& text) {
        fs::create_directories(path.parent_path());
        std::ofstream(path) << text;
    }
};

TEST_F(SourceAnalysis, PlantedSitesSayWhatTheyAllocateAndGetTheRefinedKind) {
    ASSERT_NO_FATAL_FAILURE(record_interpreter());
    ProcessResult r = analyze_interpreter();
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_NE(r.out.find("source: 1 files: 1 parsed, 0 reused from the cache, 0 failed"), std::string::npos) << r.out;

    RunDatabase database(db());
    for (const PlantedSource& p : kPlanted) {
        SCOPED_TRACE(p.function);
        std::vector<Row> rows = database.query("SELECT ss.status, ss.kind, ss.description FROM site_sources ss" +
                                               site_where(p.function));
        ASSERT_EQ(rows.size(), 1u);
        EXPECT_EQ(rows[0].text(0), "ok");
        EXPECT_EQ(rows[0].text(1), p.kind);
        EXPECT_EQ(rows[0].text(2), p.description);

        const std::vector<std::string> kinds = column(database, "SELECT p.kind FROM plan_items p" + site_where(p.function));
        EXPECT_TRUE(contains(kinds, p.plan_kind)) << ::testing::PrintToString(kinds);
        if (*p.not_kind != '\0') {
            EXPECT_FALSE(contains(kinds, p.not_kind)) << ::testing::PrintToString(kinds);
        }
        EXPECT_EQ(column(database, "SELECT p.risk FROM plan_items p" + site_where(p.function) + " AND p.kind = '" +
                                       p.plan_kind + "'"),
                  std::vector<std::string>{p.risk});
    }
    // The refined wording names the container, the function and the construct.
    EXPECT_EQ(column(database, "SELECT p.change FROM plan_items p" + site_where("build_list") + " AND p.kind = 'reserve'"),
              std::vector<std::string>{"call reserve on the `std::vector<Value>` in `build_list` before the loop "
                                       "that grows it by `push_back`"});
    // concat_names's string builder is low risk inside a loop of a high site: Phase 2.
    EXPECT_EQ(database.scalar("SELECT p.phase FROM plan_items p" + site_where("concat_names") +
                              " AND p.kind = 'string_builder'"),
              2);

    // The report shows each description next to its site (markdown quotes it as code).
    const std::string md = report("md");
    for (const PlantedSource& p : kPlanted)
        EXPECT_NE(md.find(std::string(" — `") + p.description + "`"), std::string::npos) << p.function;
    const json doc = json::parse(report("json"));
    int described = 0;
    for (const json& site : doc["sites"])
        described += site["source"].is_object() && !site["source"]["description"].get<std::string>().empty();
    EXPECT_EQ(described, static_cast<int>(std::size(kPlanted)));
}

TEST_F(SourceAnalysis, AnUncalledAllocatingFunctionIsACoverageGapACalledOneIsNot) {
    ASSERT_NO_FATAL_FAILURE(record_interpreter());
    ProcessResult r = analyze_interpreter();
    ASSERT_TRUE(r.exited_with(0)) << r.describe();

    RunDatabase database(db());
    const std::vector<std::string> gaps =
        column(database, "SELECT function FROM source_coverage_gaps ORDER BY rank");
    EXPECT_EQ(gaps, std::vector<std::string>{"(anonymous namespace)::trace_calls"});
    Row trace = database.query("SELECT constructs, in_loops, kinds FROM source_coverage_gaps").at(0);
    EXPECT_EQ(trace.int64(0), 2);  // the push_back and the string concatenation, both in the loop
    EXPECT_EQ(trace.int64(1), 2);
    EXPECT_EQ(trace.text(2), R"(["container_growth","string_concat"])");
    for (const PlantedSource& p : kPlanted)  // each runs every op, or once: never a gap
        EXPECT_FALSE(contains(gaps, std::string("(anonymous namespace)::") + p.function)) << p.function;

    const std::string md = report("md");
    const size_t section = md.find("## Coverage gaps — allocates, but no scenario runs it");
    ASSERT_NE(section, std::string::npos) << md;
    const std::string rest = md.substr(section);
    EXPECT_NE(rest.find("| 1 | `(anonymous namespace)::trace_calls` |"), std::string::npos) << rest;
    EXPECT_EQ(rest.substr(0, rest.find("## Next steps")).find("build_list"), std::string::npos) << rest;
    const json doc = json::parse(report("json"));
    ASSERT_EQ(doc["source_coverage_gaps"].size(), 1u);
    EXPECT_EQ(doc["source_coverage_gaps"][0]["function"], "(anonymous namespace)::trace_calls");
    EXPECT_NE(report("html").find("(anonymous namespace)::trace_calls"), std::string::npos);
}

// The same tree analysed twice: the second parses nothing. The source part of the config
// file stands in for the command line here.
TEST_F(SourceAnalysis, ASecondAnalysisReusesTheParseCache) {
    ASSERT_NO_FATAL_FAILURE(record_interpreter());
    const fs::path config = dir_ / "allocprof.json";
    write(config, json{{"source",
                        {{"root", (samples_source_dir() / "interp").string()},
                         {"compile_commands", kCompileCommands.string()},
                         {"cache_dir", "cache"}}}}  // relative to the config file
                      .dump());
    const auto seconds_of = [&](const std::string& what) {
        RunDatabase database(db());
        const Row row = database.query("SELECT parsed, reused, failed, seconds FROM source_analysis").at(0);
        RecordProperty(what + "_seconds", row.text(3));
        return std::vector<int64_t>{row.int64(0), row.int64(1), row.int64(2)};
    };
    ProcessResult cold = analyze({"--config", config.string()});
    ASSERT_TRUE(cold.exited_with(0)) << cold.describe();
    EXPECT_EQ(seconds_of("cold"), (std::vector<int64_t>{1, 0, 0}));
    ASSERT_TRUE(fs::exists(cache())) << "the cache directory is relative to the config file";

    ProcessResult warm = analyze({"--config", config.string()});
    ASSERT_TRUE(warm.exited_with(0)) << warm.describe();
    EXPECT_EQ(seconds_of("warm"), (std::vector<int64_t>{0, 1, 0}));
    EXPECT_NE(warm.out.find("source: 1 files: 0 parsed, 1 reused from the cache, 0 failed"), std::string::npos)
        << warm.out;
    std::cout << "cold: " << cold.out << "warm: " << warm.out;
    // Same results from the cache as from the parse.
    RunDatabase database(db());
    EXPECT_EQ(database.scalar("SELECT count(*) FROM site_sources WHERE status = 'ok' AND kind <> 'unknown'"),
              static_cast<int64_t>(std::size(kPlanted)));
}

// A small program compiled here, from a source tree without compile_commands.json.
class SourceTreeWithoutDatabase : public SourceAnalysis {
protected:
    fs::path source() const { return dir_ / "src" / "prog.cpp"; }

    void build_and_record() {
        write(source(),
              "#include <vector>\n"
              "volatile unsigned long sink;\n"
              "__attribute__((noinline)) void fill(int n) {\n"
              "    std::vector<int> v;\n"
              "    for (int i = 0; i < n; ++i) v.push_back(i);\n"
              "    sink = sink + v.size();\n"
              "}\n"
              "__attribute__((noinline)) void never_called(int n) {\n"
              "    for (int i = 0; i < n; ++i) {\n"
              "        int* p = new int[4];\n"
              "        sink = sink + reinterpret_cast<unsigned long>(p);\n"
              "        delete[] p;\n"
              "    }\n"
              "}\n"
              "int main(int argc, char**) {\n"
              "    for (int round = 0; round < 50; ++round) fill(100);\n"
              "    if (argc > 5) never_called(3);\n"
              "    return 0;\n"
              "}\n");
        const fs::path program = dir_ / "prog";
        ProcessResult cc = run_process({kCxx.string(), "-g", "-O1", "-fno-omit-frame-pointer", "-o",
                                        program.string(), source().string()});
        ASSERT_TRUE(cc.exited_with(0)) << cc.describe();
        Recording rec = record(db(), {program.string()});
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    }
    ProcessResult analyze_tree() {
        return analyze({"--source-root", (dir_ / "src").string(), "--source-cache", cache().string()});
    }
};

TEST_F(SourceTreeWithoutDatabase, DefaultFlagsClassifyTheSitesAndFindTheGap) {
    ASSERT_NO_FATAL_FAILURE(build_and_record());
    ProcessResult r = analyze_tree();
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_NE(r.out.find("1 parsed, 0 reused from the cache, 0 failed"), std::string::npos) << r.out;
    RunDatabase database(db());
    EXPECT_EQ(column(database, "SELECT ss.description FROM site_sources ss JOIN sites s USING (run_id, site_id)"
                               " WHERE s.function LIKE 'fill(%'"),
              std::vector<std::string>{"std::vector<int> grown by push_back inside a loop in fill (no reserve)"});
    EXPECT_TRUE(database.query("SELECT compile_commands FROM source_analysis").at(0).is_null(0));
    EXPECT_EQ(column(database, "SELECT function FROM source_coverage_gaps"), std::vector<std::string>{"never_called"});
}

TEST_F(SourceTreeWithoutDatabase, AMissingSourceFileIsReportedAndItsSitesKeepTheirDynamicPlan) {
    ASSERT_NO_FATAL_FAILURE(build_and_record());
    ProcessResult without = analyze({"--no-source"});
    ASSERT_TRUE(without.exited_with(0)) << without.describe();
    const std::vector<std::string> dynamic_plan = column(RunDatabase(db()), "SELECT kind FROM plan_items ORDER BY item_index");
    ASSERT_FALSE(dynamic_plan.empty());

    fs::remove(source());  // moved away since the build
    ProcessResult r = analyze_tree();
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_NE(r.out.find("0 parsed, 0 reused from the cache, 1 failed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("source: missing_file: " + source().string() + ": no such source file"), std::string::npos)
        << r.out;
    RunDatabase database(db());
    EXPECT_EQ(column(database, "SELECT ss.status || ': ' || ss.reason FROM site_sources ss JOIN sites s"
                               " USING (run_id, site_id) WHERE s.function LIKE 'fill(%'"),
              std::vector<std::string>{"missing_file: " + source().string() + ": no such source file"});
    EXPECT_EQ(database.scalar("SELECT failed FROM source_analysis"), 1);
    EXPECT_EQ(column(database, "SELECT kind FROM plan_items ORDER BY item_index"), dynamic_plan);
    EXPECT_NE(report("md").find("`" + source().string() + "` (missing_file): "), std::string::npos);
}

// Without --source-root, the program's one compilation unit is found from its DWARF: its
// directory is the root, the gap is found, and no compile_commands.json is used (the ones
// above the compilation directory have no entry for it). Once the source is moved away
// there is no source analysis, and the note says why.
TEST_F(SourceTreeWithoutDatabase, TheProgramsSourceIsFoundByDefaultAndMissedWhenMovedAway) {
    ASSERT_NO_FATAL_FAILURE(build_and_record());
    ProcessResult r = analyze({"--source-cache", cache().string()});
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_NE(r.err.find("source: the program's 1 source file under " + (dir_ / "src").string() +
                         ", as its debug information names them (--no-source"),
              std::string::npos)
        << r.err;
    RunDatabase database(db());
    EXPECT_EQ(column(database, "SELECT source_root FROM source_analysis"), std::vector<std::string>{(dir_ / "src").string()});
    EXPECT_TRUE(database.query("SELECT compile_commands FROM source_analysis").at(0).is_null(0));
    EXPECT_EQ(column(database, "SELECT ss.description FROM site_sources ss JOIN sites s USING (run_id, site_id)"
                               " WHERE s.function LIKE 'fill(%'"),
              std::vector<std::string>{"std::vector<int> grown by push_back inside a loop in fill (no reserve)"});
    EXPECT_EQ(column(database, "SELECT function FROM source_coverage_gaps"), std::vector<std::string>{"never_called"});

    fs::remove(source());
    ProcessResult moved = analyze({"--source-cache", cache().string()});
    ASSERT_TRUE(moved.exited_with(0)) << moved.describe();
    EXPECT_NE(moved.err.find("source: no source analysis: none of the 1 source files the program's debug "
                             "information names is on disk"),
              std::string::npos)
        << moved.err;
    EXPECT_EQ(RunDatabase(db()).scalar("SELECT count(*) FROM site_sources"), 0);
}

// A program rebuilt since the run (another build-id) names no sources of the code that ran:
// the note says it was rebuilt.
TEST_F(SourceTreeWithoutDatabase, ARebuiltProgramGetsNoDefaultSourcesAndIsNamedRebuilt) {
    ASSERT_NO_FATAL_FAILURE(build_and_record());
    ProcessResult cc = run_process({kCxx.string(), "-g", "-O0", "-o", (dir_ / "prog").string(), source().string()});
    ASSERT_TRUE(cc.exited_with(0)) << cc.describe();
    ProcessResult r = analyze({"--source-cache", cache().string()});
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_NE(r.err.find("source: no source analysis: the program's file was rebuilt since the run"), std::string::npos)
        << r.err;
    EXPECT_EQ(RunDatabase(db()).scalar("SELECT count(*) FROM site_sources"), 0);
}

TEST_F(SourceAnalysis, BadSourceOptionsExitTwoWithAMessage) {
    Recording rec = record(db(), {sample_binary("empty").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    const fs::path root = samples_source_dir() / "interp";
    const auto expect_usage_error = [&](const std::vector<std::string>& options, const std::string& message) {
        ProcessResult r = analyze(options);
        EXPECT_TRUE(r.exited_with(2)) << r.describe();
        EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    };
    const fs::path config = dir_ / "config.json";
    write(config, R"({"source": {"root": "/", "cache": "/tmp"}})");
    expect_usage_error({"--config", config.string()},
                       config.string() + ": source.cache: unknown key (known: root, compile_commands, cache_dir, "
                                         "include_dirs)");
    write(config, R"({"source": {"root": "/", "include_dirs": "include"}})");
    expect_usage_error({"--config", config.string()}, "source.include_dirs: must be an array of paths");

    const fs::path bad = dir_ / "compile_commands.json";
    write(bad, "{\"not\": \"an array\"}");
    expect_usage_error({"--source-root", root.string(), "--compile-commands", bad.string()}, bad.string());
    write(bad, "[{\"directory\": ");
    expect_usage_error({"--source-root", root.string(), "--compile-commands", bad.string()}, bad.string());
    expect_usage_error({"--source-root", root.string(), "--compile-commands", (dir_ / "none.json").string()},
                       (dir_ / "none.json").string());
    expect_usage_error({"--source-root", (dir_ / "no-such-dir").string()}, "the source root is not a directory");
    expect_usage_error({"--compile-commands", kCompileCommands.string()}, "--compile-commands needs --source-root");
    // Nothing was analysed.
    RunDatabase database(db());
    EXPECT_TRUE(database.query("SELECT 1 FROM sqlite_master WHERE name = 'analysis'").empty() ||
                database.query("SELECT 1 FROM analysis").empty());
}

}  // namespace
}  // namespace allocprof::e2e
