// The whole analysis: determinism (same events, identical results, from memory or from a
// stored run), and a mixed stream that exercises every part at once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "analyzers/analysis_store.h"
#include "analyzers/database_events.h"
#include "event_builder.h"
#include "analyzers/run_analyzer.h"
#include "schema/run_database.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;

// A pseudo-random program: 3 threads, 12 stacks on 6 sites, phases, reallocs, frees on
// other threads, large blocks, ops markers. Fixed seed: the same stream every time.
std::vector<schema::Event> mixed_stream(uint64_t seed, size_t steps) {
    std::mt19937_64 rng(seed);
    EventBuilder b;
    std::vector<uint64_t> live;
    std::vector<uint64_t> sizes_of_live;
    const char* phases[] = {"compile", "run", "gc"};
    for (size_t i = 0; i < steps; ++i) {
        const uint64_t r = rng();
        const uint32_t thread = static_cast<uint32_t>(r % 3);
        switch ((r >> 8) % 10) {
        case 0: case 1: case 2: case 3: {
            uint64_t size = 1 + ((r >> 16) % 512);
            if ((r >> 40) % 50 == 0) size = 100000 + size;  // >= L
            live.push_back(b.alloc(static_cast<uint32_t>((r >> 32) % 12), size, thread));
            break;
        }
        case 4: case 5: case 6:
            if (!live.empty()) {
                size_t k = (r >> 16) % live.size();
                b.free(live[k], thread);
                live[k] = live.back();
                live.pop_back();
            }
            break;
        case 7:
            if (!live.empty()) {
                size_t k = (r >> 16) % live.size();
                live[k] = b.realloc(live[k], static_cast<uint32_t>((r >> 32) % 12), 1 + ((r >> 24) % 4096),
                                    (r >> 50) & 1, thread);
            }
            break;
        case 8:
            b.ops(1 + (r >> 16) % 3);
            break;
        case 9:
            if ((r >> 16) % 4 == 0)
                b.phase_end();
            else
                b.phase_begin(phases[(r >> 20) % 3]);
            break;
        }
    }
    return b.events;
}

AnalysisInput mixed_input() {
    std::vector<uint32_t> node_to_site(12);
    for (uint32_t n = 0; n < 12; ++n) node_to_site[n] = n % 6;
    source::SourceConstruct closure;
    closure.kind = "closure";
    return AnalysisInput{SiteMap(node_to_site, 6), std::nullopt, {{}, closure, {}, {}, {}, {}}};
}

AnalysisParams mixed_params() {
    AnalysisParams p;
    p.gen0_budget = 64 << 10;  // small enough for many collections
    return p;
}

TEST(RunAnalyzer, SameEventsGiveIdenticalResults) {
    auto events = mixed_stream(42, 20000);
    RunAnalysis a = analyze_run(replay_vector(events), mixed_input(), mixed_params());
    RunAnalysis b = analyze_run(replay_vector(events), mixed_input(), mixed_params());
    EXPECT_EQ(stored_form(a, {}, {}), stored_form(b, {}, {}));
    // And the numbers are not trivial.
    EXPECT_GT(a.metrics.run.collections, 10u);
    EXPECT_GT(a.metrics.run.allocations, 5000u);
    EXPECT_EQ(a.metrics.phases.size(), 3u);
    EXPECT_EQ(a.ranks.size(), 6u);
    EXPECT_FALSE(a.plan.items.empty());
    EXPECT_EQ(a.metrics.unmatched_frees, 0u);
}

TEST(RunAnalyzer, ConsistencyOfTheMixedRun) {
    auto events = mixed_stream(7, 20000);
    RunAnalysis a = analyze_run(replay_vector(events), mixed_input(), mixed_params());
    const RunMetrics& m = a.metrics;
    uint64_t allocs = 0, bytes = 0, nursery = 0, frees = 0, young = 0, unfreed = 0, at_peak = 0;
    double gen0_star = 0;
    for (const SiteMetrics& s : m.sites) {
        allocs += s.allocations;
        bytes += s.bytes_allocated;
        nursery += s.nursery_bytes;
        frees += s.frees;
        young += s.dies_young;
        unfreed += s.unfreed_bytes;
        at_peak += s.live_at_peak_bytes;
        gen0_star += s.gen0_star_per_1k;
        EXPECT_LE(s.live_at_peak_bytes, s.max_live_bytes);
        EXPECT_LE(s.temporary_k[0], s.temporary_k[1]);
    }
    EXPECT_EQ(allocs, m.run.allocations);
    EXPECT_EQ(bytes, m.run.bytes_allocated);
    EXPECT_EQ(nursery, m.run.nursery_bytes);
    EXPECT_EQ(frees, m.run.frees);
    EXPECT_EQ(young, m.run.dies_young);
    EXPECT_EQ(unfreed, m.run.unfreed_bytes);
    EXPECT_EQ(at_peak, m.run.peak_live_bytes);  // the sites' bytes at t-gmax make up the peak
    EXPECT_NEAR(gen0_star, m.run.gen0_star_per_1k, 1e-9 * m.run.gen0_star_per_1k);
    uint64_t phase_collections = 0;
    for (const WindowMetrics& w : m.phases) phase_collections += w.collections;
    EXPECT_LE(phase_collections, m.run.collections);
    // The closure construct reaches the plan only through its site.
    for (const PlanItem& item : a.plan.items) {
        if (item.kind == RemediationKind::Closure) {
            EXPECT_EQ(item.site, 1u);
        }
    }
    // Every plan item whose change removes its site's allocations was re-simulated; every
    // saving is within the run's value.
    for (const PlanItem& item : a.plan.items) {
        const bool keeps_allocations = item.kind == RemediationKind::Reserve || item.kind == RemediationKind::FixLeak ||
                                       item.kind == RemediationKind::ReducePeak;
        EXPECT_EQ(item.saving.simulated, !keeps_allocations);
        EXPECT_LE(item.saving.allocs_per_op, m.run.allocs_per_op);
    }
}

TEST(RunAnalyzer, AStoredRunAnalyzesLikeItsEvents) {
    auto events = mixed_stream(99, 5000);
    const std::string path =
        (std::filesystem::temp_directory_path() / ("allocprof-analyzers-" + std::to_string(getpid()) + ".db")).string();
    std::filesystem::remove(path);
    int64_t run_id = 0;
    {
        auto db = schema::Database::create(path);
        db.exec("INSERT INTO runs(command, cwd, hostname, tool_version, wire_version, pid, start_unix_ns) "
                "VALUES ('[\"test\"]', '/', 'host', '0', 1, 1, 0)");
        run_id = db.last_insert_rowid();
        schema::EventChunkWriter writer(db, run_id, 4096);  // small chunks: many of them
        for (const auto& e : events) writer.append(e);
        writer.flush();
    }
    auto db = schema::Database::open_existing(path, false);
    RunAnalysis stored = analyze_run(replay_database(db, run_id), mixed_input(), mixed_params());
    RunAnalysis memory = analyze_run(replay_vector(events), mixed_input(), mixed_params());
    EXPECT_EQ(stored_form(stored, {}, {}), stored_form(memory, {}, {}));
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace allocprof::analyzers
