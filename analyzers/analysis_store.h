// analysis_store.h — the stored form of a run's analysis: one plain struct per table
// (analysis, analysis_windows, analysis_sites, plan_items, analysis_gc), written by
// `allocprof analyze` and read back by the reports and by compare, so that every reader
// sees the same numbers. The tables are documented in schema/allocprof_v2.sql.
//
// Each table's columns are listed once, in an X-macro below: the list declares the
// struct's fields and makes the INSERT that writes a row and the SELECT that reads it back,
// so a column cannot be added to one side and forgotten on the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/measured_window.h"
#include "analyzers/run_analyzer.h"
#include "schema/run_database.h"

namespace allocprof::analyzers {

// X(type, column): the columns of each table after run_id, in table order.

#define ALLOCPROF_ANALYSIS_COLUMNS(X)                                                          \
    X(int64_t, analyzed_unix_ns)                                                               \
    X(std::string, tool_version)                                                               \
    X(std::string, params)      /* JSON */                                                     \
    X(std::string, site_config) /* JSON */                                                     \
    X(int64_t, ops)                                                                            \
    X(std::string, ops_source)                                                                 \
    X(int64_t, unmatched_frees)                                                                \
    X(int64_t, negligible_items)                                                               \
    X(int64_t, stack_slices)                                                                   \
    X(double, seconds)

#define ALLOCPROF_WINDOW_COLUMNS(X)                                                            \
    X(std::string, window)                                                                     \
    X(int64_t, occurrences)                                                                    \
    X(int64_t, begin_event)                                                                    \
    X(int64_t, end_event)                                                                      \
    X(int64_t, ops)                                                                            \
    X(bool, per_run)                                                                           \
    X(int64_t, allocations)                                                                    \
    X(int64_t, reallocs)                                                                       \
    X(int64_t, frees)                                                                          \
    X(int64_t, bytes_allocated)                                                                \
    X(double, allocs_per_op)                                                                   \
    X(double, bytes_per_op)                                                                    \
    X(int64_t, collections)                                                                    \
    X(double, gen0_per_1k)                                                                     \
    X(int64_t, nursery_bytes)                                                                  \
    X(double, gen0_star_per_1k)                                                                \
    X(int64_t, survived_bytes)                                                                 \
    X(int64_t, collected_bytes)                                                                \
    X(std::optional<double>, survival_rate)                                                    \
    X(int64_t, dies_young)                                                                     \
    X(int64_t, temporary_k0)                                                                   \
    X(int64_t, temporary_k1)                                                                   \
    X(int64_t, peak_live_bytes)                                                                \
    X(int64_t, peak_live_event)                                                                \
    X(std::optional<int64_t>, unfreed_blocks)                                                  \
    X(std::optional<int64_t>, unfreed_bytes)                                                   \
    X(std::optional<double>, leak_slope)                                                       \
    X(int64_t, size_p50)                                                                       \
    X(int64_t, size_p90)                                                                       \
    X(int64_t, size_p99)                                                                       \
    X(int64_t, size_max)                                                                       \
    X(bool, ops_of_run)                                                                        \
    X(int64_t, peak_live_blocks)

#define ALLOCPROF_SITE_COLUMNS(X)                                                              \
    X(int64_t, site_id)                                                                        \
    X(double, allocs_per_op)                                                                   \
    X(double, bytes_per_op)                                                                    \
    X(int64_t, nursery_bytes)                                                                  \
    X(double, gen0_star_per_1k)                                                                \
    X(std::optional<double>, survival_rate)                                                    \
    X(int64_t, dies_young)                                                                     \
    X(int64_t, freed_within_op)                                                                \
    X(int64_t, live_at_peak_bytes)                                                             \
    X(int64_t, max_live_bytes)                                                                 \
    X(int64_t, unfreed_bytes)                                                                  \
    X(std::optional<double>, leak_slope)                                                       \
    X(int64_t, size_p50)                                                                       \
    X(int64_t, size_p90)                                                                       \
    X(int64_t, size_p99)                                                                       \
    X(int64_t, size_max)                                                                       \
    X(bool, sizes_exact)                                                                       \
    X(std::string, lifetime)                                                                   \
    X(int64_t, chains)                                                                         \
    X(int64_t, inferred_chains)                                                                \
    X(std::optional<std::string>, chain_pattern)                                               \
    X(std::optional<std::string>, chain_description)                                           \
    X(int64_t, copied_bytes)                                                                   \
    X(int64_t, avoidable_bytes)                                                                \
    X(double, impact)                                                                          \
    X(std::string, impact_metric)                                                              \
    X(int64_t, position)                                                                       \
    X(std::string, tier)                                                                       \
    X(std::string, base_tier)                                                                  \
    X(std::string, rule)                                                                       \
    X(int64_t, live_at_peak_blocks)

#define ALLOCPROF_PLAN_COLUMNS(X)                                                              \
    X(int64_t, item_index)                                                                     \
    X(std::string, priority)                                                                   \
    X(double, saving_share)                                                                    \
    X(int64_t, site_id)                                                                        \
    X(int64_t, phase)                                                                          \
    X(std::string, kind)                                                                       \
    X(std::string, risk)                                                                       \
    X(std::string, tier)                                                                       \
    X(std::string, change)                                                                     \
    X(std::string, evidence)                                                                   \
    X(std::string, alternatives) /* JSON */                                                    \
    X(std::vector<int64_t>, also_sites) /* stored as a JSON array of site ids */               \
    X(std::vector<int64_t>, tier_sizes) /* stored as a JSON array */                          \
    X(double, saving_allocs_per_op)                                                            \
    X(double, saving_bytes_per_op)                                                             \
    X(double, saving_gen0_star_1k)                                                             \
    X(std::optional<double>, saving_gen0_1k)                                                   \
    X(int64_t, saving_peak_bytes)                                                              \
    X(double, cumulative_allocs_per_op)                                                        \
    X(double, cumulative_bytes_per_op)                                                         \
    X(double, cumulative_gen0_star_1k)

#define ALLOCPROF_WINDOW_SITE_COLUMNS(X)                                                       \
    X(std::string, window)                                                                     \
    X(int64_t, site_id)                                                                        \
    X(int64_t, allocations)                                                                    \
    X(int64_t, bytes_allocated)                                                                \
    X(int64_t, nursery_bytes)

#define ALLOCPROF_PHASE_ARENA_COLUMNS(X)                                                       \
    X(std::string, window)                                                                     \
    X(int64_t, occurrences)                                                                    \
    X(int64_t, sites)                                                                          \
    X(int64_t, high_water_p50)                                                                 \
    X(int64_t, high_water_p99)                                                                 \
    X(int64_t, high_water_max)                                                                 \
    X(std::vector<int64_t>, high_water) /* stored as a JSON array, one per occurrence */

#define ALLOCPROF_LIFETIME_ARENA_COLUMNS(X)                                                    \
    X(std::string, lifetime)                                                                   \
    X(int64_t, sites)                                                                          \
    X(int64_t, allocations)                                                                    \
    X(int64_t, bytes_allocated)                                                                \
    X(int64_t, high_water_bytes)                                                               \
    X(int64_t, high_water_blocks)

#define ALLOCPROF_STACK_SLICE_COLUMNS(X)                                                       \
    X(int64_t, node_id)                                                                        \
    X(int64_t, thread)                                                                         \
    X(std::string, phase)                                                                      \
    X(int64_t, allocations)                                                                    \
    X(int64_t, bytes_allocated)                                                                \
    X(int64_t, live_at_peak_bytes)                                                             \
    X(int64_t, live_end_bytes)                                                                 \
    X(int64_t, temporary_k0)

#define ALLOCPROF_GC_COLUMNS(X)                                                                \
    X(std::string, window)                                                                     \
    X(std::string, language)                                                                   \
    X(int64_t, generation)                                                                     \
    X(int64_t, cycles)                                                                         \
    X(double, per_1k_ops)

#define ALLOCPROF_DECLARE_FIELD(type, column) type column{};

// analysis: one row per analysed run.
struct AnalysisRecord {
    ALLOCPROF_ANALYSIS_COLUMNS(ALLOCPROF_DECLARE_FIELD)
    bool operator==(const AnalysisRecord&) const = default;
};
// analysis_windows: the whole run (window "") and each phase name.
struct WindowRecord {
    ALLOCPROF_WINDOW_COLUMNS(ALLOCPROF_DECLARE_FIELD)
    bool operator==(const WindowRecord&) const = default;
};
// analysis_sites: per site (site_id as in sites).
struct SiteRecord {
    ALLOCPROF_SITE_COLUMNS(ALLOCPROF_DECLARE_FIELD)
    bool operator==(const SiteRecord&) const = default;
};
// plan_items: the phased remediation plan, in plan order.
struct PlanRecord {
    ALLOCPROF_PLAN_COLUMNS(ALLOCPROF_DECLARE_FIELD)
    bool operator==(const PlanRecord&) const = default;
};
// analysis_window_sites: per phase window, what each site allocated in it.
struct WindowSiteRecord {
    ALLOCPROF_WINDOW_SITE_COLUMNS(ALLOCPROF_DECLARE_FIELD)
    bool operator==(const WindowSiteRecord&) const = default;
};
// analysis_phase_arenas: per phase name, its phase-scoped sites' arena (arena_sizes.h).
struct PhaseArenaRecord {
    ALLOCPROF_PHASE_ARENA_COLUMNS(ALLOCPROF_DECLARE_FIELD)
    bool operator==(const PhaseArenaRecord&) const = default;
};
// analysis_lifetime_arenas: per lifetime class, its sites together (arena_sizes.h).
struct LifetimeArenaRecord {
    ALLOCPROF_LIFETIME_ARENA_COLUMNS(ALLOCPROF_DECLARE_FIELD)
    bool operator==(const LifetimeArenaRecord&) const = default;
};
// analysis_stack_slices: per allocating stack, thread and phase (stack_slices.h).
struct StackSliceRecord {
    ALLOCPROF_STACK_SLICE_COLUMNS(ALLOCPROF_DECLARE_FIELD)
    bool operator==(const StackSliceRecord&) const = default;
};
// analysis_gc: the interpreter's real collections per window, language and generation.
struct GcRecord {
    ALLOCPROF_GC_COLUMNS(ALLOCPROF_DECLARE_FIELD)
    bool operator==(const GcRecord&) const = default;
};

#undef ALLOCPROF_DECLARE_FIELD

// Everything `analyze` stores for one run.
struct StoredAnalysis {
    AnalysisRecord analysis;
    std::vector<WindowRecord> windows;  // the whole run first, then phases by first event
    std::vector<SiteRecord> sites;      // by site_id
    std::vector<PlanRecord> plan;       // by item_index
    std::vector<GcRecord> gc;           // by window, language, generation
    std::vector<WindowSiteRecord> window_sites;  // by window, site_id
    std::vector<PhaseArenaRecord> phase_arenas;        // phases in order of first occurrence
    std::vector<LifetimeArenaRecord> lifetime_arenas;  // by lifetime class
    std::vector<StackSliceRecord> stack_slices;  // by node_id, thread, phase; written, but
                                                 // read only by read_stack_slices (the flame graph)
    bool operator==(const StoredAnalysis&) const = default;
};

// The rows of one analysis, from what the analyzers computed. `gc` comes from the run's
// gc_cycles (gc_records); the analysis row's clock, version, config and timing from the
// caller.
StoredAnalysis stored_form(const RunAnalysis& analysis, AnalysisRecord header, std::vector<GcRecord> gc);

// The interpreter's collections per window of `metrics` (from gc_cycles and phases), per
// 1000 ops of the window (per run when it counted none).
std::vector<GcRecord> gc_records(schema::Database& db, int64_t run_id, const RunMetrics& metrics);

// Replaces the run's analysis rows with `stored`, in one transaction.
void write_analysis(schema::Database& db, int64_t run_id, const StoredAnalysis& stored);

// Whether the run has an analysis (false when the tables are missing).
bool has_analysis(schema::Database& db, int64_t run_id);

// The run's analysis rows, all but its stack slices. Throws schema::DatabaseError naming
// the file when the run has none or the rows are damaged (no whole-run window).
StoredAnalysis read_analysis(schema::Database& db, int64_t run_id);
// The run's analysis_stack_slices rows (none when the split said nothing more than
// stack_stats; analysis.stack_slices tells that from an analysis that predates them).
std::vector<StackSliceRecord> read_stack_slices(schema::Database& db, int64_t run_id);
// The run's analysis row alone; nullopt when it has none.
std::optional<AnalysisRecord> read_analysis_record(schema::Database& db, int64_t run_id);
// One window of a run's analysis ("" = the whole run); nullopt when there is none.
std::optional<WindowRecord> read_window(schema::Database& db, int64_t run_id, const std::string& window);

}  // namespace allocprof::analyzers
