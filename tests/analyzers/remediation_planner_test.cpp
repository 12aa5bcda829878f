// The planner: which kind each pattern triggers, its risk and phase, tier sizes, and the
// expected saving computed by taking the site out of the simulation.
#include <gtest/gtest.h>

#include <algorithm>

#include "event_builder.h"
#include "analyzers/remediation_planner.h"
#include "analyzers/run_analyzer.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;
using test::small_params;

bool has(const std::vector<RemediationKind>& kinds, RemediationKind k) {
    return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

SiteMetrics site(uint64_t allocations, double allocs_per_op) {
    SiteMetrics s;
    s.allocations = allocations;
    s.frees = allocations;
    s.allocs_per_op = allocs_per_op;
    s.few_sizes = 1;
    s.top_sizes = {{32, allocations}};
    return s;
}

TEST(RemediationPlanner, KindsFromTheirEvidence) {
    AnalysisParams p;
    WindowMetrics run;
    run.peak_live_bytes = 1000;
    run.ops = 100;

    SiteMetrics chains = site(10, 0.1);
    chains.chains.chains = 2;
    EXPECT_EQ(triggered_kinds(chains, run, true, p), std::vector<RemediationKind>{RemediationKind::Reserve});

    SiteMetrics boxes = site(1000, 10);  // short-lived, one size, many per op
    boxes.dies_young = 990;
    EXPECT_EQ(triggered_kinds(boxes, run, true, p), std::vector<RemediationKind>{RemediationKind::Pool});

    SiteMetrics buffer = site(100, 1);  // one per op, freed inside it
    buffer.freed_within_op = 100;
    buffer.dies_young = 100;
    EXPECT_EQ(triggered_kinds(buffer, run, true, p), std::vector<RemediationKind>{RemediationKind::Hoist});
    // Without Ops events "inside one op" cannot be told: the same site is then a pool.
    EXPECT_FALSE(has(triggered_kinds(buffer, run, false, p), RemediationKind::Hoist));

    SiteMetrics frames = site(500, 5);  // per-call buffers of many sizes
    frames.few_sizes = 0;
    frames.dies_young = 500;
    frames.sizes = SizeQuantiles{.p50 = 100, .p90 = 600, .p99 = 3000, .max = 5000, .min = 16};
    EXPECT_EQ(triggered_kinds(frames, run, true, p), std::vector<RemediationKind>{RemediationKind::SizeTiers});

    SiteMetrics constants = site(20, 0.2);
    constants.frees = 0;
    constants.lifetime = LifetimeClass::ProcessLifetime;
    EXPECT_EQ(triggered_kinds(constants, run, true, p), std::vector<RemediationKind>{RemediationKind::StaticOrCached});

    SiteMetrics cache = constants;  // process-lifetime but growing: a leak, not a static
    cache.leak_slope = 24.0;
    cache.unfreed_bytes = 2400;
    cache.max_live_bytes = 2400;
    EXPECT_EQ(triggered_kinds(cache, run, true, p), std::vector<RemediationKind>{RemediationKind::FixLeak});
    // A cache that grows every op and is freed only at teardown: still fix the growth,
    // never "make it static".
    SiteMetrics teardown_cache = cache;
    teardown_cache.unfreed_bytes = 0;
    teardown_cache.unfreed_blocks = 0;
    teardown_cache.frees = teardown_cache.allocations;
    EXPECT_EQ(triggered_kinds(teardown_cache, run, true, p), std::vector<RemediationKind>{RemediationKind::FixLeak});
    // A steady table whose live bytes wobble: a small slope over the ops is no growth.
    SiteMetrics steady = constants;
    steady.leak_slope = 1.0;  // 100 B over 100 ops, of a 2,400 B maximum
    steady.max_live_bytes = 2400;
    EXPECT_EQ(triggered_kinds(steady, run, true, p), std::vector<RemediationKind>{RemediationKind::StaticOrCached});
    // Without ops there is no growth per op to speak of.
    WindowMetrics no_ops = run;
    no_ops.ops = 0;
    no_ops.per_run = true;
    EXPECT_FALSE(has(triggered_kinds(cache, no_ops, true, p), RemediationKind::FixLeak));

    // The runtime's own code gets no item, whatever its pattern.
    SiteMetrics pool_of_runtime = constants;
    pool_of_runtime.runtime_module = "libstdc++.so.6";
    EXPECT_TRUE(triggered_kinds(pool_of_runtime, run, true, p).empty());

    SiteMetrics ast = site(300, 3);
    ast.lifetime = LifetimeClass::PhaseScoped;
    EXPECT_EQ(triggered_kinds(ast, run, true, p), std::vector<RemediationKind>{RemediationKind::Arena});

    SiteMetrics big = site(1, 0.01);
    big.live_at_peak_bytes = 250;  // 25 % of the peak
    EXPECT_EQ(triggered_kinds(big, run, true, p), std::vector<RemediationKind>{RemediationKind::ReducePeak});
    big.live_at_peak_bytes = 249;
    EXPECT_TRUE(triggered_kinds(big, run, true, p).empty());

    // Closure and string builder need the source construct; without it, never.
    SiteMetrics lambda = site(10, 0.1);
    EXPECT_TRUE(triggered_kinds(lambda, run, true, p).empty());
    lambda.construct.kind = "std_function";
    EXPECT_EQ(triggered_kinds(lambda, run, true, p), std::vector<RemediationKind>{RemediationKind::Closure});
    lambda.construct.kind = "string_concat";
    EXPECT_EQ(triggered_kinds(lambda, run, true, p), std::vector<RemediationKind>{RemediationKind::StringBuilder});
}

// Evidence rules on the cases where they must not fire.
TEST(RemediationPlanner, RulesThatMustNotFire) {
    AnalysisParams p;
    WindowMetrics run;
    run.peak_live_bytes = 1000;
    run.ops = 100;

    // A compiler token made between ops and freed in a later op: one per op, short-lived,
    // but not freed inside the op that made it: no hoist across ops (a pool fits).
    SiteMetrics token = site(100, 1);
    token.dies_young = 100;
    token.freed_within_op = 0;
    EXPECT_FALSE(has(triggered_kinds(token, run, true, p), RemediationKind::Hoist));
    EXPECT_EQ(triggered_kinds(token, run, true, p), std::vector<RemediationKind>{RemediationKind::Pool});
    token.freed_within_op = 89;  // just under 90 % inside the op
    EXPECT_FALSE(has(triggered_kinds(token, run, true, p), RemediationKind::Hoist));

    // An unordered_set's inserts: nodes, one per element. Whatever growth chains its bucket
    // array shows, reserve would not remove a node allocation: never reserve, a node pool.
    SiteMetrics nodes = site(1000, 10);
    nodes.dies_young = 1000;
    nodes.chains.chains = 3;
    nodes.chains.links = 30;
    nodes.construct.kind = "node_container";
    const auto kinds = triggered_kinds(nodes, run, true, p);
    EXPECT_FALSE(has(kinds, RemediationKind::Reserve));
    EXPECT_TRUE(has(kinds, RemediationKind::Pool));

    // Blocks of one size that grow in number with the ops: never "make it static".
    SiteMetrics interned = site(100, 1);
    interned.frees = 0;
    interned.lifetime = LifetimeClass::ProcessLifetime;
    interned.leak_slope = 32.0;
    interned.max_live_bytes = 3200;
    EXPECT_FALSE(has(triggered_kinds(interned, run, true, p), RemediationKind::StaticOrCached));
    EXPECT_TRUE(has(triggered_kinds(interned, run, true, p), RemediationKind::FixLeak));

    // Many sizes that are the steps of growth chains are not per-call sizes: no size tiers.
    SiteMetrics growth = site(100, 1);
    growth.few_sizes = 0;
    growth.dies_young = 100;
    growth.chains.chains = 10;
    growth.chains.links = 90;
    EXPECT_FALSE(has(triggered_kinds(growth, run, true, p), RemediationKind::SizeTiers));
    EXPECT_TRUE(has(triggered_kinds(growth, run, true, p), RemediationKind::Reserve));

    // A suppressed site gets nothing, whatever its pattern.
    SiteMetrics known = nodes;
    known.suppressed_by = "known.txt:1 (function:*)";
    EXPECT_TRUE(triggered_kinds(known, run, true, p).empty());
}

// Unnamed native code gets one item: how to name it. No reserve, no alternatives, no
// saving; it is listed however small, and ordered by what its site holds.
TEST(RemediationPlanner, UnnamedNativeCodeOnlyGetsANamingItem) {
    RunMetrics m;
    m.run.ops = 100;
    m.ops_from_events = 100;
    m.run.allocs_per_op = 20;
    m.run.bytes_per_op = 2000;
    SiteMetrics allocator = site(1000, 10);  // growth chains: reserve, were it named
    allocator.bytes_allocated = 100'000;
    allocator.bytes_per_op = 1000;
    allocator.few_sizes = 0;
    allocator.chains.chains = 200;
    allocator.chains.links = 800;
    allocator.chains.avoidable_bytes = 60'000;
    allocator.unnamed_hint = "install vm-dbgsym; in script terms, it serves `main (a.lua:3)` (900 allocations)";
    SiteMetrics named = allocator;  // the same pattern with a name: reserve
    named.site = 1;
    named.unnamed_hint.clear();
    m.sites = {allocator, named};
    std::vector<SiteRank> ranks(2);
    for (uint32_t i = 0; i < 2; ++i) {
        ranks[i].site = i;
        ranks[i].position = i + 1;
        ranks[i].tier = Tier::Critical;
    }
    RemediationPlan plan = plan_remediations(m, ranks, AnalysisParams{});
    ASSERT_EQ(plan.items.size(), 2u);
    const PlanItem& naming = plan.items[0];  // the site holds 50 % of allocs/op; reserve saves 40 %
    EXPECT_EQ(naming.site, 0u);
    EXPECT_EQ(naming.kind, RemediationKind::NameCode);
    EXPECT_EQ(naming.change, "name this native code before changing it: " + allocator.unnamed_hint);
    EXPECT_TRUE(naming.alternatives.empty());
    EXPECT_DOUBLE_EQ(naming.saving.allocs_per_op, 0.0);
    EXPECT_EQ(naming.evidence.rfind("unnamed native code; its blocks suggest: reserve", 0), 0u) << naming.evidence;
    EXPECT_EQ(plan.items[1].kind, RemediationKind::Reserve);
    EXPECT_EQ(plan.negligible_items, 0u);
    EXPECT_DOUBLE_EQ(plan.items[1].cumulative.allocs_per_op, 8.0) << "naming adds nothing to the savings";
}

TEST(RemediationPlanner, Risks) {
    EXPECT_EQ(risk_of(RemediationKind::Reserve), Risk::Low);
    EXPECT_EQ(risk_of(RemediationKind::Hoist), Risk::Low);
    EXPECT_EQ(risk_of(RemediationKind::StaticOrCached), Risk::Low);
    EXPECT_EQ(risk_of(RemediationKind::Pool), Risk::Medium);
    EXPECT_EQ(risk_of(RemediationKind::StringBuilder), Risk::Medium);
    EXPECT_EQ(risk_of(RemediationKind::Closure), Risk::Medium);
    EXPECT_EQ(risk_of(RemediationKind::Arena), Risk::High);
    EXPECT_EQ(risk_of(RemediationKind::FixLeak), Risk::High);
    EXPECT_EQ(risk_of(RemediationKind::ReducePeak), Risk::High);
}

TEST(RemediationPlanner, TierSizesArePowersOfTwoAboveTheQuantiles) {
    EXPECT_EQ(tier_sizes(SizeQuantiles{.p50 = 100, .p90 = 600, .p99 = 3000, .max = 5000, .min = 1}),
              (std::vector<uint64_t>{128, 1024, 4096}));
    EXPECT_EQ(tier_sizes(SizeQuantiles{.p50 = 64, .p90 = 64, .p99 = 100, .max = 100, .min = 1}),
              (std::vector<uint64_t>{64, 128}));
}

// Two sites, two ops, B0 = 100. Each op: s0 allocates 60 and frees it, s1 allocates 50
// and frees it, then Ops(1).
//   Nursery: 60 (40 left) | 50 > 40: collection 1 | 60 > 50: collection 2 | 50 > 40:
//   collection 3.  Gen0/1k = 1000 * 3 / 2 = 1500.
//   Without s0: 50, 50 fit exactly: 0 collections -> saving 1500 per 1k ops.
//   Without s1: 60, then 60 > 40: 1 collection -> saving (3 - 1) * 1000 / 2 = 1000.
//   Gen0*: s0 1000 * 120 / (2 * 100) = 600, s1 500.
// Both sites hoist (freed inside the op, 1 per op; low risk), both critical (s0 has 55 %
// of the bytes; s1 50 % of the allocations >= 20 %): phase 2. s0's block alone is the
// peak (60 B): reduce peak, high risk: phase 4.
TEST(RemediationPlanner, ExpectedSavingTakesTheSiteOutOfTheSimulation) {
    EventBuilder b;
    for (int op = 0; op < 2; ++op) {
        b.free(b.alloc(0, 60));
        b.free(b.alloc(1, 50));
        b.ops();
    }
    AnalysisInput input{SiteMap::identity(2), std::nullopt, {}};
    RunAnalysis a = analyze_run(replay_vector(b.events), input, small_params(100));
    EXPECT_EQ(a.metrics.run.collections, 3u);
    EXPECT_DOUBLE_EQ(a.metrics.run.gen0_per_1k, 1500.0);
    ASSERT_EQ(a.plan.items.size(), 2u);

    // One item per site: s0's reduce peak is an alternative inside its hoist item.
    const PlanItem& first = a.plan.items[0];
    EXPECT_EQ(first.site, 0u);
    EXPECT_EQ(first.kind, RemediationKind::Hoist);
    EXPECT_EQ(first.phase, 2);
    EXPECT_EQ(first.tier, Tier::Critical);
    EXPECT_EQ(first.priority, "P1.1");
    EXPECT_DOUBLE_EQ(first.saving.allocs_per_op, 1.0);
    EXPECT_DOUBLE_EQ(first.saving.bytes_per_op, 60.0);
    EXPECT_DOUBLE_EQ(first.saving.gen0_star_per_1k, 600.0);
    EXPECT_TRUE(first.saving.simulated);
    EXPECT_DOUBLE_EQ(first.saving.gen0_per_1k, 1500.0);
    ASSERT_EQ(first.alternatives.size(), 1u);
    EXPECT_EQ(first.alternatives[0].kind, RemediationKind::ReducePeak);
    EXPECT_EQ(first.alternatives[0].change, "reduce the peak: stream, shrink or free this data earlier");

    // Marginal: without s0 the nursery already never collects, so taking s1 out as well
    // saves no further collection (alone it would have saved 1000 per 1k ops).
    const PlanItem& second = a.plan.items[1];
    EXPECT_EQ(second.site, 1u);
    EXPECT_EQ(second.kind, RemediationKind::Hoist);
    EXPECT_EQ(second.phase, 2);
    EXPECT_EQ(second.priority, "P1.2");
    EXPECT_DOUBLE_EQ(second.saving.bytes_per_op, 50.0);
    EXPECT_DOUBLE_EQ(second.saving.gen0_star_per_1k, 500.0);
    EXPECT_DOUBLE_EQ(second.saving.gen0_per_1k, 0.0);
    EXPECT_TRUE(second.alternatives.empty());

    // The running totals end at the run's own figures, never above.
    EXPECT_DOUBLE_EQ(second.cumulative.allocs_per_op, a.metrics.run.allocs_per_op);
    EXPECT_DOUBLE_EQ(second.cumulative.bytes_per_op, a.metrics.run.bytes_per_op);
    EXPECT_DOUBLE_EQ(second.cumulative.gen0_per_1k, a.metrics.run.gen0_per_1k);
}

// The change an item carries, of the kinds its site triggered.
TEST(RemediationPlanner, OneChangePerSiteTheBestSupported) {
    using K = RemediationKind;
    SiteMetrics s = site(100, 1);
    // Growth chains behind most allocations: reserve, even though pool also fits.
    s.chains.links = 60;
    EXPECT_EQ(primary_kind({K::Reserve, K::Pool}, s), K::Reserve);
    // A few chains among many independent blocks (an unordered_set's bucket array among its
    // nodes): reserve would not remove the per-insert allocations; the pool does.
    s.chains.links = 3;
    EXPECT_EQ(primary_kind({K::Reserve, K::Pool}, s), K::Pool);
    EXPECT_EQ(primary_kind({K::Reserve, K::ReducePeak}, s), K::Reserve);
    // What the source names wins; growth comes before any way of allocating faster.
    EXPECT_EQ(primary_kind({K::Hoist, K::Closure}, s), K::Closure);
    EXPECT_EQ(primary_kind({K::Pool, K::FixLeak, K::ReducePeak}, s), K::FixLeak);
    EXPECT_EQ(primary_kind({K::SizeTiers, K::Hoist}, s), K::Hoist);
}

// Reserve saves the chains' links and avoidable bytes, not the site; a weak reserve whose
// saving is under 0.5 % of every metric is counted, not listed.
TEST(RemediationPlanner, SavingsByKindAddUpAndNegligibleItemsAreCounted) {
    RunMetrics m;
    m.run.ops = 100;
    m.ops_from_events = 100;
    m.run.allocs_per_op = 20;
    m.run.bytes_per_op = 2000;
    m.run.peak_live_bytes = 1'000'000;
    SiteMetrics vec = site(1000, 10);  // 10 allocs/op, 1,000 B/op; 800 links, 600 B/op avoidable
    vec.bytes_allocated = 100'000;
    vec.bytes_per_op = 1000;
    vec.few_sizes = 0;
    vec.chains.chains = 200;
    vec.chains.links = 800;
    vec.chains.avoidable_bytes = 60'000;
    SiteMetrics boxes = site(900, 9);  // a pool
    boxes.site = 1;
    boxes.bytes_allocated = 90'000;
    boxes.bytes_per_op = 900;
    boxes.dies_young = 900;
    SiteMetrics tiny = site(100, 1);  // three growth links in a hundred: 0.03 allocs/op of the run's 20
    tiny.site = 2;
    tiny.bytes_allocated = 10'000;
    tiny.bytes_per_op = 100;
    tiny.frees = 0;
    tiny.chains.chains = 1;
    tiny.chains.links = 3;
    tiny.chains.avoidable_bytes = 40;
    m.sites = {vec, boxes, tiny};
    std::vector<SiteRank> ranks(3);
    for (uint32_t i = 0; i < 3; ++i) {
        ranks[i].site = i;
        ranks[i].position = i + 1;
        ranks[i].tier = Tier::Critical;
    }
    RemediationPlan plan = plan_remediations(m, ranks, AnalysisParams{});
    ASSERT_EQ(plan.items.size(), 2u);
    EXPECT_EQ(plan.negligible_items, 1u);
    EXPECT_EQ(plan.items[0].site, 0u);
    EXPECT_EQ(plan.items[0].kind, RemediationKind::Reserve);
    EXPECT_DOUBLE_EQ(plan.items[0].saving.allocs_per_op, 8.0);
    EXPECT_DOUBLE_EQ(plan.items[0].saving.bytes_per_op, 600.0);
    EXPECT_EQ(plan.items[1].kind, RemediationKind::Pool);
    EXPECT_DOUBLE_EQ(plan.items[1].saving.allocs_per_op, 9.0);
    EXPECT_DOUBLE_EQ(plan.items[1].cumulative.allocs_per_op, 17.0);
    EXPECT_LE(plan.items[1].cumulative.allocs_per_op, m.run.allocs_per_op);
    EXPECT_LE(plan.items[1].cumulative.bytes_per_op, m.run.bytes_per_op);
}

// The lines of one function that call for the same change are one target: one item, the
// savings of its lines added. Another function, or another change, keeps its own item.
TEST(RemediationPlanner, LinesOfOneFunctionWithOneChangeAreOneItem) {
    RunMetrics m;
    m.run.ops = 100;
    m.ops_from_events = 100;
    m.run.allocs_per_op = 40;
    m.run.bytes_per_op = 4000;
    auto pool_site = [](uint32_t index, const char* function) {
        SiteMetrics s = site(1000, 10);  // a pool: 10 allocs/op, all die young, one size
        s.site = index;
        s.bytes_allocated = 100'000;
        s.bytes_per_op = 1000;
        s.dies_young = 1000;
        s.function = function;
        return s;
    };
    SiteMetrics chained = pool_site(3, "prog\tone_op");  // same function, but growth chains: reserve
    chained.chains.chains = 500;
    chained.chains.links = 900;
    chained.chains.avoidable_bytes = 50'000;
    m.sites = {pool_site(0, "prog\tone_op"), pool_site(1, "prog\tother_op"), pool_site(2, "prog\tone_op"), chained};
    std::vector<SiteRank> ranks(4);
    for (uint32_t i = 0; i < 4; ++i) {
        ranks[i].site = i;
        ranks[i].position = i + 1;
        ranks[i].tier = Tier::Critical;
    }
    RemediationPlan plan = plan_remediations(m, ranks, AnalysisParams{});
    ASSERT_EQ(plan.items.size(), 3u);
    auto item_of = [&](uint32_t site) -> const PlanItem& {
        for (const PlanItem& item : plan.items)
            if (item.site == site) return item;
        ADD_FAILURE() << "no item for site " << site;
        return plan.items[0];
    };
    const PlanItem& merged = item_of(0);
    EXPECT_EQ(merged.kind, RemediationKind::Pool);
    EXPECT_EQ(merged.also_sites, std::vector<uint32_t>{2});
    EXPECT_DOUBLE_EQ(merged.saving.allocs_per_op, 20.0);
    EXPECT_DOUBLE_EQ(merged.saving.bytes_per_op, 2000.0);
    // Another function with the same change, and the same function with another change
    // (reserve, low risk: Phase 2, first).
    EXPECT_TRUE(item_of(1).also_sites.empty());
    EXPECT_EQ(item_of(3).kind, RemediationKind::Reserve);
    EXPECT_TRUE(item_of(3).also_sites.empty());
    EXPECT_EQ(plan.items[0].site, 3u);
    EXPECT_LE(plan.items[2].cumulative.allocs_per_op, m.run.allocs_per_op);

    // Sites whose function is unknown are never folded together.
    m.sites[0].function.clear();
    m.sites[2].function.clear();
    EXPECT_EQ(plan_remediations(m, ranks, AnalysisParams{}).items.size(), 4u);

    // The simulation takes a folded item's sites out together, in one step.
    const std::vector<uint32_t> sites = sites_to_simulate(plan, 64);
    EXPECT_EQ(sites, (std::vector<uint32_t>{0, 2, 1}));
}

TEST(RemediationPlanner, PhasesFollowTierAndRisk) {
    // A medium-tier site with a low-risk fix goes to phase 3; a low-tier one to phase 4;
    // a critical site with a medium-risk fix to phase 3.
    RunMetrics m;
    m.run.ops = 100;
    m.ops_from_events = 100;
    m.run.allocs_per_op = 3;
    for (uint32_t i = 0; i < 3; ++i) {
        SiteMetrics s = site(100, 1);
        s.site = i;
        m.sites.push_back(s);
    }
    m.sites[0].dies_young = 100;         // pool (medium risk)
    m.sites[1].chains.chains = 1;        // reserve (low risk)
    m.sites[1].chains.links = 99;
    m.sites[2].chains.chains = 1;
    m.sites[2].chains.links = 99;
    std::vector<SiteRank> ranks(3);
    for (uint32_t i = 0; i < 3; ++i) {
        ranks[i].site = i;
        ranks[i].position = i + 1;
    }
    ranks[0].tier = Tier::Critical;
    ranks[1].tier = Tier::Medium;
    ranks[2].tier = Tier::Low;
    RemediationPlan plan = plan_remediations(m, ranks, AnalysisParams{});
    ASSERT_EQ(plan.items.size(), 3u);
    EXPECT_EQ(plan.items[0].site, 0u);
    EXPECT_EQ(plan.items[0].kind, RemediationKind::Pool);
    EXPECT_EQ(plan.items[0].phase, 3);
    EXPECT_EQ(plan.items[1].site, 1u);
    EXPECT_EQ(plan.items[1].phase, 3);
    EXPECT_EQ(plan.items[2].site, 2u);
    EXPECT_EQ(plan.items[2].phase, 4);
}

}  // namespace
}  // namespace allocprof::analyzers
