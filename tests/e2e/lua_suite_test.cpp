// lua_suite_test.cpp — the bundled Lua scenario suite (samples/lua/suite.json, the scripts in
// samples/lua/scenarios/) under `allocprof suite`. One test runs the suite once (ctest runs
// every test in its own process, so the checks share one test) and checks:
//
// - every scenario is recorded, with its exact op count (the measured phase counts the ops
//   given on its command line, the run adds the harness's warmup tenth);
// - its allocations have script frames: `top --group script` puts nearly all of them on
//   lines of the scenario's own script (or in a Lua library function it called);
// - two scenarios whose allocations follow from Lua 5.4's semantics have exactly that many
//   allocations per op in the measured phase, as `analyze` + `report --format json` show.
//   ClosureCapture: 3 closures and 2 upvalues per op; MetatableInterop: 6 tables with a
//   2-slot hash part each. The sentinel userdata allocprof plants per finished GC cycle
//   (lua_frames.cpp) is left out of the recording, so the expectation is K * ops, exactly.
// Skipped when Debian's lua5.4 is not on PATH.
//
// A second test, with the debug Lua (skipped when absent, as in debug_lua_test.cpp): the
// native sites of ClosureCapture are the VM functions Lua's semantics name, luaF_newLclosure
// and newupval ($ALLOCPROF_DEBUG_LUA, else BUILD/debug-lua/bin/lua5.4-debug).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One scenario of the suite file, as the tests read it.
struct Scenario {
    std::string name;
    std::string script;  // file name, e.g. "closure_capture.lua"
    long long ops = 0;   // the measured phase's: the command's last argument
    long long warmup_ops() const { return std::max(1LL, ops / 10); }  // harness.lua
};

fs::path suite_file() { return samples_source_dir() / "lua" / "suite.json"; }

std::vector<Scenario> read_scenarios() {
    std::ifstream in(suite_file());
    const json suite = json::parse(in);
    std::vector<Scenario> scenarios;
    for (const json& s : suite.at("scenarios")) {
        const auto& command = s.at("command");
        scenarios.push_back({s.at("name").get<std::string>(),
                             fs::path(command.at(1).get<std::string>()).filename().string(),
                             std::stoll(command.back().get<std::string>())});
    }
    return scenarios;
}

