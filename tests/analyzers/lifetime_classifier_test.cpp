// Lifetime classes on hand-built streams: process-lifetime (with teardown frees),
// phase-scoped (bulk frees at a phase end), short-lived, mixed.
#include <gtest/gtest.h>

#include "analyzers/event_analyzer.h"
#include "event_builder.h"
#include "analyzers/lifetime_classifier.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;
using test::small_params;

TEST(LifetimeClassifier, PureRules) {
    LifetimeParams p;
    EXPECT_EQ(classify_lifetime({3, 0, 0, 0, 0}, p), LifetimeClass::ProcessLifetime);
    EXPECT_EQ(classify_lifetime({3, 2, 0, 2, 0}, p), LifetimeClass::ProcessLifetime);  // only teardown frees
    EXPECT_EQ(classify_lifetime({10, 10, 10, 0, 5}, p), LifetimeClass::PhaseScoped);   // half in bulk: phase first
    EXPECT_EQ(classify_lifetime({10, 10, 10, 0, 4}, p), LifetimeClass::ShortLived);
    EXPECT_EQ(classify_lifetime({10, 10, 9, 0, 1}, p), LifetimeClass::ShortLived);     // 90 % die young
    EXPECT_EQ(classify_lifetime({10, 10, 8, 0, 1}, p), LifetimeClass::Mixed);
    EXPECT_EQ(classify_lifetime({0, 0, 0, 0, 0}, p), LifetimeClass::Mixed);
    // One bulk free is not "bulk" (phase_scoped_min_frees = 2).
    EXPECT_EQ(classify_lifetime({1, 1, 0, 0, 1}, p), LifetimeClass::Mixed);
}

TEST(LifetimeClassifier, ClassesFromAStream) {
    // Site 0: constants made in the first op, never freed except at teardown (after the
    // last Ops event): process-lifetime.
    // Site 1: AST nodes made during "compile", all freed after the last node, before the
    // compile PhaseEnd: 4 phase-end frees of 4 -> phase-scoped.
    // Site 2: temporaries made and freed through "run": the frees after its last
    // allocation in each run segment are 1 per segment (2 in all, of 6): short-lived.
    // Site 3: blocks that outlive a collection (B0 = 100) and are freed mid-phase: mixed.
    EventBuilder b;
    uint64_t k1 = b.alloc(0, 8);
    b.alloc(0, 8);
    b.phase_begin("compile");
    std::vector<uint64_t> ast;
    for (int i = 0; i < 4; ++i) ast.push_back(b.alloc(1, 4));
    for (uint64_t n : ast) b.free(n);
    b.phase_end();
    for (int round = 0; round < 2; ++round) {
        b.phase_begin("run");
        for (int i = 0; i < 3; ++i) {
            b.free(b.alloc(2, 2));
            uint64_t big = b.alloc(3, 40);
            b.alloc(3, 40);
            b.alloc(3, 40);  // 3 x 40 > 100: collections keep site 3's blocks from dying young
            b.free(big);
            b.ops();
        }
        b.phase_end();
    }
    b.free(k1);  // teardown: after the last Ops event, a block born before it
    EventAnalyzer analyzer(SiteMap::identity(4), small_params(100));
    for (const auto& e : b.events) analyzer.on_event(e);
    RunMetrics m = analyzer.finish();
    EXPECT_EQ(m.sites[0].lifetime_counts.teardown_frees, 1u);
    EXPECT_EQ(m.sites[0].lifetime, LifetimeClass::ProcessLifetime);
    EXPECT_EQ(m.sites[1].lifetime_counts.phase_end_frees, 4u);
    EXPECT_EQ(m.sites[1].lifetime, LifetimeClass::PhaseScoped);
    EXPECT_EQ(m.sites[1].freed_at_end_of, "compile");
    EXPECT_EQ(m.sites[2].lifetime_counts.phase_end_frees, 2u);
    EXPECT_EQ(m.sites[2].dies_young, 6u);
    EXPECT_EQ(m.sites[2].lifetime, LifetimeClass::ShortLived);
    EXPECT_EQ(m.sites[3].lifetime, LifetimeClass::Mixed);
    EXPECT_EQ(m.sites[0].freed_at_end_of, "") << "never freed at a phase end";
}

