// suppressions_test.cpp — the user's suppressions file: its parsing, which sites its rules
// match and which they must not, and what a suppressed site becomes in the analysis.
#include "analyzers/suppressions.h"

#include <gtest/gtest.h>

#include "analyzers/run_analyzer.h"
#include "event_builder.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;

TEST(Suppressions, RulesAreParsedWithTheirFileAndLine) {
    const auto rules = parse_suppressions("# third-party\n\nfunction: zlib::*\n  module:libfoo.so*  \n", "s.txt");
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].key, "function");
    EXPECT_EQ(rules[0].pattern, "zlib::*");
    EXPECT_EQ(rules[0].origin, "s.txt:3");
    EXPECT_EQ(rules[1].key, "module");
    EXPECT_EQ(rules[1].pattern, "libfoo.so*");
    EXPECT_EQ(rules[1].origin, "s.txt:4");
    EXPECT_TRUE(parse_suppressions("", "empty").empty());
}

TEST(Suppressions, AWrongLineIsAnErrorNamingFileAndLine) {
    for (const char* text : {"function:a\nleak:b\n", "function:a\nno colon\n", "function:a\nmodule:\n"}) {
        try {
            parse_suppressions(text, "s.txt");
            ADD_FAILURE() << "accepted: " << text;
        } catch (const SuppressionsError& e) {
            EXPECT_EQ(std::string(e.what()).rfind("s.txt:2: ", 0), 0u) << e.what();
        }
    }
    EXPECT_THROW(read_suppressions("/nonexistent/suppressions.txt"), SuppressionsError);
}

TEST(Suppressions, RulesMatchTheirKeyOnly) {
    const auto rules = parse_suppressions("function:Cache::*\nmodule:libthird.so*\n", "s");
    EXPECT_EQ(matching_rule(rules, "/usr/lib/libthird.so.1", "anything"), "s:2 (module:libthird.so*)");
    EXPECT_EQ(matching_rule(rules, "prog", "Cache::insert(int)"), "s:1 (function:Cache::*)");
    // Must not match: another function, a module pattern against a function, a prefix only.
    EXPECT_EQ(matching_rule(rules, "prog", "MyCache::insert(int)"), "");
    EXPECT_EQ(matching_rule(rules, "prog", "libthird.so"), "");
    EXPECT_EQ(matching_rule(rules, "libthirdparty", "f"), "");
    EXPECT_EQ(matching_rule(rules, "", ""), "");
}

TEST(Suppressions, ASuppressedSiteIsRankedApartWithoutAnItemOrUnfreedBytes) {
    // Site 0 leaks 10 blocks of 100 B; site 1 makes and frees 10 blocks per op. Suppressing
    // site 0 leaves it out of the tiers, the plan and the run's unfreed totals.
    EventBuilder b;
    for (int op = 0; op < 10; ++op) {
        b.alloc(0, 100);
        b.free(b.alloc(1, 32));
        b.ops();
    }
    AnalysisInput plain{SiteMap::identity(2), std::nullopt, {}};
    RunAnalysis before = analyze_run(replay_vector(b.events), plain, AnalysisParams{});
    EXPECT_EQ(before.metrics.run.unfreed_bytes, 1000u);
    bool planned = false;
    for (const PlanItem& item : before.plan.items) planned = planned || item.site == 0;
    EXPECT_TRUE(planned) << "the growing site has an item when not suppressed";

    AnalysisInput input = plain;
    input.suppressed = {"s:1 (function:grow)", ""};
    RunAnalysis a = analyze_run(replay_vector(b.events), input, AnalysisParams{});
    EXPECT_EQ(a.metrics.run.unfreed_bytes, 0u);
    EXPECT_EQ(a.metrics.run.unfreed_blocks, 0u);
    ASSERT_EQ(a.ranks.size(), 2u);
    EXPECT_EQ(a.ranks[0].site, 1u) << "the program's other sites first";
    EXPECT_EQ(a.ranks[1].tier, Tier::Suppressed);
    EXPECT_EQ(a.ranks[1].rule.rfind("suppressed by s:1 (function:grow): ", 0), 0u) << a.ranks[1].rule;
    for (const PlanItem& item : a.plan.items) EXPECT_NE(item.site, 0u);
}

}  // namespace
}  // namespace allocprof::analyzers
