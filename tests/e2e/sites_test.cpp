// sites_test.cpp — `allocprof top` names allocation sites by function, file and line:
// the planted sites of samples/cpp/planted_sites.cpp (expected lines read from its
// `// site:NAME` markers), CPython from pyenv with full DWARF, the same program recorded
// twice, the program rebuilt with a blank line inserted above a site (the function-level
// key pairs it), stripped binaries and Debian's stripped lua5.4 (coverage lines, .dynsym
// names), site configs from `allocprof symbolize --config`, and a run never symbolized.
#include <sqlite3.h>

#include <fstream>
#include <map>
#include <set>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

const std::filesystem::path kPython311 = "/root/.pyenv/versions/3.11.7/bin/python3.11";
const std::filesystem::path kPython312 = "/root/.pyenv/versions/3.12.1/bin/python3.12";

// As DWARF names them: absolute, without "..".
std::filesystem::path planted_source() {
    return std::filesystem::weakly_canonical(samples_source_dir() / "cpp" / "planted_sites.cpp");
}
std::filesystem::path plugin_source() {
    return std::filesystem::weakly_canonical(samples_source_dir() / "cpp" /
                                             "planted_sites_plugin.cpp");
}
std::filesystem::path planted_plugin() { return sample_binary("libplanted_sites_plugin.so"); }

// The 1-based line of `file` ending with "// site:NAME", or 0 (and a failure).
int marker_line(const std::filesystem::path& file, const std::string& name) {
    std::ifstream in(file);
    std::string text;
    const std::string marker = "// site:" + name;
    for (int number = 1; std::getline(in, text); ++number)
        if (text.size() >= marker.size() &&
            text.compare(text.size() - marker.size(), marker.size(), marker) == 0)
            return number;
    ADD_FAILURE() << "no marker " << marker << " in " << file;
    return 0;
}

