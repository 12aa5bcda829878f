// suite_report_test.cpp — `allocprof report SUITE.db`, the suite document, on the two
// scenarios of samples/suite/vm_suite.json (samples/suite/scenario_vm.c, its planted
// patterns in the file comment):
//
// - one document, one baseline row per scenario with its measured window's exact figures
//   (2 allocs/op; 40 and 56 B/op over 500 ops), each site once in the inventory with its
//   per-scenario figures, no plan target twice;
// - the start-up site (reserve_stack, before the measured phase) is outside the tiers and
//   the plan;
// - coverage from the sources analysed by default: never_run, which neither scenario runs,
//   is not reached; box_number and build_name are reached by one scenario each; shared_step,
//   run by both, is neither;
// - markdown, HTML and JSON, byte-identical when rendered twice; --scenario and --run give
//   one run's report; bad choices exit 2;
// and on the repo's own suites: samples/suite/suite.json (the interpreter measured without
// its compile phase, exactly) and samples/python/suite.json.
#include <fstream>
#include <set>

#include "e2e/e2e_test.h"
#include "support/chromium.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

class SuiteReport : public E2eTest {
protected:
    fs::path suite_db() const { return dir_ / "vm.db"; }

    void record_suite(const fs::path& suite = samples_source_dir() / "suite" / "vm_suite.json") {
        ProcessOptions options;
        options.timeout = std::chrono::seconds(300);
        ProcessResult r =
            run_process({allocprof_binary().string(), "suite", suite.string(), "-o", suite_db().string()}, options);
        ASSERT_TRUE(r.exited_with(0)) << r.describe() << "\n" << r.out;
        EXPECT_NE(r.out.find("next: allocprof report " + suite_db().string() + " (the suite document"), std::string::npos)
            << r.out;
    }
    ProcessResult report(const std::vector<std::string>& options) {
        std::vector<std::string> argv = {allocprof_binary().string(), "report", suite_db().string()};
        argv.insert(argv.end(), options.begin(), options.end());
        return run_process(argv);
    }
    json report_json() {
        ProcessResult r = report({"--format", "json"});
        EXPECT_TRUE(r.exited_with(0)) << r.describe();
        return json::parse(r.out);
    }
};

// The inventory entry of `function` (its site key's function part); null when absent.
const json* site_named(const json& doc, const std::string& function) {
    for (const json& s : doc.at("sites"))
        if (s.at("function") == function) return &s;
    return nullptr;
}

const json& in_scenario(const json& site, const std::string& scenario) {
    for (const json& s : site.at("scenarios"))
        if (s.at("scenario") == scenario) return s;
    throw std::runtime_error("no scenario " + scenario + " in " + site.dump());
}

std::vector<std::string> functions_of(const json& list) {
    std::vector<std::string> out;
    for (const json& f : list) out.push_back(f.at("function").get<std::string>() + "@" + f.at("only_scenario").get<std::string>());
    return out;
}

