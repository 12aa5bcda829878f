// interpreter_analysis_test.cpp — `allocprof analyze` on the ground-truth sample
// (samples/interp/interp.cpp): every planted site is found by its function, gets the
// remediation kind its pattern implies and lands in the tier band its design implies; the
// "run" window's per-op totals are the design's exact numbers; analysing twice gives
// identical tables, recording twice identical allocs/op and B/op.
//
// The expected numbers are derived in interp.cpp's header comment (N = kOps ops):
//   run window: 182 N + 1 allocations, 5995 N + 1 MiB bytes, nursery 5995 N bytes.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

constexpr int64_t kOps = 10000;  // the sample's default; the tiers below are for this N
constexpr int64_t kSnapshotBytes = 1 << 20;
constexpr double kB0 = 8 << 20;  // the default nursery budget

struct Planted {
    const char* function;       // name as demangled, without namespace and parameters
    double allocs_per_op;       // over the whole run's N ops
    double bytes_per_op;
    const char* kind;           // the plan item's kind, read from the stacks alone (no --source-root)
    const char* tier;           // after promotion
    const char* base_tier;      // before promotion
    const char* lifetime;
    bool negligible;            // with the default planner.negligible_share: counted, not listed
};

// interp.cpp, "Planted patterns" and "Tiers". Per-op values of the sites of one run (the
// compile-time and startup sites divide their once-only counts by N).
const Planted kPlanted[] = {
    {"alloc_frame", 31, 2160, "size_tiers", "critical", "critical", "short-lived", false},
    {"build_list", 6, 1008, "reserve", "critical", "high", "short-lived", false},
    {"make_callback", 1, 24, "closure", "medium", "low", "short-lived", false},
    {"concat_names", 13, 691, "string_builder", "high", "medium", "short-lived", false},
    {"new_ast_node", 131.0 / kOps, 131.0 * 56 / kOps, "arena", "low", "low", "phase-scoped", true},
    {"intern_constant", 12.0 / kOps, 12.0 * 32 / kOps, "static", "low", "low", "process-lifetime", true},
    {"cache_result", 1, 32, "fix_leak", "medium", "low", "process-lifetime", false},
    {"box_result", 130, 2080, "pool", "critical", "critical", "short-lived", false},
    {"take_heap_snapshot", 1.0 / kOps, static_cast<double>(kSnapshotBytes) / kOps, "reduce_peak", "low", "low",
     "short-lived", false},
};

std::string sql_text(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

// Every row of a query, each as its columns joined by '|' (NULL as "NULL").
std::vector<std::string> rows_as_text(const RunDatabase& db, const std::string& sql) {
    std::vector<std::string> out;
    for (const Row& r : db.query(sql)) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i) line += (i ? "|" : "") + (r.is_null(i) ? "NULL" : r.text(i));
        out.push_back(line);
    }
    return out;
}

double real_of(const Row& row, size_t i) { return std::stod(row.text(i)); }

void expect_near_exact(double actual, double expected, const std::string& what) {
    EXPECT_NEAR(actual, expected, 1e-9 * std::max(1.0, std::fabs(expected))) << what;
}

class InterpreterAnalysis : public E2eTest {
protected:
    // Records the sample with N ops into `db` and checks it ran.
    void record_sample(const std::filesystem::path& db) {
        Recording rec = record(db, {sample_binary("interpreter").string(), std::to_string(kOps)});
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
        EXPECT_EQ(rec.process.out.rfind("ops=" + std::to_string(kOps) + " ast_nodes=131 ", 0), 0u)
            << rec.process.out;
    }
    // Analyses `db` from the stacks alone: --no-source, so no source file is read, as when
    // the sources are not on disk.
    void analyze(const std::filesystem::path& db, const std::vector<std::string>& options = {}) {
        std::vector<std::string> argv = {allocprof_binary().string(), "analyze", db.string(), "--no-source"};
        argv.insert(argv.end(), options.begin(), options.end());
        ProcessResult r = run_process(argv);
        ASSERT_TRUE(r.exited_with(0)) << r.describe();
    }
    // Analyses with every plan item listed, however small its saving.
    void analyze_listing_all(const std::filesystem::path& db) {
        const auto config = dir_ / "list-all.json";
        std::ofstream(config) << R"({"analysis": {"planner": {"negligible_share": 0}}})";
        analyze(db, {"--config", config.string()});
    }
};