// allocprof top DB --json -n 0 [extra...], parsed.
json top_json(const std::filesystem::path& db, const std::vector<std::string>& extra = {},
              ProcessResult* result_out = nullptr) {
    std::vector<std::string> argv = {
        allocprof_binary().string(), "top", db.string(), "--json", "-n", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ProcessResult r = run_process(argv);
    if (result_out != nullptr) *result_out = r;
    if (!r.exited_with(0)) throw std::runtime_error("allocprof top failed: " + r.describe());
    return json::parse(r.out);
}

// The one site with exactly `allocations`, or null (and a failure).
json site_with_count(const json& top, long long allocations) {
    json found;
    int matches = 0;
    for (const json& s : top["sites"])
        if (s["allocations"].get<long long>() == allocations) {
            found = s;
            ++matches;
        }
    EXPECT_EQ(matches, 1) << "sites with " << allocations << " allocations";
    return found;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

struct PlantedSite {
    const char* marker;
    long long allocations;
    const char* function_prefix;  // the demangled function starts with this
    const char* module;
};

const PlantedSite kPlanted[] = {
    {"plain", 21, "plain_site(int)", "planted_sites"},
    {"static", 22, "static_site(int)", "planted_sites"},
    {"inlined", 23, "inlined_helper", "planted_sites"},
    {"lambda", 24, "lambda_site()::{lambda(unsigned long)#1}::operator()", "planted_sites"},
    {"template", 25, "double* make_array<double>(unsigned long)", "planted_sites"},
    {"plugin", 26, "plugin_site", "libplanted_sites_plugin.so"},
    {"vector", 27, "vector_site(int)", "planted_sites"},
};

class Sites : public E2eTest {
  protected:
    Recording record_planted(const std::filesystem::path& exe, const std::filesystem::path& db,
                             const std::filesystem::path& plugin = planted_plugin()) {
        Recording rec = record(db, {exe.string(), plugin.string()});
        EXPECT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
        return rec;
    }
};

TEST_F(Sites, PlantedSitesNamedByFunctionFileAndLine) {
    record_planted(sample_binary("planted_sites"), db());
    json top = top_json(db());
    for (const PlantedSite& p : kPlanted) {
        SCOPED_TRACE(p.marker);
        json s = site_with_count(top, p.allocations);
        ASSERT_TRUE(s.is_object());
        const bool in_plugin = std::string(p.marker) == "plugin";
        const std::filesystem::path source = in_plugin ? plugin_source() : planted_source();
        EXPECT_TRUE(starts_with(s["function"].get<std::string>(), p.function_prefix)) << s.dump();
        EXPECT_EQ(s["module"], p.module);
        EXPECT_EQ(std::filesystem::path(s["file"].get<std::string>()), source) << s.dump();
        EXPECT_EQ(s["line"].get<int>(), marker_line(source, p.marker)) << s.dump();
        // The stack starts at the site and reaches main.
        ASSERT_FALSE(s["stack"].empty());
        EXPECT_EQ(s["stack"][0]["line"], s["line"]);
        EXPECT_EQ(s["stack"].back()["function"], "main") << s["stack"].dump();
        EXPECT_EQ(s["site_key"], json::array({s["module"], s["function"], s["file"], s["line"]}));
        EXPECT_EQ(s["function_key"], json::array({s["module"], s["function"]}));
    }
    // No site is allocator plumbing.
    for (const json& s : top["sites"]) {
        const std::string f = s["function"].get<std::string>();
        EXPECT_FALSE(starts_with(f, "operator new") || starts_with(f, "malloc") ||
                     f.find("std::") == 0)
            << f;
    }
    // The terminal form names the same thing.
    ProcessResult text =
        run_process({allocprof_binary().string(), "top", db().string(), "-n", "3"});
    ASSERT_TRUE(text.exited_with(0)) << text.describe();
    EXPECT_NE(text.out.find("vector_site(int)  " + planted_source().string() + ":" +
                            std::to_string(marker_line(planted_source(), "vector"))),
              std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("      at main ("), std::string::npos) << text.out;
}

TEST_F(Sites, SameProgramTwiceGivesIdenticalSites) {
    const auto second = dir_ / "second.db";
    record_planted(sample_binary("planted_sites"), db());
    record_planted(sample_binary("planted_sites"), second);
    auto keyed = [](const json& top) {
        std::map<std::string, long long> out;
        for (const json& s : top["sites"])
            out[s["site_key"].dump()] += s["allocations"].get<long long>();
        return out;
    };
    EXPECT_EQ(keyed(top_json(db())), keyed(top_json(second)));
}

TEST_F(Sites, BlankLineAboveASiteKeepsItsFunctionKey) {
    // Two builds of planted_sites, the second from a copy with a blank line inserted
    // above `// site:static` (samples/CMakeLists.txt); same module name, same file name.
    const auto shifted_db = dir_ / "shifted.db";
    record_planted(sample_binary("rebuild/original/planted_sites"), db());
    record_planted(sample_binary("rebuild/shifted/planted_sites"), shifted_db);
    json original = top_json(db());
    json shifted = top_json(shifted_db);
    const int inserted_above = marker_line(planted_source(), "static");
    for (const PlantedSite& p : kPlanted) {
        SCOPED_TRACE(p.marker);
        json a = site_with_count(original, p.allocations);
        json b = site_with_count(shifted, p.allocations);
        ASSERT_TRUE(a.is_object() && b.is_object());
        EXPECT_EQ(a["function_key"], b["function_key"]);
        EXPECT_EQ(a["file"], b["file"]);
        const bool moved =
            p.module == std::string("planted_sites") && a["line"].get<int>() >= inserted_above;
        if (moved) {
            EXPECT_NE(a["site_key"], b["site_key"]);
            EXPECT_EQ(b["line"].get<int>(), a["line"].get<int>() + 1);
        } else {
            EXPECT_EQ(a["site_key"], b["site_key"]);
        }
    }
    // The pairing rule: exact keys first, then function keys among the unpaired.
    std::set<std::string> a_keys, b_keys;
    for (const json& s : original["sites"]) a_keys.insert(s["site_key"].dump());
    for (const json& s : shifted["sites"]) b_keys.insert(s["site_key"].dump());
    std::multiset<std::string> a_unpaired, b_unpaired;
    for (const json& s : original["sites"])
        if (!b_keys.count(s["site_key"].dump())) a_unpaired.insert(s["function_key"].dump());
    for (const json& s : shifted["sites"])
        if (!a_keys.count(s["site_key"].dump())) b_unpaired.insert(s["function_key"].dump());
    EXPECT_EQ(a_unpaired.size(), 5u);  // static, inlined, lambda, template, vector
    EXPECT_EQ(a_unpaired, b_unpaired);
}

// The coverage entry of `module` in a summary run, or null.
json coverage_of(const json& run, const std::string& module) {
    for (const json& m : run["debug_coverage"])
        if (m["module"] == module) return m;
    return nullptr;
}

TEST_F(Sites, StrippedBinaryGivesCoverageLineAndDynsymNames) {
    const auto exe = dir_ / "planted_sites";
    const auto plugin = dir_ / "libplanted_sites_plugin.so";
    ASSERT_TRUE(run_process({"strip", "-o", exe.string(), sample_binary("planted_sites").string()})
                    .exited_with(0));
    ASSERT_TRUE(
        run_process({"strip", "-o", plugin.string(), planted_plugin().string()}).exited_with(0));
    record_planted(exe, db(), plugin);

    json run = single_run(db());
    json exe_coverage = coverage_of(run, "planted_sites");
    ASSERT_TRUE(exe_coverage.is_object()) << run["debug_coverage"].dump();
    EXPECT_EQ(exe_coverage["frames_file_line"], 0);
    EXPECT_EQ(exe_coverage["fix"], "rebuild with -g (and do not strip)");
    ProcessResult summary = run_summary(db());
    EXPECT_NE(summary.out.find("-> rebuild with -g (and do not strip)"), std::string::npos)
        << summary.out;

    json top = top_json(db());
    // The exported plugin function keeps its name from .dynsym, without a line.
    json plugin_site = site_with_count(top, 26);
    EXPECT_EQ(plugin_site["function"], "plugin_site");
    EXPECT_EQ(plugin_site["file"], "");
    EXPECT_EQ(plugin_site["line"], 0);
    // The executable's functions are not exported: module+0xoffset.
    json plain = site_with_count(top, 21);
    EXPECT_TRUE(starts_with(plain["function"].get<std::string>(), "planted_sites+0x"))
        << plain.dump();
}

TEST_F(Sites, DebianLuaIsStrippedButReadable) {
    auto lua = find_on_path("lua5.4");
    if (!lua) GTEST_SKIP() << "lua5.4 not installed";
    Recording rec =
        record_to_db({lua->string(), (samples_source_dir() / "lua" / "churn.lua").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    json coverage = coverage_of(run, "lua5.4");
    ASSERT_TRUE(coverage.is_object()) << run["debug_coverage"].dump();
    if (coverage["status"] != "dwarf") {  // unless lua5.4-dbgsym is installed
        EXPECT_EQ(coverage["package"], "lua5.4");
        EXPECT_EQ(coverage["fix"], "install lua5.4-dbgsym (or lua5.4-dbg) for file:line");
        EXPECT_EQ(coverage["symbol_table"], ".dynsym");
    }
    json top = top_json(db());
    ASSERT_FALSE(top["sites"].empty());
    // Lua's exported API functions are named from .dynsym somewhere in the stacks.
    bool named = false;
    for (const json& s : top["sites"])
        for (const json& f : s["stack"])
            named = named || starts_with(f["function"].get<std::string>(), "lua_");
    EXPECT_TRUE(named) << top.dump();
}

TEST_F(Sites, PyenvPythonSitesAreCPythonFunctionsWithLines) {
    if (!std::filesystem::exists(kPython311)) GTEST_SKIP() << kPython311 << " not installed";
    ProcessOptions options;
    options.set_env = {{"PYTHONMALLOC", "malloc"}};
    Recording rec =
        record_to_db({kPython311.string(), (samples_source_dir() / "python" / "churn.py").string()},
                     {}, options);
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json top = top_json(db(), {"-n", "15"});
    ASSERT_EQ(top["sites"].size(), 15u);
    const std::vector<std::string> wrappers = {"PyMem_",
                                               "_PyMem_",
                                               "PyObject_Malloc",
                                               "PyObject_Calloc",
                                               "PyObject_Realloc",
                                               "_PyObject_GC_",
                                               "PyObject_GC_",
                                               "_PyObject_New",
                                               "PyType_GenericAlloc",
                                               "gc_alloc",
                                               "malloc"};
    std::set<std::string> names;
    for (const json& s : top["sites"]) {
        const std::string f = s["function"].get<std::string>();
        names.insert(f);
        EXPECT_EQ(s["module"], "libpython3.11.so.1.0") << s.dump();
        EXPECT_EQ(f.find("+0x"), std::string::npos) << f;
        EXPECT_FALSE(s["file"].get<std::string>().empty()) << s.dump();
        EXPECT_GT(s["line"].get<int>(), 0) << s.dump();
        for (const std::string& w : wrappers) EXPECT_FALSE(starts_with(f, w)) << f;
    }
    // The interpreter's start-up (the tuples, dicts and strings of importing site and the
    // standard modules) is its own site, at the call in Py_InitializeFromConfig.
    for (const char* expected : {"PyUnicode_New", "list_resize", "_PyLong_New", "Py_InitializeFromConfig"})
        EXPECT_TRUE(names.count(expected)) << expected << " not among the top sites";
    // The speed figure for the report (no assertion: machines differ).
    RunDatabase database(db());
    auto rows = database.query("SELECT duration_s, addresses FROM symbolization");
    ASSERT_EQ(rows.size(), 1u);
    std::cout << "[ figure   ] symbolized a pyenv python3.11 run (" << rows[0].text(1)
              << " addresses) in " << rows[0].text(0) << " s\n";
    RecordProperty("symbolization_seconds", rows[0].text(0));
}

TEST_F(Sites, PerfMapNamesJitFrames) {
    if (!std::filesystem::exists(kPython312)) GTEST_SKIP() << kPython312 << " not installed";
    // python3.12 -X perf writes /tmp/perf-PID.map for its trampolines.
    Recording rec = record_to_db(
        {kPython312.string(), "-X", "perf", "-c", "x = [str(i) for i in range(1000)]"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    RunDatabase database(db());
    // The map is the target's file in /tmp; the run keeps its own copy, so remove it.
    std::filesystem::remove("/tmp/perf-" + std::to_string(database.scalar("SELECT pid FROM runs")) + ".map");
    EXPECT_GT(database.scalar("SELECT count(*) FROM perf_map"), 0);
    EXPECT_GT(
        database.scalar("SELECT frames_symbol_only FROM debug_coverage WHERE path = '[perf-map]'"),
        0);
    EXPECT_GT(database.scalar("SELECT count(*) FROM symbol_frames WHERE module_key = 'perf-map:1' "
                              "AND function LIKE 'py::%' AND quality = 'symbol_only'"),
              0);
}

TEST_F(Sites, SymbolizeWithConfigMovesWrappedSites) {
    record_planted(sample_binary("planted_sites"), db());
    const auto config = dir_ / "allocprof.json";
    std::ofstream(config)
        << R"({"sites": {"wrappers": ["plain_site", "static_site"], "presets": []}})";
    ProcessResult r = run_process(
        {allocprof_binary().string(), "symbolize", db().string(), "--config", config.string()});
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_NE(r.out.find("run 1: "), std::string::npos) << r.out;
    json top = top_json(db());
    // Both wrapped functions are now plumbing: their allocations belong to the lines of
    // main that call them.
    json plain_caller = site_with_count(top, 21);
    json static_caller = site_with_count(top, 22);
    EXPECT_EQ(plain_caller["function"], "main");
    EXPECT_EQ(static_caller["function"], "main");
    EXPECT_EQ(plain_caller["file"], planted_source().string());
    EXPECT_EQ(static_caller["line"].get<int>(), plain_caller["line"].get<int>() + 1);
    RunDatabase database(db());
    auto rows = database.query("SELECT site_config FROM symbolization");
    ASSERT_EQ(rows.size(), 1u);
    json stored = json::parse(rows[0].text(0));
    EXPECT_EQ(stored["source"], config.string());
    EXPECT_EQ(stored["wrappers"], json::array({"plain_site", "static_site"}));
}

TEST_F(Sites, BadConfigIsRefusedNamingTheFile) {
    record_planted(sample_binary("planted_sites"), db());
    struct Case {
        const char* text;
        const char* problem;
    };
    for (const Case& c :
         {Case{"{not json", "not valid JSON"},
          Case{R"({"sites": {"wrappers": "x"}})", "\"sites.wrappers\" must be an array of strings"},
          Case{R"({"sites": {"presets": ["tcl"]}})", "unknown preset \"tcl\""}}) {
        const auto config = dir_ / "bad.json";
        std::ofstream(config) << c.text;
        ProcessResult r = run_process(
            {allocprof_binary().string(), "symbolize", db().string(), "--config", config.string()});
        EXPECT_TRUE(r.exited_with(2)) << r.describe();
        EXPECT_NE(r.err.find("allocprof: error: " + config.string() + ": " + c.problem),
                  std::string::npos)
            << r.err;
    }
}

TEST_F(Sites, TopSymbolizesARunThatNeverWas) {
    record_planted(sample_binary("planted_sites"), db());
    // A file recorded before symbolization existed: none of its tables.
    execute_sql_file(db(),
                     "DROP TABLE symbolization; DROP TABLE symbol_frames; DROP TABLE sites; "
                     "DROP TABLE stack_sites; DROP TABLE debug_coverage; DROP TABLE perf_map;");
    json run = single_run(db());
    EXPECT_TRUE(run["debug_coverage"].is_null());
    ProcessResult r;
    json top = top_json(db(), {}, &r);
    EXPECT_NE(r.err.find("was never symbolized; symbolizing it now"), std::string::npos) << r.err;
    EXPECT_EQ(site_with_count(top, 27)["function"], "vector_site(int)");
    // Once is enough.
    top_json(db(), {}, &r);
    EXPECT_EQ(r.err, "");
}

TEST_F(Sites, TopOptions) {
    record_planted(sample_binary("planted_sites"), db());
    json by_bytes = top_json(db(), {"--by", "bytes", "-n", "2"});
    ASSERT_EQ(by_bytes["sites"].size(), 2u);
    EXPECT_EQ(by_bytes["by"], "bytes");
    EXPECT_GE(by_bytes["sites"][0]["bytes_allocated"].get<long long>(),
              by_bytes["sites"][1]["bytes_allocated"].get<long long>());
    ProcessResult bad =
        run_process({allocprof_binary().string(), "top", db().string(), "--by", "speed"});
    EXPECT_TRUE(bad.exited_with(2)) << bad.describe();
    ProcessResult no_run =
        run_process({allocprof_binary().string(), "top", db().string(), "--run", "9"});
    EXPECT_TRUE(no_run.exited_with(2)) << no_run.describe();
    EXPECT_NE(no_run.err.find("no run 9 (its runs: 1)"), std::string::npos) << no_run.err;
}

}  // namespace
}  // namespace allocprof::e2e
