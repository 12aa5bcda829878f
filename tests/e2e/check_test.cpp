// check_test.cpp — `allocprof check RUN.db --budget FILE`: budgets without a baseline, on
// samples/suite/hot_loop.c (exactly one malloc(48) per op in its "execute" phase). Exit 0
// when met, 1 when exceeded (the message names the scenario, window, metric, value, limit
// and the site that makes it), 2 for a bad budget file or none at all; a budget that needs
// a baseline is reported and not checked.
#include <fstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

class Check : public E2eTest {
protected:
    void record_hot_loop() {
        Recording rec = record_to_db({sample_binary("hot_loop").string(), "1000"}, {"--scenario", "hot"});
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    }
    fs::path budget(const json& budgets) {
        const fs::path path = dir_ / "budget.json";
        std::ofstream(path, std::ios::trunc) << json{{"budgets", budgets}}.dump();
        return path;
    }
    ProcessResult check(const std::vector<std::string>& extra) {
        std::vector<std::string> argv = {allocprof_binary().string(), "check", db().string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_process(argv);
    }
};

TEST_F(Check, ExitCodesBothWaysAndTheSiteThatMakesTheValue) {
    ASSERT_NO_FATAL_FAILURE(record_hot_loop());
    const json within = {{"scenario", "hot"}, {"phase", "execute"}, {"metric", "allocs_per_op"}, {"max", 1}};
    ProcessResult met = check({"--budget", budget({within, {{"no_new_critical_sites", true}}}).string()});
    EXPECT_TRUE(met.exited_with(0)) << met.describe();
    EXPECT_NE(met.out.find("✅ every budget met (2 checked)"), std::string::npos) << met.out;
    EXPECT_NE(met.out.find("scenario hot, phase execute: allocs_per_op = 1 <= max 1"), std::string::npos) << met.out;
    EXPECT_NE(met.out.find("not checked: it needs a baseline"), std::string::npos) << met.out;

    const json over = {{"scenario", "hot"}, {"phase", "execute"}, {"metric", "bytes_per_op"}, {"max", 40}};
    ProcessResult exceeded = check({"--budget", budget({within, over}).string(), "--format", "json"});
    EXPECT_TRUE(exceeded.exited_with(1)) << exceeded.describe();
    const json out = json::parse(exceeded.out);
    EXPECT_EQ(out.at("format"), "allocprof-check");
    EXPECT_EQ(out.at("failed"), 1);
    ASSERT_EQ(out.at("budgets").size(), 2u);
    EXPECT_EQ(out["budgets"][0].at("ok"), true);
    EXPECT_EQ(out["budgets"][1].at("ok"), false);
    const std::string message = out["budgets"][1].at("message");
    EXPECT_NE(message.find("scenario hot, phase execute: bytes_per_op = 48 B > max 40 B — most from make_key ("),
              std::string::npos)
        << message;
    EXPECT_NE(exceeded.err.find("budget exceeded"), std::string::npos) << exceeded.err;
}

TEST_F(Check, ABadBudgetFileOrNoneIsBadInput) {
    ASSERT_NO_FATAL_FAILURE(record_hot_loop());
    ProcessResult bad = check({"--budget", budget({{{"metric", "allocs_per_opp"}, {"max", 1}}}).string()});
    EXPECT_TRUE(bad.exited_with(2)) << bad.describe();
    EXPECT_NE(bad.err.find("budget.json"), std::string::npos) << bad.err;
    ProcessResult none = check({});
    EXPECT_TRUE(none.exited_with(2)) << none.describe();
    EXPECT_NE(none.err.find("no budget to check"), std::string::npos) << none.err;
    ProcessResult missing = run_process({allocprof_binary().string(), "check", (dir_ / "nope.db").string(), "--budget",
                                         budget({{{"metric", "allocs_per_op"}, {"max", 1}}}).string()});
    EXPECT_TRUE(missing.exited_with(2)) << missing.describe();
    EXPECT_FALSE(fs::exists(dir_ / "nope.db")) << "check creates no database";
}

}  // namespace
}  // namespace allocprof::e2e