// The site_id of the one site whose function is `name` (in the anonymous namespace of
// interp.cpp); 0 and a failure if there is not exactly one.
int64_t site_of(const RunDatabase& db, const std::string& name) {
    std::vector<Row> rows = db.query("SELECT site_id, function FROM sites WHERE function LIKE " +
                                     sql_text("%::" + name + "(%") + " OR function LIKE " +
                                     sql_text(name + "(%"));
    if (rows.size() != 1) {
        ADD_FAILURE() << "sites named " << name << ": " << rows.size();
        return 0;
    }
    return rows[0].int64(0);
}

TEST_F(InterpreterAnalysis, PlantedSitesGetTheirKindsAndTiers) {
    ASSERT_NO_FATAL_FAILURE(record_sample(db()));
    ASSERT_NO_FATAL_FAILURE(analyze(db()));
    RunDatabase database(db());

    std::set<int64_t> planted_ids;
    for (const Planted& p : kPlanted) {
        SCOPED_TRACE(p.function);
        const int64_t site = site_of(database, p.function);
        ASSERT_NE(site, 0);
        planted_ids.insert(site);
        const std::string where = " WHERE site_id = " + std::to_string(site);
        std::vector<Row> a = database.query(
            "SELECT allocs_per_op, bytes_per_op, tier, base_tier, lifetime, rule FROM analysis_sites" + where);
        ASSERT_EQ(a.size(), 1u) << "no analysis_sites row";
        expect_near_exact(real_of(a[0], 0), p.allocs_per_op, "allocs_per_op");
        expect_near_exact(real_of(a[0], 1), p.bytes_per_op, "bytes_per_op");
        EXPECT_EQ(a[0].text(2), p.tier) << "tier; rule: " << a[0].text(5);
        EXPECT_EQ(a[0].text(3), p.base_tier) << "base_tier; rule: " << a[0].text(5);
        EXPECT_EQ(a[0].text(4), p.lifetime) << "lifetime";

        // Exactly one plan item, with the planted kind, in the tier of its site; a negligible
        // one is counted instead of listed.
        std::vector<Row> items = database.query("SELECT kind, tier FROM plan_items" + where);
        if (p.negligible) {
            EXPECT_TRUE(items.empty()) << "a negligible site is listed";
            continue;
        }
        ASSERT_EQ(items.size(), 1u) << "one item per site";
        EXPECT_EQ(items[0].text(0), p.kind);
        EXPECT_EQ(items[0].text(1), p.tier);
    }
    EXPECT_EQ(planted_ids.size(), std::size(kPlanted)) << "two planted patterns share a site";

    // The evidence behind the kinds, as the design makes it.
    const auto one = [&](const std::string& sql) { return database.query(sql).at(0); };
    const std::string frames = std::to_string(site_of(database, "alloc_frame"));
    // Sizes 16, 32, 48, 80, 96, 128 B: p50 80, p90 = p99 = 128 -> one tier of 128 B.
    EXPECT_EQ(one("SELECT tier_sizes FROM plan_items WHERE kind = 'size_tiers' AND site_id = " + frames).text(0),
              "[128]");
    Row list = one("SELECT chains, inferred_chains, chain_pattern FROM analysis_sites WHERE site_id = " +
                   std::to_string(site_of(database, "build_list")));
    EXPECT_EQ(list.int64(0), kOps) << "one vector (capacity 1 -> 32) per op";
    EXPECT_EQ(list.int64(1), kOps) << "std::vector growth is inferred, not realloc";
    EXPECT_EQ(list.text(2), "geometric");
    Row cache = one("SELECT leak_slope, unfreed_bytes FROM analysis_sites WHERE site_id = " +
                    std::to_string(site_of(database, "cache_result")));
    expect_near_exact(real_of(cache, 0), 32.0, "cache leak slope, B/op");
    EXPECT_EQ(cache.int64(1), 32 * kOps);
    Row snapshot = one("SELECT live_at_peak_bytes FROM analysis_sites WHERE site_id = " +
                       std::to_string(site_of(database, "take_heap_snapshot")));
    EXPECT_EQ(snapshot.int64(0), kSnapshotBytes);
    // t-gmax: while the snapshot is live, at op N/2 (the cache then holds N/2 entries).
    EXPECT_EQ(one("SELECT live_at_peak_bytes FROM analysis_sites WHERE site_id = " +
                  std::to_string(site_of(database, "cache_result")))
                  .int64(0),
              32 * kOps / 2);

    // Only the planted sites and libstdc++'s startup pool allocate.
    std::vector<std::string> others = rows_as_text(
        database, "SELECT function, allocations FROM sites WHERE site_id NOT IN (SELECT site_id FROM sites WHERE " +
                      std::string("function LIKE '(anonymous namespace)::%')"));
    EXPECT_LE(others.size(), 1u) << ::testing::PrintToString(others);
}

