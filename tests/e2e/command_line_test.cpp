// command_line_test.cpp — the command line as a user meets it: every command's --help,
// --opt=value and --opt value alike, a typo's suggestion, -o - for standard output, counts
// that are not counts, the exit status of each mistake (2; 125 for record), and the status
// line long steps draw on a terminal (and only there).
#include <filesystem>
#include <fstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

const char* const kCommands[] = {"record", "summary", "top", "symbolize", "analyze", "report", "suite", "compare"};

fs::path golden_db() { return (samples_source_dir() / ".." / "tests" / "golden" / "markers.db").lexically_normal(); }

ProcessResult allocprof(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {allocprof_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
}

class CommandLine : public E2eTest {
protected:
    fs::path copy_of_golden() {
        const fs::path copy = dir_ / "markers.db";
        fs::copy_file(golden_db(), copy, fs::copy_options::overwrite_existing);
        return copy;
    }
};

TEST_F(CommandLine, EveryCommandHasHelpThatNamesItsOptions) {
    ProcessResult top = allocprof({"--help"});
    ASSERT_TRUE(top.exited_with(0)) << top.describe();
    for (const char* command : kCommands) {
        SCOPED_TRACE(command);
        EXPECT_NE(top.out.find(std::string("  ") + command), std::string::npos) << "the top-level help lists it";
        ProcessResult p = allocprof({command, "--help"});
        EXPECT_TRUE(p.exited_with(0)) << p.describe();
        EXPECT_NE(p.out.find("Usage: allocprof " + std::string(command)), std::string::npos) << p.out;
        EXPECT_NE(p.out.find("-h,--help"), std::string::npos) << p.out;
    }
    EXPECT_NE(allocprof({"report", "--help"}).out.find("md, html, json"), std::string::npos)
        << "the formats are listed";
    ProcessResult version = allocprof({"--version"});
    EXPECT_TRUE(version.exited_with(0));
    EXPECT_EQ(version.out.rfind("allocprof ", 0), 0u) << version.out;
}

TEST_F(CommandLine, OptionsTakeTheirValueWithOrWithoutEquals) {
    const fs::path db = copy_of_golden();
    ProcessResult spaced = allocprof({"top", db.string(), "-n", "2", "--by", "bytes", "--format", "json"});
    ProcessResult joined = allocprof({"top", db.string(), "-n", "2", "--by=bytes", "--format=json"});
    ASSERT_TRUE(spaced.exited_with(0)) << spaced.describe();
    ASSERT_TRUE(joined.exited_with(0)) << joined.describe();
    EXPECT_EQ(spaced.out, joined.out);
    json top = json::parse(joined.out);
    EXPECT_EQ(top["format"], "allocprof-top");
    EXPECT_EQ(top["format_version"], 1);
    EXPECT_EQ(top["sites"].size(), 2u);
    EXPECT_EQ(allocprof({"top", db.string(), "--json", "-n", "2", "--by=bytes"}).out, joined.out)
        << "--json is --format json";
}

TEST_F(CommandLine, AMistypedCommandOrOptionGetsASuggestion) {
    const fs::path db = copy_of_golden();
    ProcessResult command = allocprof({"reprot", db.string()});
    EXPECT_TRUE(command.exited_with(2)) << command.describe();
    EXPECT_NE(command.err.find("did you mean 'report'?"), std::string::npos) << command.err;
    ProcessResult option = allocprof({"report", db.string(), "--fromat", "json"});
    EXPECT_TRUE(option.exited_with(2)) << option.describe();
    EXPECT_NE(option.err.find("did you mean --format?"), std::string::npos) << option.err;
    EXPECT_TRUE(option.out.empty());
    ProcessResult record = allocprof({"record", "--scenaro", "x", "--", "/bin/true"});
    EXPECT_TRUE(record.exited_with(125)) << record.describe();
    EXPECT_NE(record.err.find("did you mean --scenario?"), std::string::npos) << record.err;
    // Never the hidden command --help does not list (the build's completion writer).
    ProcessResult hidden = allocprof({"completio", "bash"});
    EXPECT_TRUE(hidden.exited_with(2)) << hidden.describe();
    EXPECT_EQ(hidden.err.find("completion"), std::string::npos) << hidden.err;
    EXPECT_NE(hidden.err.find("unknown command 'completio'"), std::string::npos) << hidden.err;
}

TEST_F(CommandLine, DashOutputIsStandardOutputAndAFileIsWrittenWhole) {
    const fs::path db = copy_of_golden();
    ProcessResult to_stdout = allocprof({"report", db.string(), "-o", "-"});
    ASSERT_TRUE(to_stdout.exited_with(0)) << to_stdout.describe();
    EXPECT_NE(to_stdout.out.find("# Allocation report"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir_ / "-"));
    const fs::path file = dir_ / "report.md";
    ProcessResult to_file = allocprof({"report", db.string(), "--output=" + file.string()});
    ASSERT_TRUE(to_file.exited_with(0)) << to_file.describe();
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, to_stdout.out);
    for (const auto& entry : fs::directory_iterator(dir_.path()))
        EXPECT_EQ(entry.path().filename().string().rfind(".allocprof-", 0), std::string::npos)
            << "no temporary file left: " << entry.path();
    ProcessResult record = allocprof({"record", "-o", "-", "--", "/bin/true"});
    EXPECT_TRUE(record.exited_with(125)) << record.describe();
    EXPECT_NE(record.err.find("standard output"), std::string::npos) << record.err;
}

