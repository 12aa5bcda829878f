// site_ranker.cpp — see site_ranker.h.
#include "analyzers/site_ranker.h"

#include <algorithm>
#include <cstdio>

#include "schema/units.h"

namespace allocprof::analyzers {

namespace {

constexpr double kEps = 1e-12;

double share(uint64_t part, uint64_t total) {
    return total ? static_cast<double>(part) / static_cast<double>(total) : 0.0;
}

std::string sites_phrase(uint32_t n) {
    return std::to_string(n) + (n == 1 ? " larger site" : " larger sites");
}

}  // namespace

Impact impact_of(double allocs_share, double bytes_share, double gen0_share) {
    Impact i{allocs_share, "allocations/op"};
    if (bytes_share > i.value) i = {bytes_share, "bytes/op"};
    if (gen0_share > i.value) i = {gen0_share, "Gen0*"};
    return i;
}

Tier promoted(Tier t) { return t == Tier::Critical ? Tier::Critical : static_cast<Tier>(static_cast<int>(t) - 1); }

const char* to_string(Tier tier) {
    switch (tier) {
    case Tier::Critical: return "critical";
    case Tier::High: return "high";
    case Tier::Medium: return "medium";
    case Tier::Low: return "low";
    case Tier::Runtime: return "runtime";
    case Tier::Suppressed: return "suppressed";
    }
    return "low";
}

BandPlacement band_tier(double impact, const std::string& impact_metric, double cumulative_before,
                        double cumulative_after, uint32_t larger_sites, bool allocates, const TierParams& tp,
                        const std::string& where) {
    const std::string what = units::format_percent(impact) + " of " + impact_metric;
    auto band_rule = [&](double limit) {
        const std::string lim = units::format_percent(limit);
        if (cumulative_after >= limit - kEps)
            return larger_sites == 0 ? "alone reaches " + lim + " of cumulative impact"
                                     : "together with " + sites_phrase(larger_sites) + " reaches " + lim +
                                           " of cumulative impact";
        return (larger_sites == 0 ? std::string("the largest site") : "with " + sites_phrase(larger_sites)) +
               ", cumulative impact " + units::format_percent(cumulative_after) + ", still under " + lim;
    };
    if (!allocates || impact <= 0) return {Tier::Low, "low: no allocations " + where};
    if (cumulative_before < tp.critical - kEps) return {Tier::Critical, "critical: " + what + "; " + band_rule(tp.critical)};
    if (impact >= tp.single_site_critical - kEps)
        return {Tier::Critical, "critical: " + what + "; a single site at " +
                                    units::format_percent(tp.single_site_critical) + " or more is critical"};
    if (cumulative_before < tp.high - kEps) return {Tier::High, "high: " + what + "; " + band_rule(tp.high)};
    if (cumulative_before < tp.medium - kEps) return {Tier::Medium, "medium: " + what + "; " + band_rule(tp.medium)};
    return {Tier::Low, "low: " + what + "; the " + sites_phrase(larger_sites) + " already reach " +
                           units::format_percent(tp.medium) + " of cumulative impact"};
}

std::vector<SiteRank> rank_sites(const RunMetrics& m, const AnalysisParams& params) {
    const TierParams& tp = params.tiers;
    uint64_t total_allocs = 0, total_bytes = 0, total_nursery = 0;
    for (const SiteMetrics& s : m.sites) {
        total_allocs += s.allocations;
        total_bytes += s.bytes_allocated;
        total_nursery += s.nursery_bytes;
    }
    std::vector<SiteRank> ranks;
    ranks.reserve(m.sites.size());
    double total_impact = 0;
    for (const SiteMetrics& s : m.sites) {
        SiteRank r;
        r.site = s.site;
        r.allocs_share = share(s.allocations, total_allocs);
        r.bytes_share = share(s.bytes_allocated, total_bytes);
        r.gen0_share = share(s.nursery_bytes, total_nursery);
        const Impact impact = impact_of(r.allocs_share, r.bytes_share, r.gen0_share);
        r.impact = impact.value;
        r.impact_metric = impact.metric;
        if (!outside_tiers(s)) total_impact += r.impact;
        ranks.push_back(std::move(r));
    }
    std::stable_sort(ranks.begin(), ranks.end(), [&](const SiteRank& a, const SiteRank& b) {
        const bool ra = outside_tiers(m.sites[a.site]), rb = outside_tiers(m.sites[b.site]);
        if (ra != rb) return rb;  // the program's sites first
        if (a.impact != b.impact) return a.impact > b.impact;
        return a.site < b.site;
    });

    double cumulative = 0;
    for (uint32_t i = 0; i < ranks.size(); ++i) {
        SiteRank& r = ranks[i];
        const SiteMetrics& s = m.sites[r.site];
        r.position = i + 1;
        if (!s.suppressed_by.empty()) {
            r.cumulative_before = r.cumulative_after = total_impact > 0 ? cumulative / total_impact : 0;
            r.base_tier = r.tier = Tier::Suppressed;
            r.rule = "suppressed by " + s.suppressed_by + ": " + units::format_percent(r.impact) + " of " +
                     r.impact_metric + "; outside the tiers, the plan and the unfreed totals";
            continue;
        }
        if (!s.runtime_module.empty()) {
            r.cumulative_before = r.cumulative_after = total_impact > 0 ? cumulative / total_impact : 0;
            r.base_tier = r.tier = Tier::Runtime;
            r.rule = "runtime: " + units::format_percent(r.impact) + " of " + r.impact_metric + " in " +
                     (s.startup_function.empty()
                          ? s.runtime_module + "'s own code, not the program's"
                          : s.runtime_module + "'s start-up (every stack passes through " + s.startup_function +
                                "), before the program's own work") +
                     "; counted in the runtime line, outside the tiers and the plan";
            continue;
        }
        r.cumulative_before = total_impact > 0 ? cumulative / total_impact : 0;
        cumulative += r.impact;
        r.cumulative_after = total_impact > 0 ? cumulative / total_impact : 0;

        const BandPlacement band = band_tier(r.impact, r.impact_metric, r.cumulative_before, r.cumulative_after, i,
                                             s.allocations > 0, tp, "in this run");
        r.base_tier = band.tier;
        r.rule = band.rule;

        // Promotions: each reason in words, one tier at most.
        const PromotionParams& pp = params.promotion;
        if (pp.leak_slope && s.leak_slope && *s.leak_slope > 0 && s.unfreed_bytes > 0) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "positive leak slope (+%.3g B/op, %llu B unfreed at exit)", *s.leak_slope,
                          static_cast<unsigned long long>(s.unfreed_bytes));
            r.promotions.push_back(buf);
        }
        if (pp.additive_chain && s.chains.additive > 0) {
            std::string example = s.chains.has_longest && s.chains.longest.pattern == GrowthPattern::Additive
                                      ? s.chains.longest.describe()
                                      : std::to_string(s.chains.additive) + " additive growth chains";
            r.promotions.push_back(example);
        }
        if (s.allocations > 0 &&
            static_cast<double>(s.dies_young) >= pp.temporary_fraction * static_cast<double>(s.allocations) - 1e-9 &&
            s.allocs_per_op >= pp.temporary_min_allocs_per_op - 1e-12) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "%s temporaries (die young) at %.3g allocations/op%s",
                          units::format_percent(static_cast<double>(s.dies_young) / static_cast<double>(s.allocations)).c_str(),
                          s.allocs_per_op, m.run.per_run ? " (per run: no ops counted)" : "");
            r.promotions.push_back(buf);
        }
        r.tier = r.base_tier;
        if (!r.promotions.empty() && r.base_tier != Tier::Critical) {
            r.tier = promoted(r.base_tier);
            std::string reasons;
            for (const std::string& p : r.promotions) reasons += (reasons.empty() ? "" : "; ") + p;
            r.rule = std::string(to_string(r.tier)) + ", promoted from " + to_string(r.base_tier) + ": " + reasons +
                     ". Before promotion, " + r.rule;
        } else if (!r.promotions.empty()) {
            std::string reasons;
            for (const std::string& p : r.promotions) reasons += (reasons.empty() ? "" : "; ") + p;
            r.rule += " (also: " + reasons + ")";
        }
    }
    return ranks;
}

}  // namespace allocprof::analyzers