// The plan from the stacks alone, every item listed: one item per planted site with its
// planted change and nothing else — no item for libstdc++'s own pool, which is a runtime
// site outside the tiers — and savings that add up to no more than the run makes.
TEST_F(InterpreterAnalysis, PlanHasOneRightItemPerPlantedSiteAndSavingsThatAddUp) {
    ASSERT_NO_FATAL_FAILURE(record_sample(db()));
    ASSERT_NO_FATAL_FAILURE(analyze_listing_all(db()));
    RunDatabase database(db());

    std::map<int64_t, std::string> planted_kind;
    for (const Planted& p : kPlanted) planted_kind[site_of(database, p.function)] = p.kind;
    std::vector<Row> items = database.query(
        "SELECT site_id, kind, saving_allocs_per_op, saving_bytes_per_op, cumulative_allocs_per_op,"
        " cumulative_bytes_per_op FROM plan_items ORDER BY item_index");
    EXPECT_EQ(items.size(), std::size(kPlanted));
    std::set<int64_t> seen;
    double allocs = 0, bytes = 0;
    for (const Row& item : items) {
        const int64_t site = item.int64(0);
        EXPECT_TRUE(seen.insert(site).second) << "two items for site " << site;
        ASSERT_TRUE(planted_kind.count(site)) << "an item for a site nothing planted: " << site;
        EXPECT_EQ(item.text(1), planted_kind[site]) << "site " << site;
        allocs += real_of(item, 2);
        bytes += real_of(item, 3);
        expect_near_exact(real_of(item, 4), allocs, "cumulative allocs/op is the running total");
        expect_near_exact(real_of(item, 5), bytes, "cumulative B/op is the running total");
    }
    // The AST is freed at the end of the compile phase, and the item says which phase.
    EXPECT_EQ(rows_as_text(database, "SELECT change FROM plan_items WHERE kind = 'arena'"),
              std::vector<std::string>{"allocate from an arena released at the end of the phase `compile`"});
    Row run = database.query("SELECT allocs_per_op, bytes_per_op FROM analysis_windows WHERE window = 'run'").at(0);
    EXPECT_LE(allocs, real_of(run, 0) + 1e-9);
    EXPECT_LE(bytes, real_of(run, 1) + 1e-9);

    // libstdc++'s emergency pool is the one site outside interp.cpp: runtime, not ranked.
    std::vector<std::string> runtime = rows_as_text(
        database, "SELECT s.module FROM analysis_sites a JOIN sites s USING (run_id, site_id) WHERE a.tier = 'runtime'");
    ASSERT_EQ(runtime.size(), 1u) << ::testing::PrintToString(runtime);
    EXPECT_EQ(runtime[0].rfind("libstdc++", 0), 0u) << runtime[0];
    EXPECT_EQ(database.scalar("SELECT count(*) FROM plan_items p JOIN analysis_sites a USING (run_id, site_id)"
                              " WHERE a.tier = 'runtime'"),
              0);

    // With the default share, the two once-per-run sites are counted, not listed.
    ASSERT_NO_FATAL_FAILURE(analyze(db()));
    RunDatabase again(db());
    EXPECT_EQ(again.scalar("SELECT negligible_items FROM analysis"), 2);
    EXPECT_EQ(again.scalar("SELECT count(*) FROM plan_items"), static_cast<int64_t>(std::size(kPlanted)) - 2);
}

