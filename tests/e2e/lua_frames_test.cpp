// lua_frames_test.cpp — Lua script frames (interpose/lua_frames.cpp), with Debian's
// stripped lua5.4 and the debug Lua that scripts/build-debug-lua.sh builds: allocations
// land on the exact script lines and functions that made them, script-attributed totals
// equal the native totals, coroutines keep their stacks, forced collections are counted,
// and the Lua marker module works. The scripts tag their allocating lines with
// "@alloc NAME"; the tests find the line numbers from the tags.
#include <fstream>
#include <map>
#include <sstream>

#include "e2e_test.h"
#include "support/run_database.h"

namespace allocprof::e2e {
namespace {

std::filesystem::path lua_script(const std::string& name) { return samples_source_dir() / "lua" / name; }

// The line of `path` holding "@alloc NAME".
int tagged_line(const std::filesystem::path& path, const std::string& name) {
    std::ifstream in(path);
    std::string text;
    for (int line = 1; std::getline(in, text); ++line)
        if (text.find("@alloc " + name + ":") != std::string::npos) return line;
    throw std::runtime_error("no @alloc " + name + " in " + path.string());
}

// Allocations per script location "function@line" of `file`'s rows.
std::map<std::string, long long> by_script_line(const json& top, const std::string& file) {
    std::map<std::string, long long> out;
    for (const json& s : top["sites"])
        if (s["file"].get<std::string>() == file)
            out[s["function"].get<std::string>() + "@" + std::to_string(s["line"].get<int>())] +=
                s["allocations"].get<long long>();
    return out;
}

std::vector<std::string> frame_functions(const json& stack) {
    std::vector<std::string> out;
    for (const json& f : stack) out.push_back(f["function"].get<std::string>());
    return out;
}

class LuaFrames : public E2eTest, public ::testing::WithParamInterface<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "debian") {
            auto lua = find_on_path("lua5.4");
            if (!lua) GTEST_SKIP() << "lua5.4 not installed";
            lua_ = *lua;
        } else {
            lua_ = ALLOCPROF_TEST_DEBUG_LUA;
            if (!std::filesystem::exists(lua_))
                GTEST_SKIP() << lua_ << " not built (scripts/build-debug-lua.sh)";
        }
    }

    Recording record_script(const std::string& script, std::vector<std::string> args = {},
                            const std::vector<std::string>& options = {},
                            const ProcessOptions& process = {}) {
        std::vector<std::string> command = {lua_.string(), lua_script(script).string()};
        command.insert(command.end(), args.begin(), args.end());
        return record_to_db(command, options, process);
    }

    std::filesystem::path lua_;
};