// The default nursery (8 MiB) never fills in a small run, so every freed block "dies
// young"; that alone must not make a site short-lived. Site 0 keeps blocks over many other
// allocations (random lifetimes), site 1 frees each block at once: without ops and
// without a collection, only site 1 is short-lived (temp_K).
TEST(LifetimeClassifier, ANurseryThatNeverCollectedDoesNotMakeEverySiteShortLived) {
    EventBuilder b;
    std::vector<uint64_t> kept;
    for (int i = 0; i < 20; ++i) {
        kept.push_back(b.alloc(0, 32));
        b.free(b.alloc(1, 16));
        if (kept.size() > 5) {
            b.free(kept.front());
            kept.erase(kept.begin());
        }
    }
    for (uint64_t k : kept) b.free(k);
    EventAnalyzer analyzer(SiteMap::identity(2), small_params(8u << 20));
    for (const auto& e : b.events) analyzer.on_event(e);
    RunMetrics m = analyzer.finish();
    EXPECT_EQ(m.run.collections, 0u);
    EXPECT_EQ(m.sites[0].dies_young, 20u) << "the nursery alone calls them young";
    EXPECT_EQ(m.sites[0].lifetime, LifetimeClass::Mixed);
    EXPECT_EQ(m.sites[1].lifetime, LifetimeClass::ShortLived);
}

// With ops counted, age is in ops: blocks freed in a later op are not short-lived even
// though no collection separated their birth and death; blocks freed within their op are.
TEST(LifetimeClassifier, WithOpsAYoungBlockIsOneFreedWithinItsOp) {
    EventBuilder b;
    uint64_t previous = 0;
    for (int op = 0; op < 10; ++op) {
        const uint64_t carried = b.alloc(0, 32);  // freed in the next op
        if (previous != 0) b.free(previous);
        previous = carried;
        b.free(b.alloc(1, 16));
        b.ops();
    }
    b.free(previous);
    EventAnalyzer analyzer(SiteMap::identity(2), small_params(8u << 20));
    for (const auto& e : b.events) analyzer.on_event(e);
    RunMetrics m = analyzer.finish();
    EXPECT_GE(m.sites[0].dies_young, 9u) << "the nursery alone calls them young";
    EXPECT_EQ(m.sites[0].freed_within_op, 0u);
    EXPECT_NE(m.sites[0].lifetime, LifetimeClass::ShortLived);
    EXPECT_EQ(m.sites[1].freed_within_op, 10u);
    EXPECT_EQ(m.sites[1].lifetime, LifetimeClass::ShortLived);
}

TEST(LifetimeClassifier, ThePhaseWhoseEndFreesTheBlocksIsNamed) {
    // Site 0: a parse tree made in "parse" and freed right after it ends, before "compile"
    // begins: the end of "parse" freed it. Site 1: two blocks freed at the end of "parse",
    // five at the end of "compile": named after "compile", where most went.
    EventBuilder b;
    b.phase_begin("parse");
    std::vector<uint64_t> tree, scratch;
    for (int i = 0; i < 3; ++i) tree.push_back(b.alloc(0, 16));
    for (int i = 0; i < 2; ++i) scratch.push_back(b.alloc(1, 8));
    for (uint64_t n : scratch) b.free(n);
    b.phase_end();
    for (uint64_t n : tree) b.free(n);
    b.phase_begin("compile");
    scratch.clear();
    for (int i = 0; i < 5; ++i) scratch.push_back(b.alloc(1, 8));
    for (uint64_t n : scratch) b.free(n);
    b.phase_end();
    b.alloc(0, 4);  // after every phase, never freed
    EventAnalyzer analyzer(SiteMap::identity(2), AnalysisParams{});
    for (const auto& e : b.events) analyzer.on_event(e);
    RunMetrics m = analyzer.finish();
    EXPECT_EQ(m.sites[0].lifetime_counts.phase_end_frees, 3u);
    EXPECT_EQ(m.sites[0].freed_at_end_of, "parse");
    EXPECT_EQ(m.sites[1].lifetime_counts.phase_end_frees, 7u);
    EXPECT_EQ(m.sites[1].freed_at_end_of, "compile");
}

TEST(LifetimeClassifier, FreesAtTheEndOfTheRunAreNotPhaseEnd) {
    // A phase left open at the end: its last frees are exit teardown, not a phase end.
    EventBuilder b;
    b.phase_begin("run");
    uint64_t x = b.alloc(0, 8);
    uint64_t y = b.alloc(0, 8);
    b.free(x);
    b.free(y);
    EventAnalyzer analyzer(SiteMap::identity(1), AnalysisParams{});
    for (const auto& e : b.events) analyzer.on_event(e);
    RunMetrics m = analyzer.finish();
    EXPECT_EQ(m.sites[0].lifetime_counts.phase_end_frees, 0u);
    EXPECT_EQ(m.sites[0].lifetime, LifetimeClass::ShortLived);
}

}  // namespace
}  // namespace allocprof::analyzers