// allocprof ARGS..., parsed as JSON; a failure names the command.
json allocprof_json(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {allocprof_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = run_process(argv);
    if (!r.exited_with(0)) throw std::runtime_error("allocprof " + args.at(0) + " failed: " + r.describe());
    return json::parse(r.out);
}

// The measured phase's allocations, allocs/op and ops from `analyze` + `report --format
// json`, and the GC cycles analyze counted inside the phase: allocations must be exactly
// per_op * ops (allocprof's GC sentinels are not the script's and are not recorded).
void expect_allocs_per_op(const fs::path& db, const Scenario& s, const std::string& id, long long per_op) {
    SCOPED_TRACE(s.name);
    ProcessResult analyzed = run_process({allocprof_binary().string(), "analyze", db.string(), "--run", id});
    ASSERT_TRUE(analyzed.exited_with(0)) << analyzed.describe();
    const json report = allocprof_json({"report", db.string(), "--format", "json", "--run", id});
    json measure;
    for (const json& w : report.at("baseline"))
        if (w.at("window") == "measure") measure = w;
    ASSERT_TRUE(measure.is_object()) << "no measure phase in " << report.at("baseline").dump();
    ASSERT_EQ(measure.at("ops").get<long long>(), s.ops);

    // The collections analyze counted in the phase, and the cycles recorded in it.
    RunDatabase d(db);
    const long long cycles = d.scalar("SELECT cycles FROM analysis_gc WHERE run_id = " + id +
                                      " AND window = 'measure' AND language = 'lua'");
    EXPECT_EQ(cycles, d.scalar("SELECT count(*) FROM gc_cycles g JOIN phases p USING (run_id, phase_id)"
                               " WHERE g.run_id = " + id + " AND p.name = 'measure'"));
    EXPECT_GT(cycles, 0);  // the collector did run

    const long long expected = per_op * s.ops;
    EXPECT_EQ(measure.at("allocations").get<long long>(), expected)
        << per_op << " x " << s.ops << " ops (" << cycles << " GC cycles)";
    EXPECT_DOUBLE_EQ(measure.at("allocs_per_op").get<double>(), double(expected) / double(s.ops));
    EXPECT_EQ(measure.at("reallocs").get<long long>(), 0);
}

// `top --group script` of the scenario's run: nearly all allocations on the script's lines.
void expect_script_frames(const fs::path& db, const Scenario& s, const std::string& id) {
    SCOPED_TRACE(s.name);
    const json top = top_json(db, {"--group", "script", "--run", id});
    ASSERT_EQ(top["group"], "script");
    // A row is the scenario's when its innermost Lua frame is a line of the script, or a
    // library function ([C]: gsub, coroutine.wrap, a for iterator) the script called: the
    // first frame below it with a source file is then the script's.
    long long in_script = 0, at_a_line = 0;
    for (const json& site : top["sites"]) {
        if (site["module"] != "[lua]") continue;
        std::string file = site["file"];
        for (const json& frame : site["stack"]) {
            if (frame["file"] != "[C]") {
                file = frame["file"];
                break;
            }
        }
        if (!ends_with(file, "/" + s.script)) continue;
        in_script += site["allocations"].get<long long>();
        // Line 0: a function's entry, before its first instruction (a stack check there can
        // run a GC step, whose finalizer plants allocprof's next sentinel).
        if (site["file"] != file || site["line"].get<int>() > 0) at_a_line += site["allocations"].get<long long>();
    }
    // What is left: the interpreter's start (no script frame yet) and the harness's few.
    const long long total = top["allocations_total"].get<long long>();
    EXPECT_GE(in_script * 100, total * 90) << in_script << " of " << total;
    EXPECT_GE(at_a_line * 100, in_script * 95) << at_a_line << " of " << in_script;
}

TEST(LuaSuite, EveryScenarioRecordsItsOpsScriptLinesAndExactAllocsPerOp) {
    if (!find_on_path("lua5.4")) GTEST_SKIP() << "lua5.4 is not on PATH";
    TempDir dir;
    const fs::path db = dir / "lua-suite.db";
    ProcessResult suite = run_process({allocprof_binary().string(), "suite", suite_file().string(), "-o", db.string()},
                                      {std::chrono::seconds(150), {}, {}, {}});
    ASSERT_TRUE(suite.exited_with(0)) << suite.describe() << "\n" << suite.out;

    const std::vector<Scenario> scenarios = read_scenarios();
    ASSERT_EQ(scenarios.size(), 6u);
    RunDatabase d(db);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM runs"), 6);
    std::map<std::string, std::string> run_ids;
    for (const Scenario& s : scenarios) {
        SCOPED_TRACE(s.name);
        EXPECT_NE(suite.out.find("ok   " + s.name + ": 1 run: "), std::string::npos) << suite.out;
        const std::string where = " WHERE scenario = '" + s.name + "'";
        ASSERT_EQ(d.scalar("SELECT count(*) FROM runs" + where), 1);
        const std::string id = std::to_string(d.scalar("SELECT run_id FROM runs" + where));
        run_ids[s.name] = id;
        EXPECT_EQ(d.scalar("SELECT exit_status FROM runs" + where), 0);
        // The run counts the warmup's ops too; the measured phase exactly the ops given.
        EXPECT_EQ(d.scalar("SELECT ops FROM runs" + where), s.ops + s.warmup_ops());
        EXPECT_EQ(d.query("SELECT ops_source FROM runs" + where).at(0).text(0), "markers");
        const std::string phase = "SELECT ops FROM phases WHERE run_id = " + id;
        EXPECT_EQ(d.scalar(phase + " AND name = 'warmup'"), s.warmup_ops());
        EXPECT_EQ(d.scalar(phase + " AND name = 'measure'"), s.ops);
        EXPECT_EQ(d.scalar("SELECT ops FROM analysis_windows WHERE window = 'measure' AND run_id = " + id), s.ops);
        EXPECT_GT(d.scalar("SELECT count(*) FROM gc_cycles WHERE language = 'lua' AND run_id = " + id), 0);
        expect_script_frames(db, s, id);
    }
    // The window compare gates on is the measured phase.
    auto meta = json::parse(d.query("SELECT value FROM meta WHERE key = 'suite'")[0].text(0));
    EXPECT_EQ(meta["scenarios"]["ClosureCapture"]["measure_phase"], "measure");

    // From Lua 5.4's semantics. ClosureCapture: make_account's 2 locals become upvalues,
    // shared by 3 new closures. MetatableInterop: 6 objects, each a table and its 2-slot hash.
    const std::map<std::string, long long> per_op = {{"ClosureCapture", 5}, {"MetatableInterop", 12}};
    for (const Scenario& s : scenarios)
        if (per_op.count(s.name)) expect_allocs_per_op(db, s, run_ids[s.name], per_op.at(s.name));

    // The suite document: one baseline row per scenario, in the suite's order, with the
    // measured phase's ops and the same exact allocs/op; each site once; no target twice;
    // Lua's start-up (luaL_openlibs, lua_newstate) outside the tiers.
    const json doc = allocprof_json({"report", db.string(), "--format", "json"});
    EXPECT_EQ(doc.at("format"), "allocprof-suite-report");
    ASSERT_EQ(doc.at("baseline").size(), scenarios.size());
    for (size_t i = 0; i < scenarios.size(); ++i) {
        const json& row = doc["baseline"][i];
        EXPECT_EQ(row.at("name"), scenarios[i].name);
        EXPECT_EQ(row.at("ops").get<double>(), static_cast<double>(scenarios[i].ops)) << scenarios[i].name;
        if (per_op.count(scenarios[i].name)) {
            EXPECT_EQ(row.at("allocs_per_op").get<double>(), static_cast<double>(per_op.at(scenarios[i].name)))
                << scenarios[i].name;
        }
    }
    std::set<std::string> keys, targets;
    for (const json& site : doc.at("sites")) {
        EXPECT_TRUE(keys.insert(site.at("site_key").get<std::string>()).second) << site.dump();
        const std::string f = site.at("function");
        if (f == "luaL_openlibs" || f == "lua_newstate") {
            EXPECT_EQ(site.at("tier"), "runtime") << f;
        }
    }
    for (const json& p : doc.at("plan"))
        EXPECT_TRUE(targets.insert(p.at("site_key").get<std::string>()).second) << "a target twice: " << p.dump();
    EXPECT_EQ(doc.at("runtime").at("startup_modules"), json::array({"lua5.4"}));
}

// The same closures, seen from the debug Lua's own functions: luaF_newLclosure 3 per op,
// newupval 2 per op (warmup included: sites count the whole run), and a few from the
// interpreter's start.
TEST(LuaSuite, ClosureCaptureSitesInTheDebugLua) {
    // Where scripts/build-debug-lua.sh puts it in a build tree (see debug_lua_test.cpp).
    fs::path lua = allocprof_binary().parent_path().parent_path() / "debug-lua" / "bin" / "lua5.4-debug";
    if (const char* env = std::getenv("ALLOCPROF_DEBUG_LUA"); env != nullptr && *env != '\0') lua = env;
    if (!fs::exists(lua)) GTEST_SKIP() << "no debug Lua at " << lua << " (scripts/build-debug-lua.sh builds it)";
    const long long ops = 1000, run_ops = ops + ops / 10;
    TempDir dir;
    Recording rec = record(dir / "debug.db",
                           {lua.string(), (samples_source_dir() / "lua" / "scenarios" / "closure_capture.lua").string(),
                            std::to_string(ops)});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    std::map<std::string, long long> by_function;
    const json top = top_json(dir / "debug.db");
    for (const json& site : top["sites"])
        by_function[site["function"].get<std::string>()] += site["allocations"].get<long long>();
    SCOPED_TRACE("allocations by function: " + json(by_function).dump());
    EXPECT_GE(by_function["luaF_newLclosure"], 3 * run_ops);
    EXPECT_LE(by_function["luaF_newLclosure"], 3 * run_ops + 40);
    EXPECT_GE(by_function["newupval"], 2 * run_ops);
    EXPECT_LE(by_function["newupval"], 2 * run_ops + 40);
}

}  // namespace
}  // namespace allocprof::e2e
