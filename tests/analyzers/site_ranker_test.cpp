// Tiers: the 50/80/95 % bands at their exact boundaries, the single-site 20 % rule,
// impact as the largest share, promotions, and the rule text.
#include <gtest/gtest.h>

#include "analyzers/site_ranker.h"

namespace allocprof::analyzers {
namespace {

// Sites whose allocations, bytes and nursery bytes are all proportional to `weights`.
RunMetrics metrics_with(const std::vector<uint64_t>& weights, uint64_t ops = 100) {
    RunMetrics m;
    m.run.ops = ops;
    for (uint32_t i = 0; i < weights.size(); ++i) {
        SiteMetrics s;
        s.site = i;
        s.allocations = weights[i];
        s.bytes_allocated = weights[i] * 10;
        s.nursery_bytes = weights[i] * 10;
        s.allocs_per_op = static_cast<double>(weights[i]) / static_cast<double>(ops);
        s.chains.chains = 0;
        m.sites.push_back(s);
    }
    return m;
}

const SiteRank& rank_of(const std::vector<SiteRank>& ranks, uint32_t site) {
    for (const auto& r : ranks)
        if (r.site == site) return r;
    throw std::runtime_error("no such site");
}

TEST(SiteRanker, BandsAtTheirExactBoundaries) {
    // Impacts 50, 19, 16, 10, 5 %. Cumulative before each: 0, 50, 69, 85, 95.
    // A: critical (alone reaches exactly 50 %). B: the 50 % is already reached and 19 % <
    // 20 %: high. C: 69 < 80: high. D: 85 < 95: medium. E: 95 % already reached: low.
    auto ranks = rank_sites(metrics_with({50, 19, 16, 10, 5}), AnalysisParams{});
    ASSERT_EQ(ranks.size(), 5u);
    EXPECT_EQ(ranks[0].tier, Tier::Critical);
    EXPECT_EQ(ranks[1].tier, Tier::High);
    EXPECT_EQ(ranks[2].tier, Tier::High);
    EXPECT_EQ(ranks[3].tier, Tier::Medium);
    EXPECT_EQ(ranks[4].tier, Tier::Low);
    EXPECT_EQ(ranks[0].rule, "critical: 50 % of allocations/op; alone reaches 50 % of cumulative impact");
    EXPECT_EQ(ranks[1].rule, "high: 19 % of allocations/op; with 1 larger site, cumulative impact 69 %, still under 80 %");
    EXPECT_EQ(ranks[2].rule, "high: 16 % of allocations/op; together with 2 larger sites reaches 80 % of cumulative impact");
    EXPECT_EQ(ranks[4].rule, "low: 5.0 % of allocations/op; the 4 larger sites already reach 95 % of cumulative impact");
}

// The runtime's own sites (libstdc++'s emergency pool, libc's stdio buffer) are ranked
// after the program's, in tier "runtime", and the program's tiers are computed without
// them: B alone is then 100 % of the program's impact.
TEST(SiteRanker, RuntimeSitesAreOutsideTheTiers) {
    RunMetrics m = metrics_with({60, 40});
    m.sites[0].runtime_module = "libstdc++.so.6";
    auto ranks = rank_sites(m, AnalysisParams{});
    ASSERT_EQ(ranks.size(), 2u);
    EXPECT_EQ(ranks[0].site, 1u);
    EXPECT_EQ(ranks[0].tier, Tier::Critical);
    EXPECT_EQ(ranks[0].position, 1u);
    EXPECT_DOUBLE_EQ(ranks[0].cumulative_after, 1.0);
    EXPECT_EQ(ranks[1].site, 0u);
    EXPECT_EQ(ranks[1].tier, Tier::Runtime);
    EXPECT_EQ(ranks[1].position, 2u);
    EXPECT_EQ(ranks[1].rule,
              "runtime: 60 % of allocations/op in libstdc++.so.6's own code, not the program's; counted in the "
              "runtime line, outside the tiers and the plan");
    EXPECT_STREQ(to_string(Tier::Runtime), "runtime");
}

TEST(SiteRanker, ASingleSiteAtTwentyPercentIsCritical) {
    // 40, 35, 25: A critical; B crosses 50 % (75): critical; C comes after 75 % but has 25 % >= 20 %.
    auto ranks = rank_sites(metrics_with({40, 35, 25}), AnalysisParams{});
    EXPECT_EQ(ranks[0].tier, Tier::Critical);
    EXPECT_EQ(ranks[1].tier, Tier::Critical);
    EXPECT_EQ(ranks[1].rule, "critical: 35 % of allocations/op; together with 1 larger site reaches 50 % of cumulative impact");
    EXPECT_EQ(ranks[2].tier, Tier::Critical);
    EXPECT_EQ(ranks[2].rule, "critical: 25 % of allocations/op; a single site at 20 % or more is critical");
}

TEST(SiteRanker, ImpactIsTheLargestShare) {
    // Site 1 makes 1 % of the allocations but 90 % of the bytes: impact 90 % (bytes/op).
    RunMetrics m = metrics_with({99, 1});
    m.sites[0].bytes_allocated = 100;
    m.sites[1].bytes_allocated = 900;
    m.sites[0].nursery_bytes = m.sites[1].nursery_bytes = 0;
    auto ranks = rank_sites(m, AnalysisParams{});
    EXPECT_EQ(ranks[0].site, 0u);  // 99 % of allocations
    EXPECT_DOUBLE_EQ(ranks[0].impact, 0.99);
    EXPECT_EQ(rank_of(ranks, 1).impact_metric, "bytes/op");
    EXPECT_DOUBLE_EQ(rank_of(ranks, 1).impact, 0.9);
    EXPECT_EQ(rank_of(ranks, 1).tier, Tier::Critical);  // >= 20 %
}

TEST(SiteRanker, TiesKeepSiteOrder) {
    auto ranks = rank_sites(metrics_with({10, 10, 10, 10}), AnalysisParams{});
    for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(ranks[i].site, i);
}

TEST(SiteRanker, PromotionsRaiseOneTier) {
    // Weights 50, 19, 16, 10, 3, 2: D (10 %) medium, E and F low.
    RunMetrics m = metrics_with({50, 19, 16, 10, 3, 2});
    // D: an additive realloc chain -> high.
    m.sites[3].chains.chains = 1;
    m.sites[3].chains.additive = 1;
    m.sites[3].chains.has_longest = true;
    m.sites[3].chains.longest.links = 12;
    m.sites[3].chains.longest.inferred_links = 0;
    m.sites[3].chains.longest.pattern = GrowthPattern::Additive;
    m.sites[3].chains.longest.increment = 64;
    m.sites[3].chains.longest.first_size = 64;
    m.sites[3].chains.longest.last_size = 832;
    // E: positive leak slope with unfreed bytes -> medium.
    m.sites[4].leak_slope = 16.0;
    m.sites[4].unfreed_bytes = 1600;
    // F: 100 % temporaries but at 0.02 allocations/op (< 1): not promoted.
    m.sites[5].dies_young = 2;
    // A positive slope without unfreed bytes is not a leak.
    m.sites[2].leak_slope = 3.0;
    auto ranks = rank_sites(m, AnalysisParams{});
    const SiteRank& d = rank_of(ranks, 3);
    EXPECT_EQ(d.base_tier, Tier::Medium);
    EXPECT_EQ(d.tier, Tier::High);
    EXPECT_EQ(d.rule.rfind("high, promoted from medium: additive realloc chain (12 reallocs, +64 B each, 64 -> 832 B)", 0), 0u)
        << d.rule;
    const SiteRank& e = rank_of(ranks, 4);
    EXPECT_EQ(e.base_tier, Tier::Low);
    EXPECT_EQ(e.tier, Tier::Medium);
    EXPECT_EQ(e.rule.rfind("medium, promoted from low: positive leak slope (+16 B/op, 1600 B unfreed at exit)", 0), 0u)
        << e.rule;
    EXPECT_EQ(rank_of(ranks, 5).tier, Tier::Low);
    EXPECT_EQ(rank_of(ranks, 2).tier, Tier::High);
    EXPECT_TRUE(rank_of(ranks, 2).promotions.empty());

    // The same temporaries at 1 allocation/op promote.
    m.sites[5].allocs_per_op = 1.0;
    ranks = rank_sites(m, AnalysisParams{});
    EXPECT_EQ(rank_of(ranks, 5).tier, Tier::Medium);
    EXPECT_EQ(rank_of(ranks, 5).promotions.at(0), "100 % temporaries (die young) at 1 allocations/op");
}

TEST(SiteRanker, SitesWithoutAllocationsAreLow) {
    auto ranks = rank_sites(metrics_with({10, 0}), AnalysisParams{});
    EXPECT_EQ(rank_of(ranks, 1).tier, Tier::Low);
    EXPECT_EQ(rank_of(ranks, 1).rule, "low: no allocations in this run");
}

}  // namespace
}  // namespace allocprof::analyzers
