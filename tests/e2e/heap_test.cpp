// heap_test.cpp — `allocprof heap` on samples/heap/minijit.c, whose header comment derives
// every number checked here: with the graph-colouring allocator the run needs 439,456 B of
// glibc heap and does not fit 300 KiB (its 8,064th edge is the first allocation that
// fails); with linear scan it needs 37,040 B and fits. Exit 1 and 0; bad input exits 2 with
// one line.
#include <fstream>
#include <map>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

class Heap : public E2eTest {
  protected:
    fs::path record_minijit(const std::string& allocator) {
        const fs::path path = dir_ / (allocator + ".db");
        Recording rec = record(path, {sample_binary("minijit").string(), allocator});
        EXPECT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
        EXPECT_NE(rec.process.out.find("regalloc=" + allocator), std::string::npos)
            << rec.process.out;
        return path;
    }
    static ProcessResult heap(const fs::path& database, const std::vector<std::string>& extra) {
        std::vector<std::string> argv = {allocprof_binary().string(), "heap", database.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_process(argv);
    }
    static json heap_json(const fs::path& database, const std::vector<std::string>& extra,
                          int status) {
        std::vector<std::string> args = extra;
        args.push_back("--json");
        ProcessResult p = heap(database, args);
        EXPECT_TRUE(p.exited_with(status)) << p.describe();
        return json::parse(p.out);
    }
    // The window named `name` ("" for the whole run) of a heap JSON document.
    static json window(const json& doc, const std::string& name) {
        for (const json& w : doc.at("windows"))
            if (w.at("window") == name) return w;
        ADD_FAILURE() << "no window '" << name << "' in " << doc.at("windows").dump();
        return json::object();
    }
    static fs::path minijit_source() { return samples_source_dir() / "heap" / "minijit.c"; }
};

TEST_F(Heap, GraphColouringDoesNotFit300KAndNamesTheEdgeThatFails) {
    const fs::path db = record_minijit("graph");
    const json doc = heap_json(db, {"--limit", "300K"}, 1);
    EXPECT_EQ(doc.at("format"), "allocprof-heap");
    EXPECT_EQ(doc.at("format_version"), 1);
    EXPECT_EQ(doc.at("allocator").at("name"), "glibc");

    // The run's peak is regalloc's, when the colouring's stack is allocated: every
    // instruction, the intervals, every node and edge, and the stack.
    const json run = window(doc, "");
    EXPECT_EQ(run.at("peak_live_blocks"), 512 + 1 + 512 + 12132 + 1);
    EXPECT_EQ(run.at("peak_live_bytes"), 233024);
    EXPECT_EQ(run.at("heap_needed_at_peak"), 439456);
    EXPECT_EQ(run.at("heap_needed_bytes"), 439456);
    EXPECT_EQ(run.at("peak_live_bytes"),
              single_run(db).at("peak_live_bytes"));  // summary's peak live
    EXPECT_EQ(window(doc, "regalloc").at("peak_live_blocks"), 13158);
    EXPECT_EQ(window(doc, "parse").at("peak_live_blocks"), 512);
    EXPECT_EQ(window(doc, "parse").at("heap_needed_bytes"), 512 * 48);
    EXPECT_EQ(window(doc, "liveness").at("peak_live_blocks"), 513);
    EXPECT_EQ(window(doc, "emit").at("peak_live_blocks"),
              513);  // the instructions and the code buffer
    const json& edges = run.at("sites").at(0);
    EXPECT_EQ(edges.at("function"), "add_adjacent");
    EXPECT_EQ(edges.at("blocks"), 12132);
    EXPECT_EQ(edges.at("heap_bytes"), 12132 * 32);

    const json& limit = doc.at("limit");
    EXPECT_EQ(limit.at("bytes"), 307200);
    EXPECT_EQ(limit.at("fits"), false);
    const json& failure = limit.at("failure");
    EXPECT_EQ(failure.at("site").at("function"), "add_adjacent");
    EXPECT_EQ(failure.at("site").at("line"), known_line(minijit_source(), "edge"));
    EXPECT_EQ(fs::path(failure.at("site").at("file").get<std::string>()).filename(), "minijit.c");
    EXPECT_EQ(failure.at("size"), 16);
    EXPECT_EQ(failure.at("block_bytes"), 32);
    EXPECT_EQ(failure.at("phase"), "regalloc");
    EXPECT_EQ(failure.at("live_blocks"), 512 + 1 + 512 + 8063);
    EXPECT_EQ(failure.at("live_heap_bytes"), 307184);
    EXPECT_EQ(failure.at("heap_with_it"), 307216);
    std::vector<std::string> stack;
    for (const json& f : failure.at("stack")) stack.push_back(f.at("function"));
    ASSERT_FALSE(stack.empty());
    EXPECT_EQ(stack.front(), "add_adjacent");
    EXPECT_NE(std::find(stack.begin(), stack.end(), "regalloc_graph"), stack.end())
        << failure.at("stack").dump();
    EXPECT_EQ(stack.back(), "main");

    // The same in text, and with the limit written as allocprof prints it (1 KB = 1024 B).
    ProcessResult text = heap(db, {"--limit", "300KB"});
    EXPECT_TRUE(text.exited_with(1)) << text.describe();
    EXPECT_NE(text.out.find("limit 300 KB (307,200 B) under glibc: does not fit"),
              std::string::npos)
        << text.out;
    EXPECT_NE(
        text.out.find("minijit.c:" + std::to_string(known_line(minijit_source(), "edge")) + ")"),
        std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("in 13,158 blocks"), std::string::npos) << text.out;
}

// The report's arena sizes and live blocks at the peak on the graph configuration: the
// nodes and edges are made in regalloc and freed at its end (phase-scoped), the instructions
// and intervals live across phases (mixed), the colouring's stack and the code buffer's
// realloc chain die young (short-lived).
TEST_F(Heap, ReportSizesTheArenasOfTheCompilersPhases) {
    const fs::path db = record_minijit("graph");
    ProcessResult p = run_process({allocprof_binary().string(), "report", db.string(), "--format", "json"});
    ASSERT_TRUE(p.exited_with(0)) << p.describe();
    const json doc = json::parse(p.out);
    const json& arenas = doc.at("arenas");
    ASSERT_EQ(arenas.at("phases").size(), 1u) << arenas.dump();
    const json& regalloc = arenas.at("phases")[0];
    EXPECT_EQ(regalloc.at("window"), "regalloc");
    EXPECT_EQ(regalloc.at("occurrences"), 1);
    EXPECT_EQ(regalloc.at("sites"), 2);
    EXPECT_EQ(regalloc.at("high_water_max"), 12288 + 194112);  // nodes + edges
    EXPECT_EQ(regalloc.at("high_water"), json::array({12288 + 194112}));
    std::map<std::string, json> by_class;
    for (const json& l : arenas.at("lifetimes")) by_class[l.at("lifetime").get<std::string>()] = l;
    ASSERT_EQ(by_class.size(), 3u) << arenas.dump();
    EXPECT_EQ(by_class["phase-scoped"].at("allocations"), 512 + 12132);
    EXPECT_EQ(by_class["phase-scoped"].at("high_water_bytes"), 12288 + 194112);
    EXPECT_EQ(by_class["phase-scoped"].at("high_water_blocks"), 512 + 12132);
    EXPECT_EQ(by_class["mixed"].at("bytes_allocated"), 16384 + 8192);  // instructions, intervals
    EXPECT_EQ(by_class["mixed"].at("high_water_blocks"), 513);
    // Short-lived: the stack (2,048) and the code buffer's 256 -> 4,096 chain; the most at
    // once is the final 4,096 alone (the stack was freed in regalloc).
    EXPECT_EQ(by_class["short-lived"].at("allocations"), 6);
    EXPECT_EQ(by_class["short-lived"].at("bytes_allocated"), 2048 + 256 + 512 + 1024 + 2048 + 4096);
    EXPECT_EQ(by_class["short-lived"].at("high_water_bytes"), 4096);
    EXPECT_EQ(by_class["short-lived"].at("high_water_blocks"), 1);
    // Live blocks at the peak, as `heap` counts them (the run's peak is regalloc's).
    for (const json& w : doc.at("baseline"))
        if (w.at("window") == "" || w.at("window") == "regalloc") {
            SCOPED_TRACE(w.at("window").get<std::string>());
            EXPECT_EQ(w.at("peak_live_blocks"), 512 + 1 + 512 + 12132 + 1);
            EXPECT_EQ(w.at("peak_live_bytes"), 233024);
        }
    const json& edges = [&]() -> const json& {
        for (const json& s : doc.at("sites"))
            if (s.at("line") == 103) return s;  // add_adjacent's malloc of an Edge
        return doc.at("sites")[0];
    }();
    EXPECT_EQ(edges.at("live_at_peak_blocks"), 12132) << edges.dump();
    EXPECT_EQ(edges.at("live_at_peak_bytes"), 194112);
}

TEST_F(Heap, LinearScanFits300K) {
    const fs::path db = record_minijit("linear");
    const json doc = heap_json(db, {"--limit", "300K"}, 0);
    const json run = window(doc, "");
    EXPECT_EQ(run.at("peak_live_blocks"), 512 + 1 + 1 + 1);
    EXPECT_EQ(run.at("peak_live_bytes"), 28800);
    EXPECT_EQ(run.at("heap_needed_at_peak"), 37040);
    EXPECT_EQ(doc.at("limit").at("fits"), true);
    EXPECT_TRUE(doc.at("limit").at("failure").is_null());
    ProcessResult text = heap(db, {"--limit", "307200"});
    EXPECT_TRUE(text.exited_with(0)) << text.describe();
    EXPECT_NE(text.out.find("under glibc: fits"), std::string::npos) << text.out;
    ProcessResult no_limit = heap(db, {});
    EXPECT_TRUE(no_limit.exited_with(0)) << no_limit.describe();
    EXPECT_NE(no_limit.out.find("phase regalloc: peak live 28.1 KB in 515 blocks at event "),
              std::string::npos)
        << no_limit.out;
    EXPECT_NE(no_limit.out.find(", the heap needed there 37,040 B; at most 37,040 B"),
              std::string::npos)
        << no_limit.out;
}

// The requested bytes alone fit 300 KiB: the overhead of glibc's chunks is what does not.
// A model file for an allocator with 4-byte headers and 8-byte alignment: an edge takes 24 B,
// a node 32, an instruction 40 (the peak: 512 x 40 + 8,200 + 512 x 32 + 12,132 x 24 + 2,056).
TEST_F(Heap, OtherModelsAndOnePhase) {
    const fs::path db = record_minijit("graph");
    const json exact = heap_json(db, {"--allocator", "exact", "--limit", "300K"}, 0);
    EXPECT_EQ(window(exact, "").at("heap_needed_at_peak"), 233024);
    EXPECT_EQ(exact.at("allocator").at("name"), "exact");

    const fs::path model = dir_ / "small.json";
    std::ofstream(model) << R"({"name": "small-heap", "header_bytes": 4, "alignment": 8})";
    const json custom = heap_json(db, {"--allocator", model.string(), "--limit", "400K"}, 0);
    EXPECT_EQ(custom.at("allocator").at("name"), "small-heap");
    EXPECT_EQ(window(custom, "").at("heap_needed_at_peak"),
              512 * 40 + 8200 + 512 * 32 + 12132 * 24 + 2056);

    const json regalloc = heap_json(db, {"--phase", "regalloc"}, 0);
    ASSERT_EQ(regalloc.at("windows").size(), 1u);
    EXPECT_EQ(regalloc["windows"][0].at("window"), "regalloc");
    // Only emit's allocations are checked: what regalloc needed does not count against it.
    const json emit = heap_json(db, {"--phase", "emit", "--limit", "300K"}, 0);
    EXPECT_EQ(emit.at("limit").at("phase"), "emit");
    EXPECT_EQ(emit.at("limit").at("fits"), true);
}

TEST_F(Heap, BadInputExitsTwoWithOneLine) {
    const fs::path db = record_minijit("linear");
    const fs::path damaged = dir_ / "damaged.db";
    std::ofstream(damaged) << "this is not a database";
    const fs::path model = dir_ / "bad-model.json";
    std::ofstream(model) << R"({"header_bytes": 8, "alignment": 12})";
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{db.string(), "--limit", "300X"}, "'300X' is not a heap size"},
        {{db.string(), "--limit", "1.5M"}, "'1.5M' is not a heap size"},
        {{db.string(), "--limit", "0"}, "at least 1 byte"},
        {{db.string(), "--phase", "regalloq"},
         "has no phase 'regalloq' (its phases: parse, liveness, regalloc, emit; did you mean "
         "'regalloc'?)"},
        {{db.string(), "--run", "99"}, "99"},
        {{db.string(), "--allocator", "tcmalloc"},
         "--allocator tcmalloc: not glibc, exact or a readable allocator model file"},
        {{db.string(), "--allocator", model.string()},
         model.string() + ": alignment: must be a power of two"},
        {{(dir_ / "missing.db").string()}, "missing.db"},
        {{damaged.string()}, "damaged.db"},
    };
    for (const auto& [args, expected] : cases) {
        std::vector<std::string> argv = {allocprof_binary().string(), "heap"};
        argv.insert(argv.end(), args.begin(), args.end());
        ProcessResult p = run_process(argv);
        EXPECT_TRUE(p.exited_with(2)) << p.describe();
        EXPECT_EQ(count_lines_starting_with(p.err, ""), 1) << p.err;
        EXPECT_EQ(p.err.rfind("allocprof: error: ", 0), 0u) << p.err;
        EXPECT_NE(p.err.find(expected), std::string::npos)
            << "expected '" << expected << "' in: " << p.err;
        EXPECT_EQ(p.out, "") << p.out;
    }
}

}  // namespace
}  // namespace allocprof::e2e