TEST_F(CommandLine, ACountMustBeACountAndFitTheDatabase) {
    const fs::path db = copy_of_golden();
    ProcessResult word = allocprof({"top", db.string(), "-n", "abc"});
    EXPECT_TRUE(word.exited_with(2)) << word.describe();
    EXPECT_NE(word.err.find("'abc' is not a count"), std::string::npos) << word.err;
    ProcessResult huge = allocprof({"record", "--ops", "18446744073709551615", "--", "/bin/true"});
    EXPECT_TRUE(huge.exited_with(125)) << huge.describe();
    EXPECT_NE(huge.err.find("is larger than 9223372036854775807"), std::string::npos) << huge.err;
    ProcessResult negative = allocprof({"report", db.string(), "--run", "-1"});
    EXPECT_TRUE(negative.exited_with(2)) << negative.describe();
}

// A count above INT64_MAX in a file (a suite's ops, a config's byte counts) is refused as
// on the command line: SQLite stores it signed, and it was stored as -1.
TEST_F(CommandLine, ACountInAFileMustFitTheDatabaseToo) {
    const fs::path suite = dir_ / "suite.json";
    std::ofstream(suite) << R"({"scenarios": [{"name": "s", "command": ["/bin/true"], "ops": 18446744073709551615}]})";
    ProcessResult from_suite = allocprof({"suite", suite.string(), "-o", (dir_ / "suite.db").string()});
    EXPECT_TRUE(from_suite.exited_with(2)) << from_suite.describe();
    EXPECT_NE(from_suite.err.find("18446744073709551615 is not a number allocprof can store"), std::string::npos)
        << from_suite.err;
    EXPECT_FALSE(fs::exists(dir_ / "suite.db"));

    const fs::path db = copy_of_golden();
    const fs::path config = dir_ / "config.json";
    std::ofstream(config) << R"({"analysis": {"gen0_budget": 9223372036854775808}})";
    ProcessResult from_config = allocprof({"analyze", db.string(), "--config", config.string()});
    EXPECT_TRUE(from_config.exited_with(2)) << from_config.describe();
    EXPECT_NE(from_config.err.find("9223372036854775808 is not a number allocprof can store"), std::string::npos)
        << from_config.err;
}

// One config file, one validation: symbolize --config refuses what analyze --config refuses.
TEST_F(CommandLine, SymbolizeRefusesTheConfigThatAnalyzeRefuses) {
    const fs::path db = copy_of_golden();
    for (const std::string& text : {std::string(R"({"sitez": {}})"), std::string(R"({"analysis": {"bogus": 1}})"),
                                    std::string(R"({"source": 3})")}) {
        SCOPED_TRACE(text);
        const fs::path config = dir_ / "config.json";
        std::ofstream(config) << text;
        ProcessResult analyze = allocprof({"analyze", db.string(), "--config", config.string()});
        ProcessResult symbolize = allocprof({"symbolize", db.string(), "--config", config.string()});
        EXPECT_TRUE(analyze.exited_with(2)) << analyze.describe();
        EXPECT_TRUE(symbolize.exited_with(2)) << symbolize.describe();
        EXPECT_NE(symbolize.err.find(config.string()), std::string::npos) << symbolize.err;
        // The same problem named (each command adds its own help hint).
        const std::string problem = analyze.err.substr(0, analyze.err.find(" (see"));
        EXPECT_NE(symbolize.err.find(problem), std::string::npos) << analyze.err << " vs " << symbolize.err;
    }
}