TEST_F(InterpreterAnalysis, RunWindowTotalsAreTheDesignsNumbers) {
    ASSERT_NO_FATAL_FAILURE(record_sample(db()));
    ASSERT_NO_FATAL_FAILURE(analyze(db()));
    RunDatabase database(db());

    std::vector<Row> run = database.query(
        "SELECT ops, allocations, bytes_allocated, allocs_per_op, bytes_per_op, nursery_bytes,"
        " gen0_star_per_1k, collections, gen0_per_1k, frees FROM analysis_windows WHERE window = 'run'");
    ASSERT_EQ(run.size(), 1u);
    EXPECT_EQ(run[0].int64(0), kOps);
    EXPECT_EQ(run[0].int64(1), 182 * kOps + 1);
    EXPECT_EQ(run[0].int64(2), 5995 * kOps + kSnapshotBytes);
    expect_near_exact(real_of(run[0], 3), 182.0 + 1.0 / kOps, "run allocs_per_op");
    expect_near_exact(real_of(run[0], 4), 5995.0 + static_cast<double>(kSnapshotBytes) / kOps, "run bytes_per_op");
    EXPECT_EQ(run[0].int64(5), 5995 * kOps) << "the 1 MiB snapshot skips the nursery (>= L)";
    expect_near_exact(real_of(run[0], 6), 1000.0 * 5995 / kB0, "run gen0_star_per_1k");
    // 59.95 MB of nursery bytes in the run (plus < 100 KB before it): 7 collections of 8 MiB.
    EXPECT_EQ(run[0].int64(7), 7);
    expect_near_exact(real_of(run[0], 8), 1000.0 * 7 / kOps, "run gen0_per_1k");
    // Everything born in the run is freed except the cache entries.
    EXPECT_EQ(run[0].int64(9), 182 * kOps + 1 - kOps);

    std::vector<Row> compile =
        database.query("SELECT ops, per_run, allocations, bytes_allocated, frees, ops_of_run, bytes_per_op"
                       " FROM analysis_windows WHERE window = 'compile'");
    ASSERT_EQ(compile.size(), 1u);
    // No op is counted inside compile: its per-op figures divide by the run's ops, and say so.
    EXPECT_EQ(compile[0].int64(0), kOps);
    EXPECT_EQ(compile[0].int64(1), 0) << "the run counted ops: not per run";
    EXPECT_EQ(compile[0].int64(5), 1) << "ops_of_run";
    expect_near_exact(real_of(compile[0], 6), 131.0 * 56 / kOps, "compile bytes_per_op");
    EXPECT_EQ(compile[0].int64(2), 131);
    EXPECT_EQ(compile[0].int64(3), 131 * 56);
    EXPECT_EQ(compile[0].int64(4), 131) << "the whole AST is freed inside the phase";

    // The whole run: the two phases, the 12 constants at startup and libstdc++'s own pool.
    Row whole = database.query("SELECT ops, allocations, unfreed_blocks, leak_slope FROM analysis_windows"
                               " WHERE window = ''")
                    .at(0);
    EXPECT_EQ(whole.int64(0), kOps);
    EXPECT_GE(whole.int64(1), 182 * kOps + 1 + 131 + 12);
    EXPECT_LE(whole.int64(1), 182 * kOps + 1 + 131 + 12 + 1);
    EXPECT_GE(whole.int64(2), kOps + 12) << "cache entries and constants are never freed";
    expect_near_exact(real_of(whole, 3), 32.0, "whole-run leak slope, B/op");
}

TEST_F(InterpreterAnalysis, AnalyzingTwiceGivesIdenticalTables) {
    ASSERT_NO_FATAL_FAILURE(record_sample(db()));
    const char* const queries[] = {
        "SELECT params, site_config, ops, ops_source, unmatched_frees FROM analysis",
        "SELECT * FROM analysis_windows ORDER BY window",
        "SELECT * FROM analysis_sites ORDER BY site_id",
        "SELECT * FROM plan_items ORDER BY item_index",
    };
    std::vector<std::vector<std::string>> first;
    ASSERT_NO_FATAL_FAILURE(analyze(db()));
    {
        RunDatabase database(db());
        for (const char* q : queries) first.push_back(rows_as_text(database, q));
    }
    ASSERT_NO_FATAL_FAILURE(analyze(db()));
    RunDatabase database(db());
    for (size_t i = 0; i < std::size(queries); ++i) {
        SCOPED_TRACE(queries[i]);
        EXPECT_FALSE(first[i].empty());
        EXPECT_EQ(rows_as_text(database, queries[i]), first[i]);
    }
}

TEST_F(InterpreterAnalysis, RecordingTwiceGivesIdenticalPerOpNumbers) {
    const auto second = dir_ / "second.db";
    ASSERT_NO_FATAL_FAILURE(record_sample(db()));
    ASSERT_NO_FATAL_FAILURE(record_sample(second));
    ASSERT_NO_FATAL_FAILURE(analyze(db()));
    ASSERT_NO_FATAL_FAILURE(analyze(second));
    // Windows exactly; sites by function (site ids could only differ by ties).
    const std::string windows =
        "SELECT window, ops, allocations, bytes_allocated, allocs_per_op, bytes_per_op FROM analysis_windows"
        " WHERE window <> '' ORDER BY window";
    const std::string sites =
        "SELECT s.function, a.allocs_per_op, a.bytes_per_op, a.tier, a.lifetime FROM analysis_sites a"
        " JOIN sites s USING (run_id, site_id) WHERE s.function LIKE '(anonymous namespace)::%'"
        " ORDER BY s.function";
    RunDatabase one(db());
    RunDatabase two(second);
    EXPECT_EQ(rows_as_text(one, windows), rows_as_text(two, windows));
    EXPECT_EQ(rows_as_text(one, sites), rows_as_text(two, sites));
    EXPECT_EQ(rows_as_text(one, sites).size(), std::size(kPlanted));
}

}  // namespace
}  // namespace allocprof::e2e

