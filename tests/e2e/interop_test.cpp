// interop_test.cpp — `allocprof export` (pprof, collapsed stacks, DHAT) and `allocprof
// import heaptrack`, checked the way the other tools read the files: the pprof profile
// gunzipped and decoded by protoc against pprof's own profile.proto, the collapsed lines
// summed, the DHAT JSON parsed; a heaptrack recording of the same sample imported and
// compared with heaptrack_print's own figures for that file. The expected numbers are
// samples/c/alloc_patterns.c's and samples/c/markers.c's tabulated totals, or heaptrack's.
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

// The functions of alloc_patterns.c that call the allocator.
const std::vector<std::string> kAllocatingFunctions = {
    "section_malloc", "section_calloc", "section_realloc_chain", "section_realloc_edges",
    "section_aligned", "section_reallocarray", "section_strings"};

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

ProcessResult allocprof(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {allocprof_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
}

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

// A pprof profile as protoc's text format shows it: what the tests look at.
struct DecodedProfile {
    struct Sample {
        std::vector<long long> values;
        std::map<long long, long long> labels;  // key -> str (string table indices)
    };
    std::vector<Sample> samples;
    std::vector<std::string> strings;
    std::vector<std::string> sample_types;
    std::set<std::string> function_names;
    int locations = 0;
};

// The text of a quoted protobuf string ("..." with C escapes).
std::string unquote(const std::string& s) {
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] != '\\') {
            out += s[i];
            continue;
        }
        const char c = s[++i];
        if (c >= '0' && c <= '7') {
            int v = 0;
            for (int k = 0; k < 3 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k) v = v * 8 + (s[i++] - '0');
            --i;
            out += static_cast<char>(v);
        } else {
            out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
    }
    return out;
}

// gzip -dc | protoc --decode=perftools.profiles.Profile (pprof's profile.proto), parsed.
DecodedProfile decode_pprof(const std::filesystem::path& file, const std::filesystem::path& dir) {
    const std::filesystem::path proto = ALLOCPROF_TEST_PPROF_PROTO;
    const std::filesystem::path text = dir / "profile.txt";
    ProcessResult p = run_process({"sh", "-c",
                                   "gzip -dc " + quoted(file) + " | " ALLOCPROF_TEST_PROTOC " --proto_path=" +
                                       quoted(proto.parent_path()) +
                                       " --decode=perftools.profiles.Profile profile.proto > " + quoted(text)});
    if (!p.exited_with(0)) throw std::runtime_error("decoding the profile failed: " + p.describe());
    DecodedProfile d;
    std::ifstream in(text);
    std::string line;
    std::vector<std::string> blocks;  // the open messages
    std::vector<long long> sample_type_ids;
    long long label_key = 0, function_name = -1;
    std::vector<long long> function_names;
    while (std::getline(in, line)) {
        const size_t first = line.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        line = line.substr(first);
        if (line.size() > 2 && line.substr(line.size() - 2) == " {") {
            blocks.push_back(line.substr(0, line.size() - 2));
            if (blocks.size() == 1 && blocks[0] == "sample") d.samples.emplace_back();
            if (blocks.size() == 1 && blocks[0] == "location") ++d.locations;
            continue;
        }
        if (line == "}") {
            if (blocks.size() == 1 && blocks[0] == "function") function_names.push_back(function_name);
            blocks.pop_back();
            continue;
        }
        const size_t colon = line.find(": ");
        if (colon == std::string::npos) continue;
        const std::string key = line.substr(0, colon), value = line.substr(colon + 2);
        const std::string where = blocks.empty() ? "" : blocks.back();
        if (blocks.empty() && key == "string_table") d.strings.push_back(unquote(value));
        if (where == "sample_type" && key == "type") sample_type_ids.push_back(std::stoll(value));
        if (blocks.size() == 1 && where == "sample" && key == "value") d.samples.back().values.push_back(std::stoll(value));
        if (where == "label" && key == "key") label_key = std::stoll(value);
        if (where == "label" && key == "str") d.samples.back().labels[label_key] = std::stoll(value);
        if (where == "function" && key == "name") function_name = std::stoll(value);
    }
    for (long long id : sample_type_ids) d.sample_types.push_back(d.strings.at(static_cast<size_t>(id)));
    for (long long id : function_names)
        if (id >= 0) d.function_names.insert(d.strings.at(static_cast<size_t>(id)));
    return d;
}