TEST_F(SuiteReport, OneDocumentOneRowPerScenarioEachSiteOnceOnePlan) {
    ASSERT_NO_FATAL_FAILURE(record_suite());
    const json doc = report_json();
    EXPECT_EQ(doc.at("format"), "allocprof-suite-report");
    EXPECT_EQ(doc.at("format_version"), 1);

    // The baseline: the measured phase of each scenario, exactly.
    ASSERT_EQ(doc.at("baseline").size(), 2u);
    const json& numbers = doc["baseline"][0];
    const json& strings = doc["baseline"][1];
    EXPECT_EQ(numbers.at("name"), "Numbers");
    EXPECT_EQ(strings.at("name"), "Strings");
    for (const json* b : {&numbers, &strings}) {
        EXPECT_EQ(b->at("window"), "phase `measure`");
        EXPECT_EQ(b->at("ops").get<double>(), 500.0);
        EXPECT_EQ(b->at("allocations").get<double>(), 1000.0);
        EXPECT_EQ(b->at("allocs_per_op").get<double>(), 2.0);
    }
    EXPECT_EQ(numbers.at("bytes_per_op").get<double>(), 40.0);
    EXPECT_EQ(strings.at("bytes_per_op").get<double>(), 56.0);

    // Each site once, with its figures in each scenario's window.
    std::set<std::string> keys;
    for (const json& s : doc.at("sites")) EXPECT_TRUE(keys.insert(s.at("site_key").get<std::string>()).second) << s.dump();
    const json* box = site_named(doc, "box_number");
    const json* name = site_named(doc, "build_name");
    const json* shared = site_named(doc, "shared_step");
    const json* startup = site_named(doc, "reserve_stack");
    ASSERT_TRUE(box && name && shared && startup) << doc.at("sites").dump(1);
    EXPECT_EQ(in_scenario(*box, "Numbers").at("allocs_per_op").get<double>(), 1.0);
    EXPECT_EQ(in_scenario(*box, "Strings").at("reached"), false);
    EXPECT_EQ(in_scenario(*name, "Strings").at("allocs_per_op").get<double>(), 1.0);
    EXPECT_EQ(in_scenario(*name, "Numbers").at("reached"), false);
    for (const char* sc : {"Numbers", "Strings"}) {
        EXPECT_EQ(in_scenario(*shared, sc).at("allocs_per_op").get<double>(), 1.0) << sc;
        EXPECT_EQ(in_scenario(*shared, sc).at("bytes_per_op").get<double>(), 24.0) << sc;
        // Half of each scenario's allocations, so half of the suite's on average.
        EXPECT_EQ(in_scenario(*shared, sc).at("allocs_share").get<double>(), 0.5) << sc;
    }
    EXPECT_EQ(shared->at("allocs_share").get<double>(), 0.5);
    EXPECT_EQ(box->at("allocs_share").get<double>(), 0.25) << "half of one scenario of two";
    EXPECT_EQ(shared->at("tier"), "critical");

    // The start-up site allocates before the measured phase only: not in the tiers, nor the
    // plan, although each scenario's whole-run analysis ranks and plans it.
    EXPECT_EQ(startup->at("tier"), "unmeasured");
    EXPECT_EQ(in_scenario(*startup, "Numbers").at("reached"), false);
    RunDatabase d(suite_db());
    EXPECT_GT(d.scalar("SELECT count(*) FROM plan_items p JOIN sites s USING (run_id, site_id)"
                       " WHERE s.function = 'reserve_stack'"),
              0)
        << "the per-run plans have an item for it (the suite leaves it out)";
    std::set<std::string> targets;
    for (const json& p : doc.at("plan")) {
        EXPECT_TRUE(targets.insert(p.at("site_key").get<std::string>()).second) << "a target twice: " << p.dump();
        EXPECT_NE(p.at("site_key"), startup->at("site_key"));
    }
    EXPECT_EQ(targets.size(), 3u);
    EXPECT_EQ(doc.at("plan_left_out"), 1);
    EXPECT_EQ(doc.at("plan")[0].at("site_key"), shared->at("site_key")) << "the largest saving first";

    // Coverage, from the sources the DWARF names.
    EXPECT_EQ(doc.at("coverage").at("from_sources"), true);
    EXPECT_EQ(functions_of(doc.at("coverage").at("not_reached")), std::vector<std::string>{"never_run@"});
    EXPECT_EQ(functions_of(doc.at("coverage").at("reached_by_one_scenario")),
              (std::vector<std::string>{"box_number@Numbers", "build_name@Strings"}));
}