TEST_P(LuaFrames, KnownLinesAndFunctionsGetTheirAllocations) {
    // From a path longer than Lua's 60-byte short source names: the file is the whole path.
    const auto deep = dir_ / "a-directory-with-a-long-name" / "and-another-one-below-it";
    std::filesystem::create_directories(deep);
    std::filesystem::copy_file(lua_script("known_lines.lua"), deep / "known_lines.lua");
    const std::string file = (deep / "known_lines.lua").string();
    Recording rec = record_to_db({lua_.string(), file, "1000", "500"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json top = top_json(db(), {"--group", "script"});
    auto lines = by_script_line(top, file);
    const std::string tables = "make_tables@" + std::to_string(tagged_line(file, "tables"));
    const std::string closures = "make_closures@" + std::to_string(tagged_line(file, "closures"));
    EXPECT_EQ(lines[tables], 1000) << top.dump(1);
    EXPECT_EQ(lines[closures], 1000) << top.dump(1);  // a closure and an upvalue each
    // Every row is a Lua location or the one row of allocations outside any script.
    for (const json& s : top["sites"]) {
        if (s["module"] == "") {
            EXPECT_EQ(s["function"], "(no script frame)");
        } else {
            EXPECT_EQ(s["module"], "[lua]") << s.dump();
        }
    }
}

TEST_P(LuaFrames, ScriptAttributedTotalsEqualNativeTotals) {
    Recording rec = record_script("known_lines.lua");
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json script = top_json(db(), {"--group", "script"});
    json native = top_json(db());
    json run = single_run(db());
    EXPECT_EQ(script["allocations_total"], native["allocations_total"]);
    EXPECT_EQ(script["bytes_allocated_total"], native["bytes_allocated_total"]);
    EXPECT_EQ(script["allocations_total"].get<long long>(), count_of(run, "allocations"));
    long long sum = 0;
    for (const json& s : script["sites"]) sum += s["allocations"].get<long long>();
    EXPECT_EQ(sum, count_of(run, "allocations"));
    EXPECT_EQ(count_of(run, "ops"), 1500);  // ap.ops() of the Lua marker module
}

TEST_P(LuaFrames, CoroutinesKeepTheirStacksOnTheirResumer) {
    Recording rec = record_script("coroutines.lua", {"300"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_NE(rec.process.out.find("sum\t45150\t45150"), std::string::npos) << rec.process.out;
    const std::string file = lua_script("coroutines.lua").string();
    json top = top_json(db(), {"--group", "script"});
    auto lines = by_script_line(top, file);
    const int producer = tagged_line(file, "producer");
    const int consumer = tagged_line(file, "consumer");
    // The producer is resumed 300 times by coroutine.resume and 300 times through a wrap.
    EXPECT_EQ(lines["function <" + file + ":8>@" + std::to_string(producer)], 600) << top.dump(1);
    EXPECT_EQ(lines["consumer@" + std::to_string(consumer)], 300) << top.dump(1);
    bool resumer_seen = false;
    for (const json& s : top["sites"]) {
        if (s["line"] != producer || s["file"] != file) continue;
        auto frames = frame_functions(s["stack"]);
        // producer -> resume -> consumer -> main chunk, or producer -> (wrap) -> wrapped_consumer
        auto consumer_at = std::find(frames.begin(), frames.end(), "consumer");
        auto wrapped_at = std::find(frames.begin(), frames.end(), "wrapped_consumer");
        EXPECT_TRUE(consumer_at != frames.end() || wrapped_at != frames.end()) << s["stack"].dump(1);
        if (consumer_at != frames.end()) {
            EXPECT_NE(std::find(frames.begin(), consumer_at, "resume"), consumer_at) << s["stack"].dump(1);
            resumer_seen = true;
        }
    }
    EXPECT_TRUE(resumer_seen);
}

// The real collections per 1000 ops of the measured phase, after allocprof analyze.
double gc_per_1k(const std::filesystem::path& db) {
    ProcessResult r = run_process({allocprof_binary().string(), "analyze", db.string()});
    if (!r.exited_with(0)) throw std::runtime_error("analyze failed: " + r.describe());
    test_support::RunDatabase run(db);
    auto rows = run.query(
        "SELECT per_1k_ops FROM analysis_gc WHERE window = 'measure' AND language = 'lua'");
    if (rows.size() != 1) throw std::runtime_error("no Lua GC row for the measure window");
    return std::stod(rows[0].text(0));
}

TEST_P(LuaFrames, ForcedCollectionsPerOpAreCounted) {
    for (const auto& [mode, per_op] : std::vector<std::pair<std::string, int>>{
             {"incremental", 1}, {"generational", 1}, {"incremental", 3}}) {
        Recording rec = record_script("forced_gc.lua", {"200", mode, std::to_string(per_op)});
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
        EXPECT_DOUBLE_EQ(gc_per_1k(db()), 1000.0 * per_op) << mode << " x" << per_op;
    }
}

TEST_P(LuaFrames, ReportsRankScriptLocationsAndShowRealCollections) {
    Recording rec = record_script("forced_gc.lua", {"100", "incremental", "2"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    ProcessResult r = run_process({allocprof_binary().string(), "report", db().string(), "--format", "json"});
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    json report = json::parse(r.out);
    bool measured = false;
    for (const json& w : report["baseline"]) {
        if (w["window"] != "measure") continue;
        ASSERT_EQ(w["gc"].size(), 1u) << w.dump();
        EXPECT_EQ(w["gc"][0]["language"], "lua");
        EXPECT_EQ(w["gc"][0]["cycles"], 200);
        EXPECT_DOUBLE_EQ(w["gc"][0]["per_1k_ops"].get<double>(), 2000.0);
        measured = true;
    }
    EXPECT_TRUE(measured) << report["baseline"].dump(1);
    ASSERT_FALSE(report["script_sites"].empty());
    long long in_script = 0;
    for (const json& s : report["script_sites"])
        if (s["file"] == lua_script("forced_gc.lua").string()) in_script += s["allocations"].get<long long>();
    EXPECT_GE(in_script, 100) << report["script_sites"].dump(1);  // a table per op, at least
    ProcessResult md = run_process({allocprof_binary().string(), "report", db().string()});
    ASSERT_TRUE(md.exited_with(0)) << md.describe();
    EXPECT_NE(md.out.find("## Allocation sites by script location"), std::string::npos);
    EXPECT_NE(md.out.find("GC/1k (real)"), std::string::npos);
}

TEST_P(LuaFrames, TheUsersLuaInitStillRuns) {
    ProcessOptions with_init;
    with_init.set_env = {{"LUA_INIT", "io.write('user init ran\\n')"}};
    Recording rec = record_script("known_lines.lua", {"10", "10"}, {}, with_init);
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out.rfind("user init ran\n", 0), 0u) << rec.process.out;
    test_support::RunDatabase run(db());
    EXPECT_GT(run.scalar("SELECT count(*) FROM script_functions"), 0);
}

TEST_P(LuaFrames, NoScriptFramesLeavesTheInterpreterAlone) {
    Recording rec = record_script("known_lines.lua", {"10", "10"}, {"--no-script-frames"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    test_support::RunDatabase run(db());
    EXPECT_EQ(run.scalar("SELECT count(*) FROM script_functions"), 0);
    EXPECT_EQ(run.scalar("SELECT count(*) FROM gc_cycles"), 0);
    json run_summary = single_run(db());
    EXPECT_TRUE(run_summary["ops"].is_null() || run_summary["ops"] == 0)  // no marker module either
        << run_summary.dump();
}

// Errors caught by pcall unwind frames without return events, tail calls reuse a frame,
// deep recursion overflows the shadow stack: the run still ends well and later
// allocations still land on their line.
TEST_P(LuaFrames, ErrorsTailCallsAndDeepRecursionKeepLaterLinesRight) {
    const auto script = dir_ / "unwind.lua";
    std::ofstream(script) << "local function fail(n) if n == 0 then error('x') end return fail(n - 1) end\n"
                             "local function deep(n) if n == 0 then return {} end return {deep(n - 1)} end\n"
                             "for _ = 1, 50 do pcall(fail, 20) end\n"
                             "deep(400)\n"
                             "local function tail(n) if n == 0 then return {} end return tail(n - 1) end\n"
                             "for _ = 1, 50 do pcall(fail, 5) end\n"
                             "collectgarbage('stop')\n"
                             "local function after() local t for _ = 1, 100 do t = {} end return t end -- @alloc after:\n"
                             "after() tail(10)\n";
    Recording rec = record_to_db({lua_.string(), script.string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json top = top_json(db(), {"--group", "script"});
    auto lines = by_script_line(top, script.string());
    EXPECT_EQ(lines["after@8"], 100) << top.dump(1);
    // Tail calls replace their caller's frame and lose its name, as in Lua's tracebacks.
    EXPECT_EQ(lines["function <" + script.string() + ":5>@5"], 1) << top.dump(1);
}

// A script that replaces allocprof's hook (debug.sethook) stops its script frames: what it
// allocates afterwards has none, rather than the stale frames of the last hook event.
TEST_P(LuaFrames, AScriptThatRemovesTheHookGetsNoStaleFrames) {
    const auto script = dir_ / "unhook.lua";
    std::ofstream(script) << "collectgarbage('stop')\n"
                             "local t = {}\n"
                             "for i = 1, 100 do t[i] = {} end\n"
                             "debug.sethook()\n"
                             "for i = 1, 100 do t[i] = {} end\n";
    Recording rec = record_to_db({lua_.string(), script.string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json top = top_json(db(), {"--group", "script"});
    auto lines = by_script_line(top, script.string());
    EXPECT_EQ(lines["main chunk@3"], 108) << top.dump(1);  // 100 tables, t grown 8 times
    EXPECT_EQ(lines["main chunk@5"], 0) << top.dump(1);
    for (const json& s : top["sites"])
        if (s["function"] == "sethook") EXPECT_LT(s["allocations"].get<long long>(), 10) << s.dump();
}

INSTANTIATE_TEST_SUITE_P(Interpreters, LuaFrames, ::testing::Values("debian", "debug"));

}  // namespace
}  // namespace allocprof::e2e