class Export : public E2eTest {
protected:
    void record_sample(const std::string& name, const std::vector<std::string>& options = {}) {
        Recording rec = record_to_db({sample_binary(name).string()}, options);
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    }
    // allocprof export run.db ARGS... -o OUT: the file written (and a failure if it failed).
    std::filesystem::path export_to(const std::string& name, const std::vector<std::string>& args) {
        const std::filesystem::path out = dir_.path() / name;
        std::vector<std::string> argv = {"export", db().string(), "-o", out.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        ProcessResult p = allocprof(argv);
        EXPECT_TRUE(p.exited_with(0)) << p.describe();
        return out;
    }
};

TEST_F(Export, PprofDecodesWithPprofsProtoAndAddsUpToTheRun) {
    record_sample("alloc_patterns");
    const json run = single_run(db());
    const DecodedProfile profile = decode_pprof(export_to("run.pb.gz", {"--format", "pprof"}), dir_.path());
    ASSERT_EQ(profile.sample_types,
              (std::vector<std::string>{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}));
    long long sums[4] = {};
    for (const auto& s : profile.samples) {
        ASSERT_EQ(s.values.size(), 4u);
        for (int i = 0; i < 4; ++i) sums[i] += s.values[static_cast<size_t>(i)];
    }
    EXPECT_EQ(sums[0], count_of(run, "allocations"));
    EXPECT_EQ(sums[0], 35);  // alloc_patterns.c's table
    EXPECT_EQ(sums[1], 5110);
    EXPECT_EQ(sums[2], 1);  // the kept block
    EXPECT_EQ(sums[3], 777);
    for (const std::string& f : kAllocatingFunctions)
        EXPECT_EQ(profile.function_names.count(f), 1u) << f << " is not a function of the profile";
    EXPECT_EQ(profile.function_names.count("main"), 1u);
    EXPECT_GT(profile.locations, 0);

    // At the peak: the kept block and the ten malloc(100) of section_malloc.
    const DecodedProfile peak =
        decode_pprof(export_to("peak.pb.gz", {"--format", "pprof", "--at", "peak"}), dir_.path());
    long long peak_objects = 0, peak_bytes = 0;
    for (const auto& s : peak.samples) {
        peak_objects += s.values[2];
        peak_bytes += s.values[3];
    }
    EXPECT_EQ(peak_objects, 11);
    EXPECT_EQ(peak_bytes, count_of(run, "peak_live_bytes"));
    EXPECT_EQ(peak_bytes, 1777);
}

// markers.c: phases "setup" (1 allocation), "work" (300), "batch" (3), 2 outside any phase.
TEST_F(Export, PprofSamplesCarryThePhase) {
    record_sample("markers");
    const DecodedProfile profile = decode_pprof(export_to("run.pb.gz", {"--format", "pprof"}), dir_.path());
    std::map<std::string, long long> by_phase;
    for (const auto& s : profile.samples) {
        std::string phase = "(none)";
        for (const auto& [key, str] : s.labels)
            if (profile.strings.at(static_cast<size_t>(key)) == "phase")
                phase = profile.strings.at(static_cast<size_t>(str));
        by_phase[phase] += s.values.at(0);
    }
    EXPECT_EQ(by_phase, (std::map<std::string, long long>{{"setup", 1}, {"work", 300}, {"batch", 3}, {"(none)", 2}}));
}

// Sums of "stack N" lines, and the stacks that mention a function.
struct Collapsed {
    long long total = 0;
    std::map<std::string, long long> by_function;  // lines whose stack names it
    bool root_first = true;
};
Collapsed read_collapsed(const std::filesystem::path& file) {
    Collapsed c;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const size_t space = line.rfind(' ');
        EXPECT_NE(space, std::string::npos) << line;
        const long long n = std::stoll(line.substr(space + 1));
        c.total += n;
        const std::string stack = line.substr(0, space);
        std::set<std::string> seen;
        size_t start = 0;
        std::vector<std::string> frames;
        while (start <= stack.size()) {
            size_t end = stack.find(';', start);
            if (end == std::string::npos) end = stack.size();
            frames.push_back(stack.substr(start, end - start));
            start = end + 1;
        }
        for (const std::string& f : frames)
            if (seen.insert(f).second) c.by_function[f] += n;
        // main is called from the C library's start code, never the other way round.
        auto main_at = std::find(frames.begin(), frames.end(), "main");
        if (main_at != frames.end() && main_at == frames.begin() && frames.size() > 1 &&
            frames[1].find("libc_start") != std::string::npos)
            c.root_first = false;
    }
    return c;
}

