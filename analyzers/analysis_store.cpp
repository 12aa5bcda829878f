// analysis_store.cpp — see analysis_store.h.
#include "analyzers/analysis_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "analyzers/analysis_params.h"
#include "schema/ids.h"

namespace allocprof::analyzers {
namespace {

using nlohmann::json;

// ---- one column of a row, in and out ------------------------------------------------------

void bind_value(schema::Statement& s, int i, int64_t v) { s.bind(i, v); }
void bind_value(schema::Statement& s, int i, double v) { s.bind(i, v); }
void bind_value(schema::Statement& s, int i, bool v) { s.bind(i, v ? 1 : 0); }
void bind_value(schema::Statement& s, int i, const std::string& v) { s.bind(i, v); }
void bind_value(schema::Statement& s, int i, const std::vector<int64_t>& v) { s.bind(i, json(v).dump()); }
template <typename T>
void bind_value(schema::Statement& s, int i, const std::optional<T>& v) {
    if (v)
        bind_value(s, i, *v);
    else
        s.bind_null(i);
}

void read_value(const schema::Statement& s, int c, int64_t& v) { v = s.int64(c); }
void read_value(const schema::Statement& s, int c, double& v) { v = s.real(c); }
void read_value(const schema::Statement& s, int c, bool& v) { v = s.int64(c) != 0; }
void read_value(const schema::Statement& s, int c, std::string& v) { v = s.text(c); }
void read_value(const schema::Statement& s, int c, std::vector<int64_t>& v) {
    v.clear();
    const json a = json::parse(s.text(c), nullptr, false);
    if (a.is_array())
        for (const json& x : a)
            if (x.is_number_integer()) v.push_back(x.get<int64_t>());
}
template <typename T>
void read_value(const schema::Statement& s, int c, std::optional<T>& v) {
    if (s.is_null(c)) {
        v.reset();
        return;
    }
    T value{};
    read_value(s, c, value);
    v = std::move(value);
}

// ---- one table ----------------------------------------------------------------------------

#define ALLOCPROF_COLUMN_NAME(type, column) ", " #column
#define ALLOCPROF_PLACEHOLDER(type, column) ", ?"
#define ALLOCPROF_BIND(type, column) bind_value(s, ++i, row.column);
#define ALLOCPROF_READ(type, column) read_value(s, c++, row.column);

// The INSERT of a table's row and the SELECT of its columns, from its column list.
#define ALLOCPROF_TABLE_IO(Record, table, COLUMNS, order)                                      \
    void insert_rows(schema::Database& db, int64_t run_id, const std::vector<Record>& rows) {  \
        auto s = db.prepare("INSERT INTO " table "(run_id" COLUMNS(ALLOCPROF_COLUMN_NAME)      \
                            ") VALUES (?" COLUMNS(ALLOCPROF_PLACEHOLDER) ")");                  \
        for (const Record& row : rows) {                                                       \
            int i = 0;                                                                         \
            s.bind(++i, run_id);                                                               \
            COLUMNS(ALLOCPROF_BIND)                                                            \
            s.run();                                                                           \
        }                                                                                      \
    }                                                                                          \
    /* With `window`, only the rows of that window. */                                        \
    void select_rows(schema::Database& db, int64_t run_id, std::vector<Record>& out,          \
                     const std::string* window = nullptr) {                                    \
        std::string columns = std::string(COLUMNS(ALLOCPROF_COLUMN_NAME)).substr(2);           \
        auto s = db.prepare("SELECT " + columns + " FROM " table " WHERE run_id = ?1" +        \
                            (window ? " AND window = ?2" : "") + " ORDER BY " order);          \
        s.bind(1, run_id);                                                                     \
        if (window) s.bind(2, *window);                                                        \
        while (s.step()) {                                                                     \
            Record row;                                                                        \
            int c = 0;                                                                         \
            COLUMNS(ALLOCPROF_READ)                                                            \
            out.push_back(std::move(row));                                                     \
        }                                                                                      \
    }

ALLOCPROF_TABLE_IO(AnalysisRecord, "analysis", ALLOCPROF_ANALYSIS_COLUMNS, "run_id")
ALLOCPROF_TABLE_IO(WindowRecord, "analysis_windows", ALLOCPROF_WINDOW_COLUMNS, "window <> '', begin_event, window")
ALLOCPROF_TABLE_IO(SiteRecord, "analysis_sites", ALLOCPROF_SITE_COLUMNS, "site_id")
ALLOCPROF_TABLE_IO(PlanRecord, "plan_items", ALLOCPROF_PLAN_COLUMNS, "item_index")
ALLOCPROF_TABLE_IO(GcRecord, "analysis_gc", ALLOCPROF_GC_COLUMNS, "window, language, generation")
ALLOCPROF_TABLE_IO(WindowSiteRecord, "analysis_window_sites", ALLOCPROF_WINDOW_SITE_COLUMNS, "window, site_id")
ALLOCPROF_TABLE_IO(PhaseArenaRecord, "analysis_phase_arenas", ALLOCPROF_PHASE_ARENA_COLUMNS, "rowid")
ALLOCPROF_TABLE_IO(LifetimeArenaRecord, "analysis_lifetime_arenas", ALLOCPROF_LIFETIME_ARENA_COLUMNS, "rowid")
ALLOCPROF_TABLE_IO(StackSliceRecord, "analysis_stack_slices", ALLOCPROF_STACK_SLICE_COLUMNS, "node_id, thread, phase")

#undef ALLOCPROF_TABLE_IO
#undef ALLOCPROF_READ
#undef ALLOCPROF_BIND
#undef ALLOCPROF_PLACEHOLDER
#undef ALLOCPROF_COLUMN_NAME

const char* const kAnalysisTables[] = {"analysis", "analysis_windows", "analysis_sites", "plan_items",
                                       "analysis_gc", "analysis_window_sites", "analysis_stack_slices",
                                       "analysis_phase_arenas", "analysis_lifetime_arenas"};

int64_t signed_count(uint64_t n) { return static_cast<int64_t>(n); }

WindowRecord window_record(const WindowMetrics& w) {
    WindowRecord r;
    auto temp = [&](size_t k) { return signed_count(k < w.temporary_k.size() ? w.temporary_k[k] : 0); };
    r.window = w.whole_run ? std::string() : w.name;
    r.occurrences = signed_count(w.occurrences);
    r.begin_event = signed_count(w.begin_event);
    r.end_event = signed_count(w.end_event);
    r.ops = signed_count(w.ops);
    r.per_run = w.per_run;
    r.ops_of_run = w.ops_of_run;
    r.allocations = signed_count(w.allocations);
    r.reallocs = signed_count(w.reallocs);
    r.frees = signed_count(w.frees);
    r.bytes_allocated = signed_count(w.bytes_allocated);
    r.allocs_per_op = w.allocs_per_op;
    r.bytes_per_op = w.bytes_per_op;
    r.collections = signed_count(w.collections);
    r.gen0_per_1k = w.gen0_per_1k;
    r.nursery_bytes = signed_count(w.nursery_bytes);
    r.gen0_star_per_1k = w.gen0_star_per_1k;
    r.survived_bytes = signed_count(w.survived_bytes);
    r.collected_bytes = signed_count(w.collected_bytes);
    r.survival_rate = w.survival_rate;
    r.dies_young = signed_count(w.dies_young);
    r.temporary_k0 = temp(0);
    r.temporary_k1 = temp(1);
    r.peak_live_bytes = signed_count(w.peak_live_bytes);
    r.peak_live_event = signed_count(w.peak_live_event);
    r.peak_live_blocks = signed_count(w.peak_live_blocks);
    if (w.has_unfreed) {
        r.unfreed_blocks = signed_count(w.unfreed_blocks);
        r.unfreed_bytes = signed_count(w.unfreed_bytes);
    }
    r.leak_slope = w.leak_slope;
    r.size_p50 = signed_count(w.sizes.p50);
    r.size_p90 = signed_count(w.sizes.p90);
    r.size_p99 = signed_count(w.sizes.p99);
    r.size_max = signed_count(w.sizes.max);
    return r;
}

SiteRecord site_record(const SiteMetrics& m, const SiteRank& rank) {
    SiteRecord r;
    r.site_id = schema::site_id(schema::SiteIndex(m.site)).value;
    r.allocs_per_op = m.allocs_per_op;
    r.bytes_per_op = m.bytes_per_op;
    r.nursery_bytes = signed_count(m.nursery_bytes);
    r.gen0_star_per_1k = m.gen0_star_per_1k;
    r.survival_rate = m.survival_rate;
    r.dies_young = signed_count(m.dies_young);
    r.freed_within_op = signed_count(m.freed_within_op);
    r.live_at_peak_bytes = signed_count(m.live_at_peak_bytes);
    r.live_at_peak_blocks = signed_count(m.live_at_peak_blocks);
    r.max_live_bytes = signed_count(m.max_live_bytes);
    r.unfreed_bytes = signed_count(m.unfreed_bytes);
    r.leak_slope = m.leak_slope;
    r.size_p50 = signed_count(m.sizes.p50);
    r.size_p90 = signed_count(m.sizes.p90);
    r.size_p99 = signed_count(m.sizes.p99);
    r.size_max = signed_count(m.sizes.max);
    r.sizes_exact = m.sizes_exact;
    r.lifetime = to_string(m.lifetime);
    r.chains = signed_count(m.chains.chains);
    r.inferred_chains = signed_count(m.chains.inferred_chains);
    if (m.chains.has_longest) {
        r.chain_pattern = to_string(m.chains.longest.pattern);
        r.chain_description = m.chains.longest.describe();
    }
    r.copied_bytes = signed_count(m.chains.copied_bytes);
    r.avoidable_bytes = signed_count(m.chains.avoidable_bytes);
    r.impact = rank.impact;
    r.impact_metric = rank.impact_metric;
    r.position = rank.position;
    r.tier = to_string(rank.tier);
    r.base_tier = to_string(rank.base_tier);
    r.rule = rank.rule;
    return r;
}

PlanRecord plan_record(const PlanItem& p, size_t index) {
    PlanRecord r;
    r.item_index = static_cast<int64_t>(index);
    r.priority = p.priority;
    r.saving_share = p.saving_share;
    r.site_id = schema::site_id(schema::SiteIndex(p.site)).value;
    r.phase = p.phase;
    r.kind = to_string(p.kind);
    r.risk = to_string(p.risk);
    r.tier = to_string(p.tier);
    r.change = p.change;
    r.evidence = p.evidence;
    nlohmann::json alternatives = nlohmann::json::array();
    for (const Alternative& alt : p.alternatives)
        alternatives.push_back({{"kind", to_string(alt.kind)}, {"change", alt.change}});
    r.alternatives = alternatives.dump();
    for (uint32_t site : p.also_sites) r.also_sites.push_back(schema::site_id(schema::SiteIndex(site)).value);
    for (uint64_t size : p.tier_sizes) r.tier_sizes.push_back(signed_count(size));
    r.saving_allocs_per_op = p.saving.allocs_per_op;
    r.saving_bytes_per_op = p.saving.bytes_per_op;
    r.saving_gen0_star_1k = p.saving.gen0_star_per_1k;
    if (p.saving.simulated) r.saving_gen0_1k = p.saving.gen0_per_1k;
    r.saving_peak_bytes = signed_count(p.saving.peak_bytes);
    r.cumulative_allocs_per_op = p.cumulative.allocs_per_op;
    r.cumulative_bytes_per_op = p.cumulative.bytes_per_op;
    r.cumulative_gen0_star_1k = p.cumulative.gen0_star_per_1k;
    return r;
}

}  // namespace

StoredAnalysis stored_form(const RunAnalysis& a, AnalysisRecord header, std::vector<GcRecord> gc) {
    StoredAnalysis out;
    out.analysis = std::move(header);
    out.analysis.params = params_to_json(a.params).dump();
    out.analysis.ops = signed_count(a.metrics.run.ops);
    out.analysis.unmatched_frees = signed_count(a.metrics.unmatched_frees);
    out.analysis.negligible_items = a.plan.negligible_items;
    out.windows.push_back(window_record(a.metrics.run));
    for (const WindowMetrics& phase : a.metrics.phases) {
        out.windows.push_back(window_record(phase));
        for (const SiteWindowCounts& c : phase.sites)
            out.window_sites.push_back({phase.name, schema::site_id(schema::SiteIndex(c.site)).value,
                                        signed_count(c.allocations), signed_count(c.bytes_allocated),
                                        signed_count(c.nursery_bytes)});
    }
    std::sort(out.window_sites.begin(), out.window_sites.end(), [](const WindowSiteRecord& x, const WindowSiteRecord& y) {
        return std::tie(x.window, x.site_id) < std::tie(y.window, y.site_id);
    });
    std::vector<const SiteRank*> rank_of(a.metrics.sites.size(), nullptr);
    for (const SiteRank& r : a.ranks)
        if (r.site < rank_of.size()) rank_of[r.site] = &r;
    for (const SiteMetrics& m : a.metrics.sites)
        if (const SiteRank* r = rank_of[m.site]) out.sites.push_back(site_record(m, *r));
    for (size_t i = 0; i < a.plan.items.size(); ++i) out.plan.push_back(plan_record(a.plan.items[i], i));
    for (const StackSlice& s : a.slices.slices)
        out.stack_slices.push_back({s.node, s.thread, s.phase, signed_count(s.allocations), signed_count(s.bytes),
                                    signed_count(s.live_at_peak_bytes), signed_count(s.live_end_bytes),
                                    signed_count(s.temporary_k0)});
    out.analysis.stack_slices = signed_count(out.stack_slices.size());
    for (const PhaseArena& p : a.arenas.phases) {
        PhaseArenaRecord r;
        r.window = p.name;
        r.occurrences = signed_count(p.high_water.size());
        r.sites = p.sites;
        r.high_water_p50 = signed_count(p.p50);
        r.high_water_p99 = signed_count(p.p99);
        r.high_water_max = signed_count(p.max);
        for (uint64_t v : p.high_water) r.high_water.push_back(signed_count(v));
        out.phase_arenas.push_back(std::move(r));
    }
    for (const LifetimeArena& l : a.arenas.lifetimes)
        out.lifetime_arenas.push_back({to_string(l.lifetime), l.sites, signed_count(l.allocations), signed_count(l.bytes),
                                       signed_count(l.high_water_bytes), signed_count(l.high_water_blocks)});
    out.gc = std::move(gc);
    return out;
}

std::vector<GcRecord> gc_records(schema::Database& db, int64_t run_id, const RunMetrics& metrics) {
    std::vector<GcRecord> out;
    auto count = db.prepare(
        "SELECT g.language, g.generation, count(*) FROM gc_cycles g LEFT JOIN phases p ON "
        "p.run_id = g.run_id AND p.phase_id = g.phase_id WHERE g.run_id = ? AND (? = 1 OR "
        "p.name = ?) GROUP BY g.language, g.generation ORDER BY g.language, g.generation");
    auto add = [&](const WindowMetrics& w) {
        const std::string window = w.whole_run ? std::string() : w.name;
        count.bind_all(run_id, w.whole_run ? 1 : 0, window);
        while (count.step()) {
            const int64_t cycles = count.int64(2);
            const double per_1k = w.ops > 0 ? 1000.0 * static_cast<double>(cycles) / static_cast<double>(w.ops)
                                            : static_cast<double>(cycles);
            out.push_back({window, count.text(0), count.int64(1), cycles, per_1k});
        }
        count.reset();
    };
    add(metrics.run);
    for (const WindowMetrics& phase : metrics.phases) add(phase);
    return out;
}

void write_analysis(schema::Database& db, int64_t run_id, const StoredAnalysis& stored) {
    schema::Transaction t(db);
    for (const char* table : kAnalysisTables) {
        auto del = db.prepare(std::string("DELETE FROM ") + table + " WHERE run_id = ?");
        del.bind(1, run_id).run();
    }
    insert_rows(db, run_id, {stored.analysis});
    insert_rows(db, run_id, stored.windows);
    insert_rows(db, run_id, stored.sites);
    insert_rows(db, run_id, stored.plan);
    insert_rows(db, run_id, stored.gc);
    insert_rows(db, run_id, stored.window_sites);
    insert_rows(db, run_id, stored.stack_slices);
    insert_rows(db, run_id, stored.phase_arenas);
    insert_rows(db, run_id, stored.lifetime_arenas);
    t.commit();
}

bool has_analysis(schema::Database& db, int64_t run_id) { return read_analysis_record(db, run_id).has_value(); }

StoredAnalysis read_analysis(schema::Database& db, int64_t run_id) {
    StoredAnalysis out;
    std::optional<AnalysisRecord> header = read_analysis_record(db, run_id);
    if (!header) throw schema::DatabaseError(db.path() + ": run " + std::to_string(run_id) + " has no analysis");
    out.analysis = std::move(*header);
    select_rows(db, run_id, out.windows);
    if (out.windows.empty() || !out.windows.front().window.empty())
        throw schema::DatabaseError(db.path() + ": run " + std::to_string(run_id) +
                                    " has an analysis without its whole-run window: run allocprof analyze again");
    select_rows(db, run_id, out.sites);
    select_rows(db, run_id, out.plan);
    if (db.has_table("analysis_gc")) select_rows(db, run_id, out.gc);
    if (db.has_table("analysis_window_sites")) select_rows(db, run_id, out.window_sites);
    if (db.has_table("analysis_phase_arenas")) select_rows(db, run_id, out.phase_arenas);
    if (db.has_table("analysis_lifetime_arenas")) select_rows(db, run_id, out.lifetime_arenas);
    return out;
}

std::vector<StackSliceRecord> read_stack_slices(schema::Database& db, int64_t run_id) {
    std::vector<StackSliceRecord> out;
    if (db.has_table("analysis_stack_slices")) select_rows(db, run_id, out);
    return out;
}

std::optional<AnalysisRecord> read_analysis_record(schema::Database& db, int64_t run_id) {
    std::vector<AnalysisRecord> rows;
    if (!db.has_table("analysis")) return std::nullopt;
    // An analysis stored by an earlier allocprof lacks the columns added since.
    if (db.lacks_added_columns("analysis") || db.lacks_added_columns("plan_items") ||
        db.lacks_added_columns("analysis_windows"))
        throw schema::DatabaseError(db.path() + ": run " + std::to_string(run_id) +
                                    " was analysed by an earlier allocprof: run `allocprof analyze " + db.path() +
                                    "` again");
    select_rows(db, run_id, rows);
    if (rows.empty()) return std::nullopt;
    return rows.front();
}

std::optional<WindowRecord> read_window(schema::Database& db, int64_t run_id, const std::string& window) {
    std::vector<WindowRecord> rows;
    if (!db.has_table("analysis_windows")) return std::nullopt;
    select_rows(db, run_id, rows, &window);
    if (rows.empty()) return std::nullopt;
    return rows.front();
}

}  // namespace allocprof::analyzers
