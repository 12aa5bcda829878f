// run_metrics.h — the numbers of one analyzed run: per window (the whole run and each
// phase) and per site, as docs/definitions.md defines them. Plain data, filled by
// EventAnalyzer, read by the ranker, the planner and the writers.
//
// Per-op values divide by the window's ops. A phase in which no op was counted divides by
// the run's ops (`ops_of_run`), when the run counted any: its per-op figures are what the
// phase costs per op of the run. A window without ops at all has `per_run` set: its per-op
// values are per run (divided by 1) and its "per 1k ops" ones per run too (not 1000 x the
// count); reports must say so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analyzers/lifetime_classifier.h"
#include "analyzers/realloc_chains.h"
#include "analyzers/size_sketch.h"
#include "analyzers/source/source_construct.h"

namespace allocprof::analyzers {

// A count per 1000 ops of a window with `ops` ops, or per run when it has none (`per_run`):
// never 1000 x the count.
inline double per_1k_ops(double count, bool per_run, uint64_t ops) {
    return per_run ? count : 1000.0 * count / static_cast<double>(ops);
}

// One site's allocations in one phase window (the whole run has them in SiteMetrics).
struct SiteWindowCounts {
    uint32_t site = 0;
    uint64_t allocations = 0;    // DHAT rule, as WindowMetrics::allocations
    uint64_t bytes_allocated = 0;
    uint64_t nursery_bytes = 0;  // bytes of allocations below L
};

struct WindowMetrics {
    std::string name;            // "run" for the whole run, else the phase name
    bool whole_run = false;
    uint64_t occurrences = 0;    // phases of this name (1 for the whole run)
    uint64_t begin_event = 0;    // first event of the first occurrence
    uint64_t end_event = 0;      // one past the last event of the last occurrence

    uint64_t ops = 0;            // whole run: --ops N if given, else the sum of Ops events
    bool ops_of_run = false;     // a phase without ops of its own: `ops` are the run's
    bool per_run = false;        // ops == 0: per-op values below are per run
    uint64_t allocations = 0;    // DHAT rule: a realloc is one allocation
    uint64_t reallocs = 0;
    uint64_t frees = 0;          // frees and the blocks reallocs released
    uint64_t bytes_allocated = 0;
    double allocs_per_op = 0;
    double bytes_per_op = 0;

    uint64_t collections = 0;    // simulated Gen0 collections triggered in the window
    double gen0_per_1k = 0;      // 1000 * collections / ops (per run: collections)
    uint64_t nursery_bytes = 0;  // bytes of allocations below L
    double gen0_star_per_1k = 0; // 1000 * nursery_bytes / (ops * B0) (per run: nursery_bytes / B0)
    uint64_t survived_bytes = 0;
    uint64_t collected_bytes = 0;
    std::optional<double> survival_rate;  // survived / collected; none without a collection

    uint64_t dies_young = 0;     // by birth window
    std::vector<uint64_t> temporary_k;  // one per AnalysisParams::temporary_k value

    uint64_t peak_live_bytes = 0;  // largest process-wide live bytes while the window was open
    uint64_t peak_live_event = 0;  // event index where it was first reached
    uint64_t peak_live_blocks = 0; // blocks live then (process-wide)

    bool has_unfreed = false;    // only the whole run
    uint64_t unfreed_blocks = 0;
    uint64_t unfreed_bytes = 0;

    std::optional<double> leak_slope;  // bytes per op (leak_slope.h); none without 2 samples
    uint64_t slope_samples = 0;

    // Phases only: the sites that allocated in the window, by site (what a scenario's
    // measured phase makes of each site, without its start-up).
    std::vector<SiteWindowCounts> sites;

    SizeQuantiles sizes;
};

struct SiteMetrics {
    uint32_t site = 0;
    // The module of the runtime (libc, the dynamic loader, libstdc++, libgcc) when the
    // site's code is the runtime's own, else empty (runtime_sites.h). Runtime sites are
    // ranked apart and get no plan item.
    std::string runtime_module;
    // For a site of the interpreter's start-up (runtime_sites.h): the start-up function every
    // one of its stacks passes through; runtime_module is then the site's own module.
    std::string startup_function;
    // The module and function of the site's frame ("" when unknown): the plan gives one item
    // to the lines of one function that call for the same change.
    std::string function;
    // The user's suppression rule that matched the site ("FILE:LINE (key:pattern)"), or "":
    // a suppressed site is ranked apart, in tier "suppressed", like a runtime site.
    std::string suppressed_by;
    // Native code without a name (module+0xoffset, no file): what would name it and, in a
    // run with script frames, the script lines that feed it (unnamed_native.h). Such a site
    // gets no C++ change, only an item that says how to name it.
    std::string unnamed_hint;
    std::string freed_at_end_of;  // the phase whose end frees most of its phase-end frees, or ""
    source::SourceConstruct construct;  // what the source says allocates here (analyzers/source/);
                                        // kind "unknown" without source analysis

    uint64_t allocations = 0;
    uint64_t reallocs = 0;
    uint64_t frees = 0;
    uint64_t bytes_allocated = 0;
    double allocs_per_op = 0;    // over the whole run's ops (per run if none)
    double bytes_per_op = 0;
    uint64_t nursery_bytes = 0;
    double gen0_star_per_1k = 0;  // additive: the sites' values sum to the run's
    uint64_t survived_bytes = 0;
    uint64_t collected_bytes = 0;
    std::optional<double> survival_rate;

    uint64_t dies_young = 0;
    std::vector<uint64_t> temporary_k;
    uint64_t freed_within_op = 0;  // freed before the next Ops event after their birth

    uint64_t live_at_peak_bytes = 0;  // live at the global t-gmax
    uint64_t live_at_peak_blocks = 0; // its blocks then
    uint64_t max_live_bytes = 0;      // the site's own maximum
    uint64_t unfreed_blocks = 0;
    uint64_t unfreed_bytes = 0;
    std::optional<double> leak_slope;

    SizeQuantiles sizes;
    bool sizes_exact = true;
    uint32_t few_sizes = 0;   // sizes covering PlannerParams::few_sizes_coverage, 0 if more than few
    std::vector<std::pair<uint64_t, uint64_t>> top_sizes;  // (size, count), most frequent first

    LifetimeCounts lifetime_counts;
    LifetimeClass lifetime = LifetimeClass::Mixed;
    ChainSummary chains;
};

// The runtime's own sites and the user's suppressed ones: outside the tiers, the plan and
// the whole run's unfreed totals.
inline bool outside_tiers(const SiteMetrics& s) { return !s.runtime_module.empty() || !s.suppressed_by.empty(); }

struct RunMetrics {
    uint64_t events = 0;
    uint64_t ops_from_events = 0;  // sum of Ops events
    bool ops_from_command_line = false;
    uint64_t unmatched_frees = 0;  // frees of blocks not live (a damaged stream; normally 0)
    WindowMetrics run;
    std::vector<WindowMetrics> phases;  // by name, in order of first appearance
    std::vector<SiteMetrics> sites;     // index = site
};

}  // namespace allocprof::analyzers