TEST_F(Export, CollapsedStacksAddUpToTheRun) {
    record_sample("alloc_patterns");
    const json run = single_run(db());
    const Collapsed allocations = read_collapsed(export_to("allocs.folded", {"--format", "collapsed"}));
    EXPECT_EQ(allocations.total, count_of(run, "allocations"));
    EXPECT_EQ(allocations.total, 35);
    EXPECT_TRUE(allocations.root_first);
    EXPECT_EQ(allocations.by_function.at("main"), 35);  // every allocation is under main
    EXPECT_EQ(allocations.by_function.at("section_malloc"), 10);
    EXPECT_EQ(allocations.by_function.at("section_calloc"), 5);
    const Collapsed bytes = read_collapsed(export_to("bytes.folded", {"--format", "collapsed", "--metric", "bytes"}));
    EXPECT_EQ(bytes.total, count_of(run, "bytes_allocated"));
    EXPECT_EQ(bytes.total, 5110);
    EXPECT_EQ(bytes.by_function.at("section_malloc"), 1000);
    const Collapsed unfreed =
        read_collapsed(export_to("unfreed.folded", {"--format", "collapsed", "--metric", "unfreed"}));
    EXPECT_EQ(unfreed.total, 777);
    const Collapsed peak = read_collapsed(export_to("peak.folded", {"--format", "collapsed", "--metric", "peak"}));
    EXPECT_EQ(peak.total, 1777);
}

TEST_F(Export, DhatJsonHasEveryBlock) {
    record_sample("alloc_patterns");
    const json run = single_run(db());
    const json dhat = json::parse(read_file(export_to("dhat.json", {"--format", "dhat"})));
    EXPECT_EQ(dhat["dhatFileVersion"], 2);
    EXPECT_EQ(dhat["mode"], "heap");
    EXPECT_EQ(dhat["ftbl"][0], "[root]");
    long long blocks = 0, bytes = 0, at_gmax = 0, at_end = 0;
    for (const json& pp : dhat["pps"]) {
        for (const char* key : {"tb", "tbk", "tl", "mb", "mbk", "gb", "gbk", "eb", "ebk", "fs"})
            ASSERT_TRUE(pp.contains(key)) << key << " missing in " << pp.dump();
        blocks += pp["tbk"].get<long long>();
        bytes += pp["tb"].get<long long>();
        at_gmax += pp["gb"].get<long long>();
        at_end += pp["eb"].get<long long>();
        for (const json& f : pp["fs"]) ASSERT_LT(f.get<size_t>(), dhat["ftbl"].size());
    }
    EXPECT_EQ(blocks, count_of(run, "allocations"));
    EXPECT_EQ(blocks, 35);
    EXPECT_EQ(bytes, 5110);
    EXPECT_EQ(at_gmax, 1777);
    EXPECT_EQ(at_end, 777);
    bool named = false;
    for (const json& f : dhat["ftbl"])
        named = named || f.get<std::string>().find("section_malloc (") != std::string::npos;
    EXPECT_TRUE(named) << dhat["ftbl"].dump();
}

