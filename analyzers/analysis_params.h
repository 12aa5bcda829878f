// analysis_params.h — every parameter of an analysis (docs/definitions.md, "Rates" to
// "The plan"), its default, and its JSON form.
//
// The parameters are stored with the results, so a report always says which budget,
// threshold and rule produced its numbers; changing them recomputes from the stored
// event stream. The JSON form is strict: an unknown key, a wrong type or a value out of
// range is an error naming the key ("tiers.high: must be a number in (0, 1], got 1.5"),
// never silently ignored.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace allocprof::analyzers {

// A bad configuration. what() names the key and says what is wrong.
class ParamsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr uint64_t kDefaultGen0Budget = 8ull << 20;          // 8 MiB
inline constexpr uint64_t kDefaultLargeObjectThreshold = 85'000;     // .NET's LOH threshold

struct TierParams {
    double critical = 0.50;              // cumulative impact reached by the critical band
    double high = 0.80;                  // ... by the high band
    double medium = 0.95;                // ... by the medium band; the rest is low
    double single_site_critical = 0.20;  // a site with at least this impact is critical

    bool operator==(const TierParams&) const = default;
};

struct PromotionParams {
    bool leak_slope = true;                 // promote a site with a positive leak slope
    bool additive_chain = true;             // ... with an additive realloc chain
    double temporary_fraction = 0.90;       // ... with this share of temporaries (dies young)
    double temporary_min_allocs_per_op = 1.0;  // ... at this rate or more

    bool operator==(const PromotionParams&) const = default;
};

struct LifetimeParams {
    double short_lived_fraction = 0.90;   // share of allocations that die young
    double phase_scoped_fraction = 0.50;  // share of frees that are bulk frees at a phase boundary
    uint64_t phase_scoped_min_frees = 2;  // "bulk": at least this many such frees

    bool operator==(const LifetimeParams&) const = default;
};

struct ChainParams {
    double geometric_min_factor = 1.25;      // every growth step multiplies the size by >= this
    double geometric_max_spread = 2.0;       // largest step factor / smallest <= this
    double additive_max_spread = 1.25;       // largest increment / smallest <= this
    uint32_t min_growth_steps = 2;           // fewer growth steps: pattern "none"
    uint32_t inferred_max_between = 1;       // allocations on the thread between new block and free of the old

    bool operator==(const ChainParams&) const = default;
};

struct PlannerParams {
    double pool_min_temporary_fraction = 0.50;  // share of allocations that die young
    double pool_min_allocs_per_op = 1.0;        // "many"
    uint32_t few_sizes = 4;                     // "one or few sizes": this many sizes ...
    double few_sizes_coverage = 0.90;           // ... cover this share of the allocations
    double hoist_min_within_op_fraction = 0.90; // share of allocations freed inside the op
    double hoist_max_allocs_per_op = 4.0;       // more per op is churn (pool, tiers), not one buffer
    double hoist_min_allocs_per_op = 0.5;       // fewer is not a per-op buffer (once per run, per phase)
    double tiers_max_chain_share = 0.5;         // chain links above this share of a site's
                                                // allocations: its sizes are growth steps, not
                                                // per-call sizes (reserve, not size tiers)
    double tiers_min_temporary_fraction = 0.90; // per-call buffers: die young or inside one op
    double peak_min_share = 0.25;               // share of t-gmax bytes that triggers "reduce peak"
    double growth_min_share = 0.5;              // "fix growth": slope x ops reaches this share of
                                                // the site's own maximum live bytes
    double negligible_share = 0.005;            // items saving less of every metric are counted, not listed (0: none)
    uint32_t max_simulated_sites = 64;          // sites taken out of the simulation one by one

    bool operator==(const PlannerParams&) const = default;
};

struct AnalysisParams {
    uint64_t gen0_budget = kDefaultGen0Budget;  // B0, bytes
    std::string gen0_budget_rule = "default";   // "default", "config", or the auto rule applied
    uint64_t large_object_threshold = kDefaultLargeObjectThreshold;  // L: sizes >= L skip the nursery
    std::vector<uint32_t> temporary_k = {0, 1};  // temp_K values reported (1 to 4 values, each <= 64)
    uint32_t size_sketch_exact_sizes = 1024;    // distinct sizes kept exactly per sketch
    TierParams tiers;
    PromotionParams promotion;
    LifetimeParams lifetime;
    ChainParams chains;
    PlannerParams planner;

    bool operator==(const AnalysisParams&) const = default;
};

// Throws ParamsError naming the first bad key.
void validate(const AnalysisParams& params);

// Reads a config object: every key optional, defaults for the rest. "gen0_budget" is a
// byte count or "auto" (resolved with auto_gen0_budget() on this machine). `origin` names
// the file in messages. Throws ParamsError.
AnalysisParams params_from_json(const nlohmann::json& config, const std::string& origin);
// Reads and parses a JSON config file. Throws ParamsError (unreadable file, bad JSON, bad key).
AnalysisParams load_params_file(const std::string& path);
// The full form (every key, the resolved budget and its rule); params_from_json() of it
// gives the same parameters back.
nlohmann::json params_to_json(const AnalysisParams& params);

}  // namespace allocprof::analyzers
