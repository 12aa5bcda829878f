// analyze_test.cpp — `allocprof analyze` end to end on the markers sample (samples/c/markers.c,
// whose phases, ops and allocations are known), and its failure modes: a run recorded
// without events, a bad config, a run that was never symbolized.
#include <fstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class Analyze : public E2eTest {
protected:
    ProcessResult analyze(const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = {allocprof_binary().string(), "analyze", db().string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_process(argv);
    }
    // Every row of the analysis tables, as text, for comparing two analyses.
    std::string tables() {
        RunDatabase d(db());
        std::string all;
        for (const char* q : {"SELECT * FROM analysis_windows ORDER BY window",
                              "SELECT * FROM analysis_sites ORDER BY site_id",
                              "SELECT * FROM plan_items ORDER BY item_index"}) {
            for (const auto& row : d.query(q)) {
                for (size_t i = 0; i < row.size(); ++i) all += (row.is_null(i) ? "NULL" : row.text(i)) + "|";
                all += "\n";
            }
        }
        return all;
    }
};

TEST_F(Analyze, PhasesOpsAndPerOpRatesFollowTheSamplesDesign) {
    auto rec = record_to_db({sample_binary("markers").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    auto result = analyze();
    ASSERT_TRUE(result.exited_with(0)) << result.describe();
    EXPECT_NE(result.out.find("run 1:"), std::string::npos) << result.out;

    RunDatabase d(db());
    // markers.c: ops 105 in all, 306 allocations, 23,700 bytes; "work": 100 ops, 300
    // allocations of 32 + 64 + 128 bytes; "batch": 3 ops, 3 x 256 bytes.
    EXPECT_EQ(d.scalar("SELECT ops FROM analysis_windows WHERE window = ''"), 105);
    EXPECT_EQ(d.scalar("SELECT allocations FROM analysis_windows WHERE window = ''"), 306);
    EXPECT_EQ(d.scalar("SELECT bytes_allocated FROM analysis_windows WHERE window = ''"), 23700);
    EXPECT_EQ(d.scalar("SELECT ops FROM analysis_windows WHERE window = 'work'"), 100);
    EXPECT_EQ(d.scalar("SELECT CAST(allocs_per_op * 1000 AS INTEGER) FROM analysis_windows WHERE window = 'work'"), 3000);
    EXPECT_EQ(d.scalar("SELECT CAST(bytes_per_op AS INTEGER) FROM analysis_windows WHERE window = 'work'"), 224);
    EXPECT_EQ(d.scalar("SELECT CAST(bytes_per_op AS INTEGER) FROM analysis_windows WHERE window = 'batch'"), 256);
    EXPECT_EQ(d.scalar("SELECT unfreed_blocks FROM analysis_windows WHERE window = ''"), 0);
    // Every site is ranked and carries its rule; the plan names sites that exist.
    EXPECT_EQ(d.scalar("SELECT count(*) FROM analysis_sites WHERE rule = ''"), 0);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM analysis_sites"), d.scalar("SELECT count(*) FROM sites"));
    EXPECT_GT(d.scalar("SELECT count(*) FROM plan_items"), 0);
    EXPECT_EQ(d.scalar("SELECT count(*) FROM plan_items p LEFT JOIN sites s USING (run_id, site_id) "
                       "WHERE s.function IS NULL"), 0);
    // The parameters are stored with the results: the defaults here.
    auto params = json::parse(d.query("SELECT params FROM analysis")[0].text(0));
    EXPECT_EQ(params["gen0_budget"], json(8u << 20));
    EXPECT_EQ(params["large_object_threshold"], json(85000));
}

TEST_F(Analyze, SameRunTwiceGivesIdenticalResultsAndOtherParametersRecompute) {
    auto rec = record_to_db({sample_binary("word_index").string(), "30"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    ASSERT_TRUE(analyze().exited_with(0));
    const std::string first = tables();
    ASSERT_TRUE(analyze().exited_with(0));
    EXPECT_EQ(tables(), first) << "analysing the same run twice must give identical tables";

    // A 4 KiB nursery: the same events, many more simulated collections.
    auto small = analyze({"--gen0-budget", "4096"});
    ASSERT_TRUE(small.exited_with(0)) << small.describe();
    RunDatabase d(db());
    EXPECT_GT(d.scalar("SELECT collections FROM analysis_windows WHERE window = ''"), 0);
    EXPECT_NE(tables(), first);
    auto params = json::parse(d.query("SELECT params FROM analysis")[0].text(0));
    EXPECT_EQ(params["gen0_budget"], json(4096));
    EXPECT_EQ(params["gen0_budget_rule"], json("command line"));
}

TEST_F(Analyze, RunWithoutEventsIsRefusedWithTheReason) {
    auto rec = record_to_db({sample_binary("markers").string()}, {"--no-events"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    auto result = analyze();
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_NE(result.err.find("--no-events"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(db().string()), std::string::npos) << result.err;
}

TEST_F(Analyze, BadConfigIsRefusedNamingTheFileAndKey) {
    auto rec = record_to_db({sample_binary("markers").string()});
    ASSERT_TRUE(rec.process.exited_with(0));
    const auto config = dir_ / "allocprof.json";
    for (const std::string& text : {std::string("{\"analysis\": {\"tiers\": {\"hihg\": 0.8}}}"),
                                    std::string("{\"analysys\": {}}"), std::string("not json")}) {
        std::ofstream(config) << text;
        auto result = analyze({"--config", config.string()});
        EXPECT_EQ(result.exit_code, 2) << text << ": " << result.describe();
        EXPECT_NE(result.err.find(config.string()), std::string::npos) << result.err;
    }
    std::ofstream(config) << "{\"analysis\": {\"gen0_budget\": 65536}, \"sites\": {\"presets\": []}}";
    auto good = analyze({"--config", config.string()});
    EXPECT_TRUE(good.exited_with(0)) << good.describe();
}

TEST_F(Analyze, UnsymbolizedRunIsSymbolizedFirst) {
    auto rec = record_to_db({sample_binary("markers").string()}, {"--no-symbolize"});
    ASSERT_TRUE(rec.process.exited_with(0));
    auto result = analyze();
    ASSERT_TRUE(result.exited_with(0)) << result.describe();
    EXPECT_NE(result.err.find("symbolizing it first"), std::string::npos) << result.err;
    RunDatabase d(db());
    EXPECT_GT(d.scalar("SELECT count(*) FROM analysis_sites"), 0);
}

}  // namespace
}  // namespace allocprof::e2e