TEST_F(Export, BadInputAndOutputAreRefused) {
    // A missing file and a file that is not a database: one line naming it.
    const std::filesystem::path missing = dir_.path() / "missing.db";
    ProcessResult p = allocprof({"export", missing.string(), "--format", "collapsed"});
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_EQ(count_lines_starting_with(p.err, "allocprof: error: "), 1) << p.err;
    EXPECT_NE(p.err.find(missing.string()), std::string::npos) << p.err;
    const std::filesystem::path text = dir_.path() / "notes.txt";
    std::ofstream(text) << "not a database\n";
    p = allocprof({"export", text.string(), "--format", "collapsed"});
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find(text.string()), std::string::npos) << p.err;
    EXPECT_EQ(std::count(p.err.begin(), p.err.end(), '\n'), 1) << p.err;

    // -o onto an existing file: refused without --force, and the file is untouched.
    record_sample("alloc_patterns");
    p = allocprof({"export", db().string(), "--format", "collapsed", "-o", text.string()});
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find("--force"), std::string::npos) << p.err;
    EXPECT_EQ(read_file(text), "not a database\n");
    p = allocprof({"export", db().string(), "--format", "collapsed", "-o", text.string(), "--force"});
    EXPECT_TRUE(p.exited_with(0)) << p.describe();
    EXPECT_EQ(read_collapsed(text).total, 35);
    // Never onto the input database, even with --force.
    p = allocprof({"export", db().string(), "--format", "collapsed", "-o", db().string(), "--force"});
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_EQ(single_run(db())["allocations"], 35);
}

TEST_F(Export, RunWithoutEventsExportsWhatStackStatsHold) {
    record_sample("alloc_patterns", {"--no-events"});
    const Collapsed c = read_collapsed(export_to("allocs.folded", {"--format", "collapsed"}));
    EXPECT_EQ(c.total, 35);
    const DecodedProfile profile = decode_pprof(export_to("run.pb.gz", {"--format", "pprof"}), dir_.path());
    long long objects = 0;
    for (const auto& s : profile.samples) objects += s.values.at(0);
    EXPECT_EQ(objects, 35);
    // DHAT's lifetimes and the blocks at the peak need the event stream: refused, saying why.
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--format", "dhat"}, std::vector<std::string>{"--format", "pprof", "--at", "peak"}}) {
        std::vector<std::string> argv = {"export", db().string(), "-o", (dir_.path() / "x").string()};
        argv.insert(argv.end(), args.begin(), args.end());
        ProcessResult p = allocprof(argv);
        EXPECT_TRUE(p.exited_with(2)) << p.describe();
        EXPECT_NE(p.err.find("--no-events"), std::string::npos) << p.err;
        EXPECT_FALSE(std::filesystem::exists(dir_.path() / "x"));
    }
}