namespace allocprof::e2e {
namespace {

// The report of the interpreter sample names every planted site in the plan with the change
// its design calls for, read from the stacks alone (std::function's manager, operator+ on
// std::string, the vector's _M_realloc_insert); the two once-per-run sites are counted.
TEST_F(InterpreterAnalysis, ReportNamesEveryPlantedSiteWithItsChange) {
    record_sample(db());
    analyze(db());
    ProcessResult r = run_process({allocprof_binary().string(), "report", db().string()});
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    const std::string& md = r.out;
    const size_t plan = md.find("## Priority remediation list");
    const size_t gaps = md.find("## Coverage gaps");
    ASSERT_NE(plan, std::string::npos);
    ASSERT_NE(gaps, std::string::npos);
    const std::string section = md.substr(plan, gaps - plan);
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"alloc_frame", "pre-allocate per frame in size tiers of 128 B"},
        {"build_list", "call reserve on the `std::vector<Value>`"},
        {"make_callback", "instead of building a `std::function<long int(long int)>`"},
        {"concat_names", "reserve one `std::string` and append the pieces into it"},
        {"cache_result", "fix the growth"},
        {"box_result", "use a pool or free list"},
        {"take_heap_snapshot", "reduce the peak"},
    };
    EXPECT_NE(section.find("2 more items would each save under 0.5 % of every metric (not listed)."),
              std::string::npos)
        << section;
    EXPECT_EQ(section.find("libstdc++"), std::string::npos) << "a runtime site in the plan\n" << section;
    for (const auto& [function, change] : expected) {
        // A plan row is one table line: "| P... | `...function(...)` at ... | change | ...".
        bool found = false;
        size_t at = 0;
        while ((at = section.find("::" + function + "(", at)) != std::string::npos) {
            const size_t line_start = section.rfind('\n', at) + 1;
            const std::string line = section.substr(line_start, section.find('\n', at) - line_start);
            if (line.rfind("| P", 0) == 0 && line.find(change) != std::string::npos) found = true;
            at += function.size();
        }
        EXPECT_TRUE(found) << function << ": no plan row with '" << change << "'\n" << section;
    }
}

// Without --source-root the program's own sources, as its DWARF names them, are analysed:
// the root is the directory of interp.cpp, the one compilation unit of the sample, and the
// constructs come from the source (source_analysis and site_sources rows). --no-source
// leaves the source tables empty, and contradicts a named root.
TEST_F(InterpreterAnalysis, TheProgramsOwnSourcesAreAnalysedByDefault) {
    record_sample(db());
    ProcessResult r = run_process({allocprof_binary().string(), "analyze", db().string(), "--source-cache", ""});
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    const std::filesystem::path unit = std::filesystem::weakly_canonical(samples_source_dir() / "interp" / "interp.cpp");
    ASSERT_TRUE(std::filesystem::exists(unit)) << unit;
    EXPECT_NE(r.err.find("source: the program's 1 source file under " + unit.parent_path().string() +
                         ", as its debug information names them"),
              std::string::npos)
        << r.err;
    RunDatabase database(db());
    EXPECT_EQ(rows_as_text(database, "SELECT source_root FROM source_analysis"),
              std::vector<std::string>{unit.parent_path().string()});
    EXPECT_EQ(rows_as_text(database, "SELECT count(*) FROM site_sources WHERE status = 'ok' AND source_file = " +
                                         sql_text(unit.string()) + " AND kind = 'std_function'"),
              std::vector<std::string>{"1"});

    ProcessResult none = run_process({allocprof_binary().string(), "analyze", db().string(), "--no-source"});
    ASSERT_TRUE(none.exited_with(0)) << none.describe();
    EXPECT_EQ(none.err.find("source:"), std::string::npos) << none.err;
    EXPECT_EQ(rows_as_text(RunDatabase(db()), "SELECT count(*) FROM site_sources"), std::vector<std::string>{"0"});

    ProcessResult both = run_process({allocprof_binary().string(), "analyze", db().string(), "--no-source",
                                      "--source-root", unit.parent_path().string()});
    EXPECT_TRUE(both.exited_with(2)) << both.describe();
    EXPECT_NE(both.err.find("--no-source and a source root"), std::string::npos) << both.err;
}

}  // namespace
}  // namespace allocprof::e2e