TEST_F(SuiteReport, MarkdownHtmlAndJsonAreStableAndOneRunIsStillReportable) {
    ASSERT_NO_FATAL_FAILURE(record_suite());
    for (const char* format : {"md", "html", "json"}) {
        ProcessResult first = report({"--format", format});
        ProcessResult second = report({"--format", format});
        ASSERT_TRUE(first.exited_with(0)) << first.describe();
        EXPECT_EQ(first.out, second.out) << format << " differs between two renders";
    }
    const std::string md = report({}).out;
    for (const char* heading :
         {"# Suite allocation report: vm.db", "## Summary", "## Baseline per scenario", "## Site inventory across the suite",
          "### Critical (3 sites)", "### Low (0 sites)", "## Priority remediation plan", "### Phase 4: the rest",
          "## Missing benchmark coverage", "### Not reached by any scenario", "### Reached by one scenario only",
          "## Existing allocation infrastructure", "## Next steps"})
        EXPECT_NE(md.find(std::string(heading) + "\n"), std::string::npos) << heading << "\n" << md;
    EXPECT_NE(md.find("| Numbers (phase `measure`) | 500 | 40 B/op | 2.00/op |"), std::string::npos) << md;
    EXPECT_NE(md.find("- Outside the measured windows: 1 site allocates only before"), std::string::npos) << md;
    EXPECT_EQ(md.find("reserve_stack"), std::string::npos) << "the start-up site is named nowhere in the document\n" << md;

    const std::string html = report({"--format", "html"}).out;
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find("<h2>Missing benchmark coverage</h2>"), std::string::npos);
    EXPECT_EQ(html.find("**"), std::string::npos) << "markdown emphasis left in the page";
    for (const char* banned : {"<link", " src=", "url(", "@import", "http://", "https://"})
        EXPECT_EQ(html.find(banned), std::string::npos) << "the page refers to something outside it: " << banned;
    // Opened as a user would: the browser parses it into the same sections and tables.
    if (const auto browser = chromium()) {
        const fs::path page = dir_ / "suite.html";
        std::ofstream(page) << html;
        ProcessResult dom = chromium_dom(*browser, page, dir_ / "chromium-profile");
        ASSERT_TRUE(dom.exited_with(0)) << dom.describe();
        EXPECT_NE(dom.out.find("<h2>Site inventory across the suite</h2>"), std::string::npos) << dom.err;
        EXPECT_NE(dom.out.find("<td><code>never_run</code> (line 57)</td>"), std::string::npos) << dom.out;
        size_t tables = 0;
        for (size_t at = 0; (at = dom.out.find("<table>", at)) != std::string::npos; ++at) ++tables;
        EXPECT_EQ(tables, 5u) << "baseline, critical sites, phase 2 of the plan, the two coverage tables";
    }

    // One run: --scenario picks its last run, --run any; both at once, or a scenario the
    // file does not hold, exit 2.
    ProcessResult one = report({"--scenario", "Strings"});
    ASSERT_TRUE(one.exited_with(0)) << one.describe();
    EXPECT_EQ(one.out.rfind("# Allocation report: Strings\n", 0), 0u) << one.out.substr(0, 200);
    ProcessResult by_id = report({"--run", "1"});
    ASSERT_TRUE(by_id.exited_with(0)) << by_id.describe();
    EXPECT_EQ(by_id.out.rfind("# Allocation report: Numbers\n", 0), 0u) << by_id.out.substr(0, 200);
    ProcessResult both = report({"--scenario", "Strings", "--run", "1"});
    EXPECT_TRUE(both.exited_with(2)) << both.describe();
    // A run without an analysis is analysed first, and stderr says so line by line.
    execute_sql_file(suite_db(), "DELETE FROM analysis WHERE run_id = 2");
    ProcessResult again = report({});
    ASSERT_TRUE(again.exited_with(0)) << again.describe();
    EXPECT_NE(again.err.find("run 2 has no analysis; analysing it first"), std::string::npos) << again.err;
    EXPECT_NE(again.err.find("\nallocprof: run 2: 2 allocs/op"), std::string::npos) << again.err;
    EXPECT_EQ(again.out.rfind("# Suite allocation report: vm.db\n", 0), 0u);

    ProcessResult unknown = report({"--scenario", "Nope"});
    EXPECT_TRUE(unknown.exited_with(2)) << unknown.describe();
    EXPECT_NE(unknown.err.find("holds no scenario 'Nope' (scenarios: Numbers, Strings)"), std::string::npos)
        << unknown.err;
}

// Each site once and each plan target once, in any suite document.
void expect_each_site_and_target_once(const json& doc) {
    std::set<std::string> keys, targets;
    for (const json& site : doc.at("sites"))
        EXPECT_TRUE(keys.insert(site.at("site_key").get<std::string>()).second) << "a site twice: " << site.dump();
    for (const json& p : doc.at("plan"))
        EXPECT_TRUE(targets.insert(p.at("site_key").get<std::string>()).second) << "a target twice: " << p.dump();
}

// The repo's own suite (samples/suite/suite.json): the interpreter scenario measures the
// whole run minus its "compile" phase, so its AST nodes (131, made and freed in "compile")
// are outside the window and the tiers, and its row counts exactly the rest: 182 per op,
// the one snapshot, the 12 constants and libstdc++'s pool (samples/interp/interp.cpp).
TEST_F(SuiteReport, TheReposSuiteMeasuresTheInterpreterWithoutItsCompilePhase) {
    if (!find_on_path("lua5.4")) GTEST_SKIP() << "lua5.4 is not on PATH (the suite's lua-tables scenario)";
    ASSERT_NO_FATAL_FAILURE(record_suite(samples_source_dir() / "suite" / "suite.json"));
    const json doc = report_json();
    expect_each_site_and_target_once(doc);
    std::vector<std::string> names;
    for (const json& b : doc.at("baseline")) names.push_back(b.at("name"));
    EXPECT_EQ(names, (std::vector<std::string>{"hot-loop", "interpreter", "markers", "lua-tables"}));
    const json& interp = doc["baseline"][1];
    EXPECT_EQ(interp.at("window"), "whole run minus phase `compile`");
    EXPECT_EQ(interp.at("ops").get<double>(), 2000.0);
    EXPECT_EQ(interp.at("allocations").get<double>(), 182.0 * 2000 + 1 + 12 + 1);
    const json* ast = nullptr;
    for (const json& site : doc.at("sites"))
        if (site.at("function").get<std::string>().find("::new_ast_node(") != std::string::npos) ast = &site;
    ASSERT_NE(ast, nullptr) << "no new_ast_node site";
    EXPECT_EQ(ast->at("tier"), "unmeasured");
    // hot-loop measures its "execute" phase: one 48 B key per op, nothing else.
    EXPECT_EQ(doc["baseline"][0].at("allocs_per_op").get<double>(), 1.0);
    EXPECT_EQ(doc["baseline"][0].at("bytes_per_op").get<double>(), 48.0);
}