// record ends with the next command on stderr (stdout is the program's), and with stderr
// not a terminal nothing else: no progress lines. --quiet leaves the line out.
TEST_F(Export, RecordSuggestsTheNextCommand) {
    Recording rec = record_to_db({sample_binary("alloc_patterns").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.err, "next: allocprof report " + db().string() + "\n");
    EXPECT_EQ(rec.process.out, "");
    Recording no_events = record(dir_.path() / "no-events.db", {sample_binary("alloc_patterns").string()},
                                 {"--no-events"});
    EXPECT_EQ(no_events.process.err, "next: allocprof top " + (dir_.path() / "no-events.db").string() + "\n");
    Recording quiet = record(dir_.path() / "quiet.db", {sample_binary("alloc_patterns").string()}, {"--quiet"});
    ASSERT_TRUE(quiet.process.exited_with(0)) << quiet.process.describe();
    EXPECT_EQ(quiet.process.err, "");
}

// ---- import heaptrack ---------------------------------------------------------------------

// A figure of heaptrack_print's closing summary: "LABEL: 74.48K" (1000-based units, two
// decimals) as bytes, with the rounding heaptrack printed it with.
struct Printed {
    double value = -1;
    double tolerance = 0;
};
Printed printed_bytes(const std::string& out, const std::string& label) {
    std::smatch m;
    const std::regex re(label + ": ([0-9.]+)([KMG]?)B?\\n");
    if (!std::regex_search(out, m, re)) return {};
    const double factor = m[2] == "K" ? 1e3 : m[2] == "M" ? 1e6 : m[2] == "G" ? 1e9 : 1;
    return {std::stod(m[1]) * factor, factor == 1 ? 0 : 0.005 * factor};
}

class ImportHeaptrack : public E2eTest {};

TEST_F(ImportHeaptrack, RunMatchesHeaptracksFigures) {
    const std::filesystem::path recording = dir_.path() / "ht";
    ProcessResult h = run_process({"heaptrack", "-o", recording.string(), sample_binary("alloc_patterns").string()});
    if (h.exit_code == 127) GTEST_SKIP() << "heaptrack not installed";
    ASSERT_TRUE(h.exited_with(0)) << h.describe();
    const std::filesystem::path file = dir_.path() / "ht.zst";
    ASSERT_TRUE(std::filesystem::exists(file)) << h.out;
    ProcessResult print = run_process({"heaptrack_print", file.string()});
    ASSERT_TRUE(print.exited_with(0)) << print.describe();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(print.out, m, std::regex("calls to allocation functions: ([0-9]+) ")))
        << print.out;
    const long long calls = std::stoll(m[1]);

    ProcessResult p = allocprof({"import", "heaptrack", file.string(), "-o", db().string()});
    ASSERT_TRUE(p.exited_with(0)) << p.describe();
    EXPECT_NE(p.out.find("next: allocprof report " + db().string()), std::string::npos) << p.out;
    const json run = single_run(db());
    EXPECT_EQ(count_of(run, "allocations"), calls);
    const Printed peak = printed_bytes(print.out, "peak heap memory consumption");
    const Printed leaked = printed_bytes(print.out, "total memory leaked");
    ASSERT_GE(peak.value, 0) << print.out;
    ASSERT_GE(leaked.value, 0) << print.out;
    EXPECT_NEAR(static_cast<double>(count_of(run, "peak_live_bytes")), peak.value, peak.tolerance);
    EXPECT_NEAR(static_cast<double>(count_of(run, "unfreed_bytes")), leaked.value, leaked.tolerance);
    EXPECT_NE(run.dump().find("imported from heaptrack"), std::string::npos) << run.dump();

    // top names the sample's allocating functions at their lines in alloc_patterns.c.
    const json top = top_json(db());
    std::map<std::string, std::pair<std::string, long long>> sites;  // function -> (file, allocations)
    for (const json& s : top["sites"])
        sites[s["function"].get<std::string>()] = {s["file"].get<std::string>() + ":" +
                                                        std::to_string(s["line"].get<int>()),
                                                    s["allocations"].get<long long>()};
    const std::string source = (samples_source_dir() / "c" / "alloc_patterns.c").string();
    ASSERT_TRUE(sites.count("section_malloc")) << top.dump();
    EXPECT_EQ(sites["section_malloc"].second, 10);
    EXPECT_EQ(sites["section_calloc"].second, 5);
    // The line of the call: malloc(100) in section_malloc, calloc(4, 25) in section_calloc.
    std::ifstream in(source);
    std::string text;
    int malloc_line = 0, calloc_line = 0;
    for (int n = 1; std::getline(in, text); ++n) {
        if (text.find("sample_check(malloc(100)") != std::string::npos && malloc_line == 0) malloc_line = n;
        if (text.find("sample_check(calloc(4, 25)") != std::string::npos && calloc_line == 0) calloc_line = n;
    }
    const std::string malloc_site = sites["section_malloc"].first, calloc_site = sites["section_calloc"].first;
    EXPECT_TRUE(malloc_site.ends_with("alloc_patterns.c:" + std::to_string(malloc_line))) << malloc_site;
    EXPECT_TRUE(calloc_site.ends_with("alloc_patterns.c:" + std::to_string(calloc_line))) << calloc_site;

    // symbolize looks every address up again, but keeps heaptrack's frames of an import.
    ProcessResult again = allocprof({"symbolize", db().string()});
    ASSERT_TRUE(again.exited_with(0)) << again.describe();
    bool same = false;
    const json top_again = top_json(db());
    for (const json& s : top_again["sites"])
        if (s["function"] == "section_malloc")
            same = s["file"].get<std::string>() + ":" + std::to_string(s["line"].get<int>()) == malloc_site;
    EXPECT_TRUE(same) << "section_malloc's site changed after symbolize";

    // report renders (analysing the imported events first).
    ProcessResult report = allocprof({"report", db().string()});
    ASSERT_TRUE(report.exited_with(0)) << report.describe();
    EXPECT_NE(report.out.find("section_malloc"), std::string::npos);
    EXPECT_NE(report.out.find("## Summary"), std::string::npos) << report.out.substr(0, 2000);
}

