// remediation_planner.cpp — see remediation_planner.h.
#include "analyzers/remediation_planner.h"

#include <algorithm>
#include <bit>
#include <cstdio>

#include "analyzers/source_remediation.h"
#include "schema/units.h"

namespace allocprof::analyzers {

namespace {

std::string fmt(const char* format, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, a);
    return buf;
}

double fraction(uint64_t part, uint64_t whole) {
    return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

bool positive_leak(const SiteMetrics& s) { return s.leak_slope && *s.leak_slope > 0 && s.unfreed_bytes > 0; }

std::string sizes_text(const SiteMetrics& s) {
    std::string out;
    for (size_t i = 0; i < s.top_sizes.size() && i < s.few_sizes; ++i)
        out += (out.empty() ? "" : ", ") + units::format_bytes(s.top_sizes[i].first);
    return out;
}

std::string per_op(const WindowMetrics& run) { return run.per_run ? "/run" : "/op"; }

void describe(PlanItem& item, const SiteMetrics& s, const WindowMetrics& run, const AnalysisParams& params) {
    const std::string po = per_op(run);
    switch (item.kind) {
    case RemediationKind::Reserve: {
        const ChainSummary& c = s.chains;
        item.change = "reserve or pre-size the buffer to its final size before it grows";
        item.evidence = std::to_string(c.chains) + " growth chain" + (c.chains == 1 ? "" : "s") + " (" +
                        std::to_string(c.inferred_chains) + " inferred), " + std::to_string(c.links) +
                        " reallocations; longest: " + c.longest.describe() + "; copied " + units::format_bytes(c.copied_bytes) +
                        ", avoidable " + units::format_bytes(c.avoidable_bytes) + " allocated";
        break;
    }
    case RemediationKind::Hoist:
        item.change = "hoist the buffer out of the per-op path and reuse it across ops";
        item.evidence = units::format_percent(fraction(s.freed_within_op, s.allocations)) +
                        " of allocations freed inside the op that made them, " + fmt("%.3g", s.allocs_per_op) +
                        " allocations" + po;
        break;
    case RemediationKind::StaticOrCached:
        item.change = "make it static, or cache it once instead of allocating it";
        // Process-lifetime includes blocks freed only in teardown (after the last op).
        item.evidence = "process-lifetime: " + std::to_string(s.allocations) +
                        (s.unfreed_blocks == s.allocations ? " allocations never freed before exit, "
                                                           : " allocations held until teardown (freed only after the last op), ") +
                        "sizes " + sizes_text(s);
        break;
    case RemediationKind::Pool:
        item.change = "use a pool or free list for these blocks";
        item.evidence = units::format_percent(fraction(s.dies_young, s.allocations)) + " die young, " +
                        fmt("%.3g", s.allocs_per_op) + " allocations" + po + ", sizes " + sizes_text(s) +
                        " cover " + units::format_percent(params.planner.few_sizes_coverage) + " or more";
        break;
    case RemediationKind::SizeTiers: {
        item.tier_sizes = tier_sizes(s.sizes);
        std::string tiers;
        for (uint64_t t : item.tier_sizes) tiers += (tiers.empty() ? "" : ", ") + units::format_bytes(t);
        item.change = "pre-allocate per frame in size tiers of " + tiers + " (p50/p90/p99 rounded up to powers of two)";
        item.evidence = "per-call buffers sized by input: sizes p50 " + units::format_bytes(s.sizes.p50) + ", p90 " +
                        units::format_bytes(s.sizes.p90) + ", p99 " + units::format_bytes(s.sizes.p99) + ", max " +
                        units::format_bytes(s.sizes.max) + "; " +
                        units::format_percent(fraction(std::max(s.dies_young, s.freed_within_op), s.allocations)) +
                        " short-lived, " + fmt("%.3g", s.allocs_per_op) + " allocations" + po;
        break;
    }
    case RemediationKind::Closure:
        item.change = "avoid allocating a closure or std::function per call (template parameter, function_ref)";
        item.evidence = fmt("%.3g", s.allocs_per_op) + " allocations" + po;
        break;
    case RemediationKind::StringBuilder:
        item.change = "build the string once with a reserved builder instead of concatenating";
        item.evidence = fmt("%.3g", s.allocs_per_op) + " allocations" + po;
        break;
    case RemediationKind::Arena:
        item.change = "allocate from an arena released at the end of the phase";
        item.evidence = "phase-scoped: " + std::to_string(s.lifetime_counts.phase_end_frees) + " of " +
                        std::to_string(s.frees) + " frees in bulk at phase boundaries";
        break;
    case RemediationKind::FixLeak:
        item.change = "fix the growth: bound or trim what this site keeps";
        item.evidence = "leak slope +" + fmt("%.3g", *s.leak_slope) + " B/op, " + units::format_bytes(s.unfreed_bytes) +
                        " in " + std::to_string(s.unfreed_blocks) + " blocks unfreed at exit";
        break;
    case RemediationKind::ReducePeak:
        item.change = "reduce the peak: stream, shrink or free this data earlier";
        item.evidence = units::format_bytes(s.live_at_peak_bytes) + " live at t-gmax, " +
                        units::format_percent(fraction(s.live_at_peak_bytes, run.peak_live_bytes)) + " of the peak " +
                        units::format_bytes(run.peak_live_bytes);
        break;
    }
}

}  // namespace

const char* to_string(RemediationKind kind) {
    switch (kind) {
    case RemediationKind::Reserve: return "reserve";
    case RemediationKind::Hoist: return "hoist";
    case RemediationKind::StaticOrCached: return "static";
    case RemediationKind::Pool: return "pool";
    case RemediationKind::SizeTiers: return "size_tiers";
    case RemediationKind::Closure: return "closure";
    case RemediationKind::StringBuilder: return "string_builder";
    case RemediationKind::Arena: return "arena";
    case RemediationKind::FixLeak: return "fix_leak";
    case RemediationKind::ReducePeak: return "reduce_peak";
    }
    return "reserve";
}

const char* to_string(Risk risk) {
    switch (risk) {
    case Risk::Low: return "low";
    case Risk::Medium: return "medium";
    case Risk::High: return "high";
    }
    return "low";
}

Risk risk_of(RemediationKind kind) {
    switch (kind) {
    case RemediationKind::Reserve:
    case RemediationKind::Hoist:
    case RemediationKind::StaticOrCached: return Risk::Low;
    case RemediationKind::Pool:
    case RemediationKind::SizeTiers:
    case RemediationKind::Closure:
    case RemediationKind::StringBuilder: return Risk::Medium;
    case RemediationKind::Arena:
    case RemediationKind::FixLeak:
    case RemediationKind::ReducePeak: return Risk::High;
    }
    return Risk::High;
}

std::vector<uint64_t> tier_sizes(const SizeQuantiles& q) {
    std::vector<uint64_t> out;
    for (uint64_t v : {q.p50, q.p90, q.p99}) {
        uint64_t t = v <= 1 ? 1 : std::bit_ceil(v);
        if (out.empty() || out.back() != t) out.push_back(t);
    }
    return out;
}

std::vector<RemediationKind> triggered_kinds(const SiteMetrics& s, const WindowMetrics& run, bool has_ops_events,
                                             const AnalysisParams& params) {
    const PlannerParams& p = params.planner;
    std::vector<RemediationKind> kinds;
    if (s.allocations == 0) return kinds;
    const double n = static_cast<double>(s.allocations);
    const bool few_sizes = s.few_sizes != 0;
    const double young = static_cast<double>(s.dies_young) / n;
    const double within_op = static_cast<double>(s.freed_within_op) / n;

    if (s.chains.chains > 0) kinds.push_back(RemediationKind::Reserve);
    // A buffer made once per run or per phase is freed "inside an op" trivially (the stretch
    // before the first Ops marker counts as one): hoisting needs a rate of about one per op.
    const bool hoist = has_ops_events && within_op >= p.hoist_min_within_op_fraction - 1e-9 &&
                       s.allocs_per_op <= p.hoist_max_allocs_per_op + 1e-9 &&
                       s.allocs_per_op >= p.hoist_min_allocs_per_op - 1e-9;
    if (hoist) kinds.push_back(RemediationKind::Hoist);
    if (s.lifetime == LifetimeClass::ProcessLifetime && few_sizes && !positive_leak(s))
        kinds.push_back(RemediationKind::StaticOrCached);
    if (!hoist && young >= p.pool_min_temporary_fraction - 1e-9 && s.allocs_per_op >= p.pool_min_allocs_per_op - 1e-9 &&
        few_sizes)
        kinds.push_back(RemediationKind::Pool);
    // Many sizes from a growth chain are its steps (reserve covers them), not per-call sizes.
    const bool growth_sizes = static_cast<double>(s.chains.links) > p.tiers_max_chain_share * n;
    if (!few_sizes && !growth_sizes &&
        std::max(young, has_ops_events ? within_op : 0.0) >= p.tiers_min_temporary_fraction - 1e-9 &&
        s.lifetime != LifetimeClass::PhaseScoped)
        kinds.push_back(RemediationKind::SizeTiers);
    if (s.lifetime == LifetimeClass::PhaseScoped) kinds.push_back(RemediationKind::Arena);
    if (positive_leak(s)) kinds.push_back(RemediationKind::FixLeak);
    if (run.peak_live_bytes > 0 &&
        static_cast<double>(s.live_at_peak_bytes) >= p.peak_min_share * static_cast<double>(run.peak_live_bytes) - 1e-9)
        kinds.push_back(RemediationKind::ReducePeak);
    return refine_kinds(std::move(kinds), s.construct);
}

RemediationPlan plan_remediations(const RunMetrics& m, const std::vector<SiteRank>& ranks, const AnalysisParams& params) {
    RemediationPlan plan;
    const bool has_ops_events = m.ops_from_events > 0;
    for (const SiteRank& r : ranks) {
        const SiteMetrics& s = m.sites[r.site];
        for (RemediationKind kind : triggered_kinds(s, m.run, has_ops_events, params)) {
            PlanItem item;
            item.site = s.site;
            item.kind = kind;
            item.risk = refined_risk(kind, s.construct);
            item.tier = r.tier;
            item.site_position = r.position;
            const bool top_tier = r.tier == Tier::Critical || r.tier == Tier::High;
            if (top_tier && item.risk == Risk::Low)
                item.phase = 2;
            else if (item.risk == Risk::Medium || r.tier == Tier::Medium)
                item.phase = 3;
            else
                item.phase = 4;
            describe(item, s, m.run, params);
            refine_wording(item, s.construct);
            item.saving.allocs_per_op = s.allocs_per_op;
            item.saving.bytes_per_op = s.bytes_per_op;
            item.saving.gen0_star_per_1k = s.gen0_star_per_1k;
            plan.items.push_back(std::move(item));
        }
    }
    std::stable_sort(plan.items.begin(), plan.items.end(), [](const PlanItem& a, const PlanItem& b) {
        if (a.phase != b.phase) return a.phase < b.phase;
        if (a.site_position != b.site_position) return a.site_position < b.site_position;
        return a.kind < b.kind;
    });
    assign_priorities(plan, m.run);
    return plan;
}

void assign_priorities(RemediationPlan& plan, const WindowMetrics& run) {
    auto share = [&](double part, double whole) { return whole > 0 ? part / whole : 0.0; };
    for (PlanItem& item : plan.items)
        item.saving_share = std::max({share(item.saving.allocs_per_op, run.allocs_per_op),
                                      share(item.saving.bytes_per_op, run.bytes_per_op),
                                      share(item.saving.gen0_star_per_1k, run.gen0_star_per_1k)});
    std::vector<size_t> order(plan.items.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const PlanItem& x = plan.items[a];
        const PlanItem& y = plan.items[b];
        if (x.phase != y.phase) return x.phase < y.phase;
        return x.saving_share > y.saving_share;
    });
    int phase = -1, n = 0;
    for (size_t i : order) {
        PlanItem& item = plan.items[i];
        if (item.phase != phase) {
            phase = item.phase;
            n = 0;
        }
        item.priority = "P" + std::to_string(item.phase - 1) + "." + std::to_string(++n);
    }
}

std::vector<uint32_t> sites_to_simulate(const RemediationPlan& plan, uint32_t max) {
    std::vector<uint32_t> sites;
    for (const PlanItem& item : plan.items) {
        if (sites.size() >= max) break;
        if (std::find(sites.begin(), sites.end(), item.site) == sites.end()) sites.push_back(item.site);
    }
    return sites;
}

void apply_simulation(RemediationPlan& plan, const RunMetrics& m, const std::vector<uint32_t>& sites,
                      const std::vector<uint64_t>& collections_without) {
    const double ops = m.run.per_run ? 1.0 : static_cast<double>(m.run.ops);
    for (PlanItem& item : plan.items) {
        auto it = std::find(sites.begin(), sites.end(), item.site);
        if (it == sites.end()) continue;
        const uint64_t without = collections_without[static_cast<size_t>(it - sites.begin())];
        item.saving.gen0_per_1k =
            1000.0 * (static_cast<double>(m.run.collections) - static_cast<double>(without)) / ops;
        item.saving.simulated = true;
    }
}

}  // namespace allocprof::analyzers
