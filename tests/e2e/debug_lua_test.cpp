// debug_lua_test.cpp — the debug Lua 5.4 that scripts/build-debug-lua.sh builds from
// Debian's source package (-g -O2 -fno-omit-frame-pointer, not stripped), next to
// Debian's stripped lua5.4: it runs samples/lua/churn.lua as Debian's interpreter does,
// its allocation sites are Lua VM functions at file:line (luaH_resize, luaH_new, ...;
// the Lua preset skips luaM_* and l_alloc), `summary` credits its module with file:line
// frames, and its counts equal valgrind's.
//
// The interpreter is $ALLOCPROF_DEBUG_LUA when set, else BUILD/debug-lua/bin/lua5.4-debug
// (compiled in by tests/e2e/CMakeLists.txt, where scripts/setup.sh has it built). The
// tests skip when it is absent: the script needs Debian's source archive.
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

const char kModule[] = "lua5.4-debug";

std::filesystem::path debug_lua() {
    if (const char* env = std::getenv("ALLOCPROF_DEBUG_LUA"); env != nullptr && *env != '\0')
        return env;
    return ALLOCPROF_TEST_DEBUG_LUA;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// allocprof top DB --json -n 0 [extra...], parsed.

class DebugLua : public E2eTest {
protected:
    void SetUp() override {
        lua_ = debug_lua();
        if (!std::filesystem::exists(lua_))
            GTEST_SKIP() << "no debug Lua at " << lua_
                         << " (scripts/build-debug-lua.sh builds it; it needs Debian's "
                            "source archive)";
    }
    std::vector<std::string> churn_command() const {
        return {lua_.string(), (samples_source_dir() / "lua" / "churn.lua").string(), "200"};
    }
    // Records churn.lua into run.db, checking the exit status.
    void record_churn(const std::vector<std::string>& record_options = {}) {
        Recording rec = record_to_db(churn_command(), record_options);
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
        recorded_out_ = rec.process.out;
    }

    std::filesystem::path lua_;
    std::string recorded_out_;
};

TEST_F(DebugLua, RunsChurnLikeDebianLua) {
    ProcessResult plain = run_process(churn_command());
    ASSERT_TRUE(plain.exited_with(0)) << plain.describe();
    EXPECT_TRUE(starts_with(plain.out, "checksum\t")) << plain.out;
    if (auto debian = find_on_path("lua5.4")) {
        ProcessResult reference = run_process(
            {debian->string(), (samples_source_dir() / "lua" / "churn.lua").string(), "200"});
        ASSERT_TRUE(reference.exited_with(0)) << reference.describe();
        EXPECT_EQ(plain.out, reference.out);
        // The same Lua release as the Debian package it was built from.
        ProcessResult v_debug = run_process({lua_.string(), "-v"});
        ProcessResult v_debian = run_process({debian->string(), "-v"});
        EXPECT_EQ(v_debug.out, v_debian.out);
    }

    ASSERT_NO_FATAL_FAILURE(record_churn());
    EXPECT_EQ(recorded_out_, plain.out);
    json run = single_run(db());
    expect_exited(run, 0);
    EXPECT_EQ(run["truncated"], json(false));
    expect_count(run, "unmatched_frees", 0);
}

TEST_F(DebugLua, SitesAreLuaVmFunctionsAtFileAndLine) {
    ASSERT_NO_FATAL_FAILURE(record_churn());
    json top = top_json(db());
    ASSERT_FALSE(top["sites"].empty()) << top.dump();

    long long vm_allocations = 0;
    std::set<std::string> functions;
    for (const json& site : top["sites"]) {
        const std::string function = site["function"].get<std::string>();
        EXPECT_EQ(function.find("+0x"), std::string::npos) << "an address: " << site.dump();
        // The Lua preset's wrappers are plumbing, never sites.
        EXPECT_FALSE(starts_with(function, "luaM_") || function == "l_alloc" ||
                     starts_with(function, "luaC_newobj") || function == "createstrobj")
            << "a wrapper as site: " << site.dump();
        if (site["module"] != kModule) continue;
        vm_allocations += site["allocations"].get<long long>();
        functions.insert(function);
        const std::string file = site["file"].get<std::string>();
        EXPECT_TRUE(ends_with(file, ".c") && file.find("lua5.4-") != std::string::npos)
            << "not in Debian's lua5.4 source tree: " << site.dump();
        EXPECT_GT(site["line"].get<int>(), 0) << site.dump();
        // Every frame of the interpreter in its stack is named, at file:line.
        for (const json& frame : site["stack"]) {
            if (frame["module"] != kModule) continue;
            const std::string name = frame["function"].get<std::string>();
            if (name == "_start") continue;  // crt1.o: startup code, no DWARF lines
            EXPECT_FALSE(name.empty() || name.find("+0x") != std::string::npos) << frame.dump();
            EXPECT_GT(frame["line"].get<int>(), 0) << frame.dump();
        }
    }
    // The VM functions churn.lua makes allocate: table resize and creation, short string
    // interning, Lua closures.
    for (const char* expected : {"luaH_resize", "luaH_new", "internshrstr", "luaF_newLclosure"})
        EXPECT_TRUE(functions.count(expected)) << expected << " is not a site; sites: "
                                               << json(functions).dump();
    // Nearly all of it is the VM's (libc's stdio and fopen buffers are the rest).
    const long long total = top["allocations_total"].get<long long>();
    EXPECT_GE(vm_allocations * 100, total * 99) << vm_allocations << " of " << total;

    // With the presets off, the allocator wrappers themselves are the sites again.
    const auto config = dir_ / "allocprof.json";
    std::ofstream(config) << R"({"sites": {"presets": []}})";
    ProcessResult r = run_process(
        {allocprof_binary().string(), "symbolize", db().string(), "--config", config.string()});
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    json raw = top_json(db());
    ASSERT_FALSE(raw["sites"].empty());
    const std::string first = raw["sites"][0]["function"].get<std::string>();
    EXPECT_TRUE(starts_with(first, "luaM_") || first == "l_alloc") << raw["sites"][0].dump();
}

TEST_F(DebugLua, SummaryShowsTheModuleAtFileAndLine) {
    ASSERT_NO_FATAL_FAILURE(record_churn());
    json run = single_run(db());
    json coverage;
    for (const json& m : run["debug_coverage"])
        if (m["module"] == kModule) coverage = m;
    ASSERT_TRUE(coverage.is_object()) << run["debug_coverage"].dump();
    EXPECT_EQ(coverage["status"], "dwarf") << coverage.dump();
    EXPECT_EQ(coverage["dwarf_source"], "in_file") << coverage.dump();
    EXPECT_EQ(coverage["symbol_table"], ".symtab") << coverage.dump();
    EXPECT_EQ(coverage["fix"], "") << coverage.dump();
    EXPECT_EQ(coverage["frames_unknown"], 0) << coverage.dump();
    const long long at_line = coverage["frames_file_line"].get<long long>();
    const long long symbol_only = coverage["frames_symbol_only"].get<long long>();
    EXPECT_GT(at_line, 100) << coverage.dump();
    // Only the startup code (_start, from crt1.o) has no lines.
    EXPECT_LE(symbol_only, 2) << coverage.dump();

    ProcessResult summary = run_summary(db());
    ASSERT_TRUE(summary.exited_with(0)) << summary.describe();
    // Its coverage line ("lua5.4-debug  N / M / 0 ...", or in "all at file:line: ...").
    bool listed = false;
    std::istringstream lines(summary.out);
    for (std::string line; std::getline(lines, line);)
        listed = listed || starts_with(line, std::string("    ") + kModule + "  ") ||
                 (line.find("all at file:line:") != std::string::npos &&
                  line.find(kModule) != std::string::npos);
    EXPECT_TRUE(listed) << summary.out;
    EXPECT_EQ(summary.out.find("rebuild with -g"), std::string::npos) << summary.out;
    EXPECT_EQ(summary.out.find("dbgsym"), std::string::npos) << summary.out;
}

// Debian's stripped lua5.4 has two unnamed allocator sites: the plan proposes no change to
// code nobody can see, only how to name it and which script lines feed it. The debug Lua
// names the same code: its sites get changes and no naming item.
TEST_F(DebugLua, UnnamedVmCodeGetsANamingItemAndNamedCodeGetsChanges) {
    auto debian = find_on_path("lua5.4");
    if (!debian) GTEST_SKIP() << "lua5.4 not installed";
    const auto stripped_db = dir_ / "stripped.db";
    const std::string churn = (samples_source_dir() / "lua" / "churn.lua").string();
    ASSERT_TRUE(record(stripped_db, {debian->string(), churn, "200"}).process.exited_with(0));
    ASSERT_TRUE(record(db(), churn_command()).process.exited_with(0));
    for (const auto& file : {stripped_db, db()})
        ASSERT_TRUE(run_process({allocprof_binary().string(), "analyze", file.string()}).exited_with(0));

    RunDatabase stripped(stripped_db);
    const std::string unnamed = " FROM plan_items p JOIN sites s USING (run_id, site_id)"
                                " WHERE s.function LIKE s.module || '+0x%' AND (s.file IS NULL OR s.file = '')";
    EXPECT_GE(stripped.scalar("SELECT count(*)" + unnamed), 1);
    EXPECT_EQ(stripped.scalar("SELECT count(*)" + unnamed + " AND p.kind <> 'name_code'"), 0)
        << "a C++ change proposed for unnamed code";
    for (const Row& r : stripped.query("SELECT p.change, p.alternatives" + unnamed)) {
        EXPECT_EQ(r.text(0).rfind("name this native code before changing it: ", 0), 0u) << r.text(0);
        EXPECT_NE(r.text(0).find("in script terms, it serves `"), std::string::npos) << r.text(0);
        EXPECT_NE(r.text(0).find("churn.lua:"), std::string::npos) << r.text(0);
        EXPECT_EQ(r.text(1), "[]");
    }
    RunDatabase named(db());
    EXPECT_EQ(named.scalar("SELECT count(*) FROM plan_items WHERE kind = 'name_code'"), 0);
    EXPECT_GE(named.scalar("SELECT count(*) FROM plan_items"), 1);
}

TEST_F(DebugLua, CountsMatchValgrind) {
    if (!valgrind_available()) GTEST_SKIP() << "valgrind not installed";
    HeapUsage vg = valgrind_heap_usage(churn_command(), dir_.path());
    ASSERT_EQ(vg.exit_code, 0);
    ASSERT_GT(vg.allocs, 1000u);

    // Native only: valgrind's run has no LUA_INIT chunk and no GC sentinel.
    ASSERT_NO_FATAL_FAILURE(record_churn({"--no-script-frames"}));
    json run = single_run(db());
    expect_exited(run, 0);
    expect_count(run, "allocations", static_cast<long long>(vg.allocs));
    expect_count(run, "bytes_allocated", static_cast<long long>(vg.bytes_allocated));
    expect_count(run, "frees", static_cast<long long>(vg.frees));
    expect_count(run, "unfreed_blocks", static_cast<long long>(vg.in_use_blocks));
    expect_count(run, "unfreed_bytes", static_cast<long long>(vg.in_use_bytes));
    expect_count(run, "unmatched_frees", 0);
}

}  // namespace
}  // namespace allocprof::e2e