TEST_F(ImportHeaptrack, BadFilesAreRefusedAndLeaveNothing) {
    const std::filesystem::path text = dir_.path() / "notes.txt";
    std::ofstream(text) << "hello\n";
    for (const std::filesystem::path& file : {dir_.path() / "missing.zst", text}) {
        ProcessResult p = allocprof({"import", "heaptrack", file.string(), "-o", db().string()});
        EXPECT_TRUE(p.exited_with(2)) << p.describe();
        EXPECT_EQ(std::count(p.err.begin(), p.err.end(), '\n'), 1) << p.err;
        EXPECT_NE(p.err.find(file.string()), std::string::npos) << p.err;
        EXPECT_FALSE(std::filesystem::exists(db()));
        EXPECT_FALSE(std::filesystem::exists(db().string() + ".importing"));
    }
    // A damaged record names its line.
    const std::filesystem::path damaged = dir_.path() / "damaged";
    std::ofstream(damaged) << "v 10400 3\ns 4 main\nt 5 0\n";
    ProcessResult p = allocprof({"import", "heaptrack", damaged.string(), "-o", db().string()});
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    EXPECT_NE(p.err.find(damaged.string() + ":3: "), std::string::npos) << p.err;
    EXPECT_FALSE(std::filesystem::exists(db()));

    // The partial database is made in a private directory: a file of the user's named like
    // a temporary is left as it was, and nothing of the failed import remains.
    const std::string partial = db().string() + ".importing";
    std::ofstream(partial) << "the user's own file\n";
    ProcessResult busy = allocprof({"import", "heaptrack", damaged.string(), "-o", db().string()});
    EXPECT_TRUE(busy.exited_with(2)) << busy.describe();
    EXPECT_NE(busy.err.find(damaged.string() + ":3: "), std::string::npos) << busy.err;
    size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_.path())) ++entries;
    EXPECT_EQ(entries, 3u) << "only the two inputs and the user's file";
    std::ifstream kept(partial);
    std::string line;
    std::getline(kept, line);
    EXPECT_EQ(line, "the user's own file");
    EXPECT_FALSE(std::filesystem::exists(db()));
}

}  // namespace
}  // namespace allocprof::e2e
