// compare_ab_test.cpp — the A/B table of `allocprof compare --ab` (compare/compare_ab.h) on
// two hand-built sides whose figures are known, its markdown and JSON, and the pairing keys
// that let the sites of a renamed program pair (compare/compare_data.h), each rule also
// where it must not pair.
//
// Side A (main executable "minivm"), side B ("minivm-fixed"), one run each:
//   window "" (the run): allocations 1000 -> 1500, allocs/op 1 -> 1.5, bytes/op 48 -> 72,
//     peak live 8,000 B -> 8,000 B, blocks 2 -> 3, heap needed 8,080 B -> 8,112 B;
//   phase "setup" only in A, phase "load" only in B; phase "execute" in both, B's without
//     blocks and heap needed (a figure one side lacks).
//   sites (allocations, bytes allocated):
//     make_key   minivm hot_loop.c:25        1000, 48,000 -> 1500, 72,000  (+24,000 B)
//     main       minivm hot_loop.c:50           1, 8,000  ->    1, 8,000   (no change)
//     foo_init   libfoo.so.1 foo.c:7            5, 500    ->    5, 500     (no change)
//     old_cache  minivm cache.c:3               3, 300    -> only in A     (-300 B)
//     new_pool   minivm-fixed pool.c:9       only in B    ->   10, 1,000   (+1,000 B)
//     old_cache  libother.so cache.c:3       only in B    ->    2, 200     (+200 B): the same
//       function, file and line as A's, in another module: not paired.
#include "compare/compare_ab.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "compare/compare_ab_render.h"

