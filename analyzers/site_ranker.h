// site_ranker.h — tiers of sites and the rule that placed each (docs/definitions.md,
// "Tiers").
//
// Impact of a site = the largest of its shares of the run's allocations, bytes and
// nursery bytes (= its shares of allocs/op, B/op and Gen0*, since all divide by the same
// ops and B0). Sites are sorted by impact, descending (ties: lower site index first);
// cumulative impact is the running sum over the total of all impacts. A site is
//   critical  if the sites before it have not yet reached `critical` (50 %) of cumulative
//             impact (so the site that crosses 50 % is critical, and at exactly 50 %
//             the next one is not), or its own impact is >= `single_site_critical` (20 %);
//   high      if the sites before it have not reached `high` (80 %);
//   medium    ... `medium` (95 %);
//   low       otherwise, and every site without allocations.
// Runtime sites (libc's, the loader's, libstdc++'s own code: SiteMetrics::runtime_module)
// are left out of the cumulative impact and come last, in tier "runtime": the program's
// tiers are the program's code. Their shares are still of the whole run.
// Comparisons allow 1e-12 for floating-point sums. Then promotion, one tier at most, for
// any of: a positive leak slope with bytes still live at the end; an additive realloc
// chain; at least `temporary_fraction` (90 %) of allocations dying young at at least
// `temporary_min_allocs_per_op` (1) allocations per op (per run without ops).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analyzers/analysis_params.h"
#include "analyzers/run_metrics.h"

namespace allocprof::analyzers {

// Runtime: a site of the runtime's own code (SiteMetrics::runtime_module), outside the tiers.
// Suppressed: a site the user's suppressions file names (suppressions.h), outside the tiers.
enum class Tier : uint8_t { Critical = 0, High = 1, Medium = 2, Low = 3, Runtime = 4, Suppressed = 5 };
const char* to_string(Tier tier);

struct SiteRank {
    uint32_t site = 0;
    uint32_t position = 0;        // 1-based, in impact order
    double allocs_share = 0;      // of the run's allocations (= of allocs/op)
    double bytes_share = 0;
    double gen0_share = 0;        // of the run's nursery bytes (= of Gen0*)
    double impact = 0;
    std::string impact_metric;    // "allocations/op", "bytes/op" or "Gen0*"
    double cumulative_before = 0; // share of total impact of the sites before it
    double cumulative_after = 0;
    Tier base_tier = Tier::Low;   // before promotion
    Tier tier = Tier::Low;
    std::vector<std::string> promotions;  // reasons, in words
    std::string rule;             // why it is in its tier, in words
};

// In impact order.
std::vector<SiteRank> rank_sites(const RunMetrics& metrics, const AnalysisParams& params);

// The band rule above for one site of the tiers, before promotion: its tier and the rule in
// words. `larger_sites`: the sites of the tiers before it; `where` completes "no
// allocations ..." for a site that has none ("in this run").
struct BandPlacement {
    Tier tier = Tier::Low;
    std::string rule;
};
BandPlacement band_tier(double impact, const std::string& impact_metric, double cumulative_before,
                        double cumulative_after, uint32_t larger_sites, bool allocates, const TierParams& tier_params,
                        const std::string& where);
// One tier up (critical stays critical).
Tier promoted(Tier tier);

// A site's impact from its three shares: the largest, and the metric it is of
// ("allocations/op", "bytes/op", "Gen0*"; ties prefer allocations, then bytes).
struct Impact {
    double value = 0;
    const char* metric = "allocations/op";
};
Impact impact_of(double allocs_share, double bytes_share, double gen0_share);


}  // namespace allocprof::analyzers