TEST_F(CommandLine, RecordTakesTheCommandAfterDashesOrAfterItsOptions) {
    const fs::path a = dir_ / "a.db", b = dir_ / "b.db";
    const std::string program = sample_binary("markers").string();
    ProcessResult dashes = allocprof({"record", "-o", a.string(), "--", program});
    ProcessResult bare = allocprof({"record", "--output=" + b.string(), program});
    EXPECT_TRUE(dashes.exited_with(0)) << dashes.describe();
    EXPECT_TRUE(bare.exited_with(0)) << bare.describe();
    json sa = summary_json(a), sb = summary_json(b);
    EXPECT_EQ(sa["runs"][0]["allocations"], sb["runs"][0]["allocations"]);
    EXPECT_EQ(sa["runs"][0]["command"], json::array({program}));
    // The target's own options are its own, not record's.
    ProcessResult own = allocprof({"record", "-o", (dir_ / "c.db").string(), "--", "/bin/sh", "-c", "exit 3"});
    EXPECT_TRUE(own.exited_with(3)) << own.describe();
}


// A long step on a terminal says how far it is on one status line of stderr, erased before
// the next line is printed; with stderr a pipe (a CI log) nothing of it is written. The
// terminal is a pseudo-terminal from script(1); the workload is long enough that the ingest
// after the program ends and the replay of its events each pass the status line's 0.3 s.
TEST_F(CommandLine, LongStepsShowAStatusLineOnATerminalOnly) {
    const fs::path db = dir_ / "stress.db";
    const std::string program = sample_binary("faults/alloc_stress").string() + " 2 800000 7 0";
    auto on_terminal = [](const std::string& command) {
        return run_process({"script", "-qfec", command, "/dev/null"});
    };
    ProcessResult rec = on_terminal(allocprof_binary().string() + " record -o " + db.string() + " -- " + program);
    ASSERT_TRUE(rec.exited_with(0)) << rec.describe();
    EXPECT_NE(rec.out.find("\rallocprof: writing the run: "), std::string::npos) << rec.out;
    ProcessResult analyze = on_terminal(allocprof_binary().string() + " analyze " + db.string());
    ASSERT_TRUE(analyze.exited_with(0)) << analyze.describe();
    EXPECT_NE(analyze.out.find("\rallocprof: analysing run 1, replaying events: "), std::string::npos) << analyze.out;
    // Every line that follows a status line starts clean: the status was erased first.
    for (const std::string* out : {&rec.out, &analyze.out}) {
        size_t at = 0;
        while ((at = out->find("\rallocprof: ", at)) != std::string::npos) {
            const size_t end = out->find_first_of("\n\r", at + 1);
            ASSERT_NE(end, std::string::npos) << "a status line is left on the screen: " << *out;
            EXPECT_EQ(out->compare(end - 3, 3, "\033[K"), 0) << "each draw erases the rest of the line";
            at = end;
        }
        EXPECT_NE(out->find("\r\033[K"), std::string::npos) << "the line is erased when the step ends";
    }
    const size_t erased = analyze.out.rfind("\r\033[K");
    ASSERT_NE(erased, std::string::npos);
    EXPECT_NE(analyze.out.find("run 1: ", erased), std::string::npos)
        << "the result line comes after the status line was erased: " << analyze.out;

    // Not a terminal: the same commands write no status at all.
    fs::remove(db);
    ProcessResult piped = run_process({allocprof_binary().string(), "record", "-o", db.string(), "--",
                                       sample_binary("faults/alloc_stress").string(), "2", "800000", "7", "0"});
    ASSERT_TRUE(piped.exited_with(0)) << piped.describe();
    ProcessResult piped_analyze = run_process({allocprof_binary().string(), "analyze", db.string()});
    ASSERT_TRUE(piped_analyze.exited_with(0)) << piped_analyze.describe();
    for (const ProcessResult* p : {&piped, &piped_analyze}) {
        EXPECT_EQ(p->err.find('\r'), std::string::npos) << p->err;
        EXPECT_EQ(p->err.find("\033["), std::string::npos) << p->err;
    }
}

}  // namespace
}  // namespace allocprof::e2e