namespace allocprof::compare {
namespace {

using nlohmann::json;

SiteAggregate site(const std::string& module, const std::string& function, const std::string& file,
                   int line, double allocations, double bytes, const std::string& main) {
    SiteAggregate s;
    s.module = module;
    s.function = function;
    s.file = file;
    s.line = line;
    s.site_key = json::array({module, function, file, line}).dump();
    s.function_key = json::array({module, function}).dump();
    s.pair_key = pairing_key(s.site_key, main);
    s.pair_function_key = pairing_key(s.function_key, main);
    s.allocations = sample_of({allocations});
    s.bytes_allocated = sample_of({bytes});
    return s;
}

AbWindowValues window(const std::string& name,
                      std::array<std::optional<double>, kAbFigureCount> v) {
    AbWindowValues w;
    w.name = name;
    w.value = v;
    return w;
}

AbInput side_a() {
    AbInput a;
    a.runs = 1;
    a.windows = {window("", {1000, 1, 48, 8000, 2, 8080}),
                 window("setup", {1, 0.001, 8, 8000, 1, 8016}),
                 window("execute", {999, 0.999, 47.952, 8048, 2, 8080})};
    const std::string main = "minivm";
    a.sites = {site("minivm", "make_key", "hot_loop.c", 25, 1000, 48000, main),
               site("minivm", "main", "hot_loop.c", 50, 1, 8000, main),
               site("libfoo.so.1", "foo_init", "foo.c", 7, 5, 500, main),
               site("minivm", "old_cache", "cache.c", 3, 3, 300, main)};
    return a;
}

AbInput side_b() {
    AbInput b;
    b.runs = 1;
    b.windows = {window("", {1500, 1.5, 72, 8000, 3, 8112}),
                 window("load", {10, 0.01, 1, 1000, 10, 1280}),
                 window("execute", {1490, 1.49, 71, 8096, std::nullopt, std::nullopt})};
    const std::string main = "minivm-fixed";
    b.sites = {site("minivm-fixed", "make_key", "hot_loop.c", 25, 1500, 72000, main),
               site("minivm-fixed", "main", "hot_loop.c", 50, 1, 8000, main),
               site("libfoo.so.1", "foo_init", "foo.c", 7, 5, 500, main),
               site("minivm-fixed", "new_pool", "pool.c", 9, 10, 1000, main),
               site("libother.so", "old_cache", "cache.c", 3, 2, 200, main)};
    return b;
}

const AbChange& figure(const AbWindow& w, AbFigure f) { return w.figures[static_cast<size_t>(f)]; }

TEST(CompareAb, WindowsPairByNameWithBothSidesAndTheChange) {
    const AbScenario s = ab_scenario("hot", side_a(), side_b(), 10);
    ASSERT_EQ(s.windows.size(), 4u);
    EXPECT_EQ(s.windows[0].name, "");
    EXPECT_EQ(s.windows[1].name, "setup");
    EXPECT_EQ(s.windows[2].name, "execute");
    EXPECT_EQ(s.windows[3].name, "load");  // only in B: after A's

    const AbChange& allocations = figure(s.windows[0], AbFigure::kAllocations);
    EXPECT_EQ(allocations.a, 1000.0);
    EXPECT_EQ(allocations.b, 1500.0);
    EXPECT_EQ(allocations.change, 500.0);
    EXPECT_EQ(allocations.percent, 50.0);
    EXPECT_EQ(figure(s.windows[0], AbFigure::kBytesPerOp).change, 24.0);
    EXPECT_EQ(figure(s.windows[0], AbFigure::kPeakLiveBytes).change, 0.0);
    EXPECT_EQ(figure(s.windows[0], AbFigure::kPeakLiveBytes).percent, 0.0);
    EXPECT_EQ(figure(s.windows[0], AbFigure::kPeakLiveBlocks).change, 1.0);
    EXPECT_EQ(figure(s.windows[0], AbFigure::kHeapNeeded).change, 32.0);

    // A window one side lacks has no change; neither has a figure one side lacks.
    EXPECT_EQ(figure(s.windows[1], AbFigure::kAllocations).a, 1.0);
    EXPECT_FALSE(figure(s.windows[1], AbFigure::kAllocations).b);
    EXPECT_FALSE(figure(s.windows[1], AbFigure::kAllocations).change);
    EXPECT_FALSE(figure(s.windows[3], AbFigure::kAllocations).a);
    EXPECT_EQ(figure(s.windows[3], AbFigure::kAllocations).b, 10.0);
    EXPECT_EQ(figure(s.windows[2], AbFigure::kAllocations).change, 491.0);
    EXPECT_EQ(figure(s.windows[2], AbFigure::kPeakLiveBlocks).a, 2.0);
    EXPECT_FALSE(figure(s.windows[2], AbFigure::kPeakLiveBlocks).change);
    EXPECT_FALSE(figure(s.windows[2], AbFigure::kHeapNeeded).change);
}

TEST(CompareAb, SitesThatDifferMostByBytesAcrossARenamedProgram) {
    const AbScenario s = ab_scenario("hot", side_a(), side_b(), 10);
    EXPECT_EQ(s.sites_paired, 3u);     // make_key, main, foo_init
    EXPECT_EQ(s.sites_only_in_a, 1u);  // A's old_cache
    EXPECT_EQ(s.sites_only_in_b, 2u);  // new_pool, libother's old_cache
    EXPECT_EQ(s.sites_differing, 4u);  // main and foo_init are the same on both sides
    ASSERT_EQ(s.sites.size(), 4u);

    EXPECT_EQ(s.sites[0].a->function, "make_key");
    EXPECT_EQ(s.sites[0].b->module, "minivm-fixed");
    EXPECT_EQ(s.sites[0].paired_by, "site_key");
    EXPECT_EQ(s.sites[0].allocations.a, 1000.0);
    EXPECT_EQ(s.sites[0].allocations.b, 1500.0);
    EXPECT_EQ(s.sites[0].bytes_allocated.change, 24000.0);

    EXPECT_FALSE(s.sites[1].a);
    EXPECT_EQ(s.sites[1].b->function, "new_pool");
    EXPECT_EQ(s.sites[1].allocations.a, 0.0);
    EXPECT_EQ(s.sites[1].bytes_allocated.change, 1000.0);
    EXPECT_FALSE(s.sites[1].bytes_allocated.percent);

    EXPECT_EQ(s.sites[2].a->module, "minivm");
    EXPECT_EQ(s.sites[2].a->function, "old_cache");
    EXPECT_FALSE(s.sites[2].b) << "the main executable's old_cache is not libother.so's";
    EXPECT_EQ(s.sites[2].bytes_allocated.change, -300.0);
    EXPECT_EQ(s.sites[2].bytes_allocated.percent, -100.0);

    EXPECT_FALSE(s.sites[3].a);
    EXPECT_EQ(s.sites[3].b->module, "libother.so");
    EXPECT_EQ(s.sites[3].bytes_allocated.change, 200.0);

    const AbScenario top = ab_scenario("hot", side_a(), side_b(), 2);
    ASSERT_EQ(top.sites.size(), 2u);
    EXPECT_EQ(top.sites[1].b->function, "new_pool");
    EXPECT_EQ(top.sites_differing, 4u);
}

TEST(CompareAb, MarkdownAndJsonSayTheFiguresWithoutAVerdict) {
    AbComparison c;
    c.a_path = "a.db";
    c.b_path = "b.db";
    c.top_sites = 10;
    c.scenarios.push_back(ab_scenario("hot", side_a(), side_b(), 10));
    const std::string md = compare_ab_markdown(c);
    EXPECT_NE(md.find("| Window | Figure | A | B | B − A |"), std::string::npos) << md;
    EXPECT_NE(md.find("| run | allocations | 1,000 | 1,500 | +500 (+50 %) |"), std::string::npos)
        << md;
    EXPECT_NE(md.find("|  | live blocks at the peak | 2 | 3 | +1 (+50 %) |"), std::string::npos)
        << md;
    EXPECT_NE(md.find("| phase setup | allocations | 1 | — | — |"), std::string::npos) << md;
    EXPECT_NE(md.find("4 of 6 sites differ (3 paired, 1 only in A, 2 only in B)"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("| `make_key` hot_loop.c:25 (minivm / minivm-fixed) | 1,000 | 1,500 | 46.9 "
                      "KB | 70.3 KB | "
                      "+23.4 KB (+50 %) |"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("| `new_pool` pool.c:9 (minivm-fixed), only in B | 0 | 10 | 0 B | 1000 B | "
                      "+1000 B (from 0) |"),
              std::string::npos)
        << md;
    for (const char* verdict : {"❌", "✅", "regress", "improve"})
        EXPECT_EQ(md.find(verdict), std::string::npos) << verdict;

    const json j = compare_ab_json(c);
    EXPECT_EQ(j["format"], "allocprof-compare-ab");
    EXPECT_EQ(j["format_version"], 1);
    const json& w = j["scenarios"][0]["windows"][0];
    EXPECT_EQ(w["window"], "");
    EXPECT_EQ(w["figures"]["allocations"],
              json({{"a", 1000.0}, {"b", 1500.0}, {"change", 500.0}, {"percent", 50.0}}));
    EXPECT_TRUE(j["scenarios"][0]["windows"][1]["figures"]["allocations"]["b"].is_null());
    const json& only_b = j["scenarios"][0]["sites"][1];
    EXPECT_TRUE(only_b["a"].is_null());
    EXPECT_EQ(only_b["b"]["function"], "new_pool");
    EXPECT_EQ(only_b["allocations"]["b"], 10.0);
}

TEST(ComparePairing, TheMainExecutableIsNamedByItsRole) {
    EXPECT_EQ(pairing_key(R"j(["minivm","make_key","hot_loop.c",25])j", "minivm"),
              R"j(["(main executable)","make_key","hot_loop.c",25])j");
    EXPECT_EQ(pairing_key(R"j(["minivm-fixed","make_key"])j", "minivm-fixed"),
              R"j(["(main executable)","make_key"])j");
    // Unknown code in the program is named after its module: that name goes too.
    EXPECT_EQ(pairing_key(R"j(["minivm","minivm+0x1a2b","",0])j", "minivm"),
              R"j(["(main executable)","(main executable)+0x1a2b","",0])j");
    // A library keeps its file name, wherever it was loaded from.
    EXPECT_EQ(pairing_module("/opt/a/lib/libfoo.so.1", "minivm"), "libfoo.so.1");
    EXPECT_EQ(pairing_key(R"j(["libfoo.so.1","foo_init","foo.c",7])j", "minivm"),
              R"j(["libfoo.so.1","foo_init","foo.c",7])j");
}

TEST(ComparePairing, NoRoleWhereItMustNotApply) {
    // A library whose name contains the program's is not the program.
    EXPECT_EQ(pairing_module("libminivm.so.2", "minivm"), "libminivm.so.2");
    // A run whose main executable is unknown names nothing by role.
    EXPECT_EQ(pairing_key(R"j(["minivm","make_key","hot_loop.c",25])j", ""),
              R"j(["minivm","make_key","hot_loop.c",25])j");
    // A function merely named like the module's unknown code elsewhere keeps its name.
    EXPECT_EQ(pairing_key(R"j(["libfoo.so.1","minivm+0x10","",0])j", "minivm"),
              R"j(["libfoo.so.1","minivm+0x10","",0])j");
}

TEST(ComparePairing, TwoProgramsDoNotPairBecauseBothAreTheMainExecutable) {
    const std::vector<SiteAggregate> a = {site("vm", "run_op", "vm.c", 10, 5, 50, "vm"),
                                          site("vm", "main", "vm.c", 40, 1, 10, "vm")};
    const std::vector<SiteAggregate> b = {site("jit", "dispatch", "jit.c", 10, 5, 50, "jit"),
                                          site("jit", "main", "jit.c", 80, 1, 10, "jit")};
    const SitePairing p = pair_sites(a, b);
    EXPECT_EQ(p.head_of_base[0], -1) << "run_op and dispatch differ by function";
    EXPECT_EQ(p.base_of_head[0], -1);
    // Both programs' main pairs by (main executable, main): its line moved.
    EXPECT_EQ(p.head_of_base[1], 1);
    EXPECT_TRUE(p.by_function[1]);
    EXPECT_EQ(p.paired_by_function, 1u);

    // Renamed program, same functions: paired by site key.
    const std::vector<SiteAggregate> renamed = {site("vm-2", "run_op", "vm.c", 10, 5, 50, "vm-2")};
    const SitePairing q = pair_sites(a, renamed);
    EXPECT_EQ(q.head_of_base[0], 0);
    EXPECT_FALSE(q.by_function[0]);
    // The same file name as a library of the other side is not the other's program.
    const std::vector<SiteAggregate> as_library = {
        site("vm", "run_op", "vm.c", 10, 5, 50, "other")};
    EXPECT_EQ(pair_sites(a, as_library).head_of_base[0], -1);
}

}  // namespace
}  // namespace allocprof::compare
