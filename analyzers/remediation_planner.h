// remediation_planner.h — the phased remediation plan (docs/definitions.md, "The plan").
//
// Each kind has a trigger on the site's metrics (thresholds in PlannerParams):
//   reserve      the site has realloc chains or inferred growth chains              low
//   hoist        >= 90 % of allocations freed inside the op that made them (needs Ops
//                events), 0.5 to 4 allocations per op: a buffer made per op         low
//   static       process-lifetime, one or few sizes, no positive leak slope         low
//   pool         >= 50 % die young, >= 1 allocation per op, one or few sizes
//                (<= 4 sizes cover 90 %), and not already a hoist                   medium
//   size tiers   >= 90 % die young or are freed inside their op, sizes vary (not
//                few) and are not the steps of growth chains (chain links <= 50 %
//                of allocations): pre-allocate per frame in tiers p50/p90/p99
//                rounded up to powers of two                                        medium
//   closure      source construct "closure" or "std_function"                       medium
//   string       source construct "string_concat"                                   medium
//                (low inside a loop)
//   arena        lifetime phase-scoped                                              high
//   fix leak     positive leak slope with bytes live at the end                     high
//   reduce peak  >= 25 % of the bytes live at t-gmax                                high
// The source construct at the site (SiteMetrics::construct, analyzers/source/) refines the
// kinds, their risk and their wording: source_remediation.h has the rules.
// (The planner's own risk for size tiers: medium, a lifetime change of per-call buffers
// into per-frame storage; the definitions name no risk for it.)
// Phase 2 = critical or high tier with a low-risk kind; phase 3 = medium risk or medium
// tier; phase 4 = the rest. Items are ordered by phase, then the site's impact position,
// then kind. Priorities ("P1.3": P1 = phase 2, P2 = phase 3, P3 = phase 4) number the
// items of a phase by the largest share of the run's allocs/op, B/op and Gen0* their saving
// removes (the impact rule applied to savings), ties in plan order.
// Expected saving of an item = the site taken out of the run: its allocs/op, B/op and
// Gen0*/1k (additive, subtracted), and the simulated Gen0/1k difference from re-running
// the nursery without the site (site_exclusion.h, for the first `max_simulated_sites`
// sites of the plan; the others say `simulated` = false). Items of one site share the
// site's saving: they are alternatives, not to be summed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analyzers/analysis_params.h"
#include "analyzers/run_metrics.h"
#include "analyzers/site_ranker.h"

namespace allocprof::analyzers {

enum class RemediationKind : uint8_t {
    Reserve = 0,
    Hoist = 1,
    StaticOrCached = 2,
    Pool = 3,
    SizeTiers = 4,
    Closure = 5,
    StringBuilder = 6,
    Arena = 7,
    FixLeak = 8,
    ReducePeak = 9,
};
enum class Risk : uint8_t { Low = 0, Medium = 1, High = 2 };

const char* to_string(RemediationKind kind);
const char* to_string(Risk risk);
Risk risk_of(RemediationKind kind);

struct Saving {
    double allocs_per_op = 0;
    double bytes_per_op = 0;
    double gen0_star_per_1k = 0;
    double gen0_per_1k = 0;      // simulated collections removed per 1000 ops
    bool simulated = false;      // gen0_per_1k was computed (site re-simulated)
};

struct PlanItem {
    uint32_t site = 0;
    RemediationKind kind = RemediationKind::Reserve;
    Risk risk = Risk::Low;
    Tier tier = Tier::Low;
    int phase = 4;               // 2, 3 or 4
    uint32_t site_position = 0;  // impact order of the site
    std::string change;          // what to do, in words
    std::string evidence;        // what triggered it, with the numbers
    std::vector<uint64_t> tier_sizes;  // size tiers only: bytes to pre-allocate per tier
    Saving saving;
    double saving_share = 0;     // the largest share of the run's allocs/op, B/op, Gen0* saved
    std::string priority;        // "P1.1", ...
};

struct RemediationPlan {
    std::vector<PlanItem> items;
};

// Kinds triggered for one site (pure; exposed for tests). `has_ops_events`: the run
// counted ops with markers (needed to say "inside one op").
std::vector<RemediationKind> triggered_kinds(const SiteMetrics& site, const WindowMetrics& run,
                                             bool has_ops_events, const AnalysisParams& params);

// The plan with additive savings; simulated savings are filled by apply_simulation().
RemediationPlan plan_remediations(const RunMetrics& metrics, const std::vector<SiteRank>& ranks,
                                  const AnalysisParams& params);
// Numbers the items of each phase by their saving's share of the run (see above).
void assign_priorities(RemediationPlan& plan, const WindowMetrics& run);
// Sites to take out of the simulation: the plan's distinct sites in plan order, at most `max`.
std::vector<uint32_t> sites_to_simulate(const RemediationPlan& plan, uint32_t max);
// Fills the simulated Gen0/1k savings: `collections_without[i]` is the run's collection
// count without `sites[i]`.
void apply_simulation(RemediationPlan& plan, const RunMetrics& metrics, const std::vector<uint32_t>& sites,
                      const std::vector<uint64_t>& collections_without);

// Power-of-two tier sizes from quantiles: p50, p90, p99 each rounded up, deduplicated.
std::vector<uint64_t> tier_sizes(const SizeQuantiles& quantiles);

}  // namespace allocprof::analyzers