// The Python suite (samples/python/suite.json, six scenarios of /usr/bin/python3): one
// document, the measured phase's 2000 ops in every row, CPython's start-up (importing site
// and the standard modules) in the runtime line, the imports before the measured phase
// outside the tiers.
TEST_F(SuiteReport, ThePythonSuiteIsOneDocument) {
    if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 is not installed";
    ASSERT_NO_FATAL_FAILURE(record_suite(samples_source_dir() / "python" / "suite.json"));
    const json doc = report_json();
    expect_each_site_and_target_once(doc);
    ASSERT_EQ(doc.at("baseline").size(), 6u);
    for (const json& b : doc.at("baseline")) {
        EXPECT_EQ(b.at("window"), "phase `execute`") << b.at("name");
        EXPECT_EQ(b.at("ops").get<double>(), 2000.0) << b.at("name");
    }
    int startup = 0, unmeasured = 0;
    for (const json& site : doc.at("sites")) {
        if (site.at("function") == "Py_InitializeFromConfig") {
            ++startup;
            EXPECT_EQ(site.at("tier"), "runtime");
        }
        unmeasured += site.at("tier") == "unmeasured";
    }
    EXPECT_GT(startup, 0);
    EXPECT_GT(unmeasured, 0) << "the scripts' imports allocate before the measured phase";
    ASSERT_EQ(doc.at("runtime").at("startup_modules").size(), 1u);
    EXPECT_EQ(doc.at("runtime").at("startup_modules")[0].get<std::string>().rfind("python3", 0), 0u);
}

// The suite file's "source" names the tree to analyse: every file of the
// compile_commands.json under the root is in the inventory (hot_loop.c too, which neither
// scenario runs), instead of the program's own compilation unit. A key it does not know is
// refused before anything is recorded.
TEST_F(SuiteReport, TheSuiteFileCanNameTheSources) {
    json suite = json::parse(std::ifstream(samples_source_dir() / "suite" / "vm_suite.json"));
    suite["source"] = {{"root", (samples_source_dir() / "suite").string()},
                       {"compile_commands", ALLOCPROF_TEST_COMPILE_COMMANDS}};
    const fs::path file = dir_ / "vm_suite.json";
    std::ofstream(file) << suite.dump();
    ASSERT_NO_FATAL_FAILURE(record_suite(file));
    RunDatabase d(suite_db());
    EXPECT_EQ(d.scalar("SELECT count(*) FROM source_analysis WHERE compile_commands IS NOT NULL"), 2);
    EXPECT_EQ(d.scalar("SELECT min(translation_units) FROM source_analysis"), 2) << "hot_loop.c and scenario_vm.c";
    const json doc = report_json();
    std::set<std::string> not_reached;
    for (const json& f : doc.at("coverage").at("not_reached")) not_reached.insert(f.at("function"));
    EXPECT_TRUE(not_reached.count("never_run"));
    EXPECT_TRUE(not_reached.count("make_key")) << "hot_loop.c's functions are in the tree, and no scenario runs them";

    suite["source"]["cache"] = "/tmp";
    std::ofstream(file, std::ios::trunc) << suite.dump();
    ProcessResult bad = run_process({allocprof_binary().string(), "suite", file.string(), "-o", (dir_ / "bad.db").string()});
    EXPECT_TRUE(bad.exited_with(2)) << bad.describe();
    EXPECT_NE(bad.err.find("source: unknown key 'cache' (known: root, compile_commands)"), std::string::npos) << bad.err;
    EXPECT_FALSE(fs::exists(dir_ / "bad.db"));
}

}  // namespace
}  // namespace allocprof::e2e
