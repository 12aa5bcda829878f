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
//   fix growth   the site's live bytes grow with ops: a positive leak slope that over
//                the run's ops adds up to at least half of the site's own maximum
//                (whether or not the blocks are freed at teardown)                  high
//   reduce peak  >= 25 % of the bytes live at t-gmax                                high
//   name code    the site is unnamed native code (SiteMetrics::unnamed_hint): whatever its
//                blocks show, the only item is how to name it, with the script lines that
//                feed it; it saves nothing itself and is never negligible               low
// Tightened so the advice can apply: static only for blocks that do not grow in number
// (never with fix growth); runtime sites (SiteMetrics::runtime_module) get no item.
// The source construct at the site (SiteMetrics::construct, analyzers/source/) refines the
// kinds, their risk and their wording: source_remediation.h has the rules.
// (The planner's own risk for size tiers: medium, a lifetime change of per-call buffers
// into per-frame storage; the definitions name no risk for it.)
// One item per target: of the kinds a site triggers, the best-supported one is the item's
// change (kPrimaryOrder in remediation_planner.cpp: what the source or the stack names
// first, then growth, then reserve where the growth chains are most of the site's
// allocations, then hoist, arena, pool, size tiers, static, a weak reserve, reduce peak);
// the others are listed in the item as alternatives, with no saving of their own. Sites of
// one function (SiteMetrics::function) whose items would have the same change are one item:
// the best-ranked site's, with the others in `also_sites` and their savings added.
// Phase 2 = critical or high tier with a low-risk kind; phase 3 = medium risk or medium
// tier; phase 4 = the rest. Within a phase, items are ordered by the largest share of the
// run's allocs/op, B/op, Gen0* and peak bytes their saving removes (ties: impact position),
// and numbered in that order: "P1.3" (P1 = phase 2, P2 = phase 3, P3 = phase 4).
// Expected saving, by kind: a kind that replaces the site's allocations (hoist, static,
// pool, size tiers, closure, string builder, arena) saves the site's allocs/op, B/op and
// Gen0*/1k; reserve saves its chains' links and avoidable bytes (Gen0* in proportion);
// fix growth and reduce peak save no allocation but the site's bytes live at the peak.
// The simulated Gen0/1k saving is marginal: the nursery is re-run with the sites of every
// earlier allocation-removing item already taken out (site_exclusion.h), for the first
// `max_simulated_sites` of them. Sites are distinct, so the savings add up: the cumulative
// saving after each item never exceeds the run's totals.
// Negligible items — a saving under `negligible_share` (0.5 %) of every metric — are
// counted in RemediationPlan::negligible_items, not listed.
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
    FixLeak = 8,  // "fix growth"; stored as 'fix_leak'
    ReducePeak = 9,
    NameCode = 10,  // unnamed native code: name it first (debug symbols), no change proposed
};
enum class Risk : uint8_t { Low = 0, Medium = 1, High = 2 };

const char* to_string(RemediationKind kind);
const char* to_string(Risk risk);
Risk risk_of(RemediationKind kind);

struct Saving {
    double allocs_per_op = 0;
    double bytes_per_op = 0;
    double gen0_star_per_1k = 0;
    double gen0_per_1k = 0;      // simulated collections removed per 1000 ops (marginal)
    bool simulated = false;      // gen0_per_1k was computed (site re-simulated)
    uint64_t peak_bytes = 0;     // bytes live at t-gmax removed (fix growth, reduce peak)
};

// A change the site also triggered, listed inside the item: an alternative to its change.
struct Alternative {
    RemediationKind kind = RemediationKind::Reserve;
    std::string change;
    bool operator==(const Alternative&) const = default;
};

struct PlanItem {
    uint32_t site = 0;
    std::vector<uint32_t> also_sites;  // other sites of the same function with the same change
    RemediationKind kind = RemediationKind::Reserve;
    Risk risk = Risk::Low;
    Tier tier = Tier::Low;
    int phase = 4;               // 2, 3 or 4
    uint32_t site_position = 0;  // impact order of the site
    std::string change;          // what to do, in words
    std::string evidence;        // what triggered it, with the numbers
    std::vector<uint64_t> tier_sizes;  // size tiers only: bytes to pre-allocate per tier
    std::vector<Alternative> alternatives;  // the site's other triggered kinds
    Saving saving;
    double saving_share = 0;     // the largest share of the run's allocs/op, B/op, Gen0*, peak saved
    double order_share = 0;      // what orders it in its phase: saving_share, or for name code
                                 // the share its site holds (naming it comes first for a big site)
    Saving cumulative;           // this item's saving plus every earlier item's (plan order)
    std::string priority;        // "P1.1", ...
};

struct RemediationPlan {
    std::vector<PlanItem> items;     // plan order = priority order
    uint32_t negligible_items = 0;   // sites whose best item saved under negligible_share
};

// Kinds triggered for one site (pure; exposed for tests). `has_ops_events`: the run
// counted ops with markers (needed to say "inside one op").
std::vector<RemediationKind> triggered_kinds(const SiteMetrics& site, const WindowMetrics& run,
                                             bool has_ops_events, const AnalysisParams& params);

// The kind that becomes the item's change, of the kinds triggered at `site` (pure; tests).
RemediationKind primary_kind(const std::vector<RemediationKind>& kinds, const SiteMetrics& site);

// The plan with additive savings; simulated savings are filled by apply_simulation().
RemediationPlan plan_remediations(const RunMetrics& metrics, const std::vector<SiteRank>& ranks,
                                  const AnalysisParams& params);
// Orders the items (phase, saving share) and numbers them; fills the cumulative savings.
void assign_priorities(RemediationPlan& plan, const WindowMetrics& run);
// Sites to take out of the simulation, cumulatively: the sites of the plan's items whose
// change replaces the site's allocations, in plan order, at most `max`.
std::vector<uint32_t> sites_to_simulate(const RemediationPlan& plan, uint32_t max);
// Fills the simulated Gen0/1k savings: `collections_without[i]` is the run's collection
// count without `sites[0..i]`; an item saves what its site adds to the earlier ones'.
void apply_simulation(RemediationPlan& plan, const RunMetrics& metrics, const std::vector<uint32_t>& sites,
                      const std::vector<uint64_t>& collections_without);

// Power-of-two tier sizes from quantiles: p50, p90, p99 each rounded up, deduplicated.
std::vector<uint64_t> tier_sizes(const SizeQuantiles& quantiles);

}  // namespace allocprof::analyzers
