// remediation_planner.cpp — see remediation_planner.h.
#include "analyzers/remediation_planner.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <map>

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

// The site's live bytes grow with the ops: over the run's ops the slope adds up to at
// least `growth_min_share` of the site's own maximum (a steady site's noise does not).
bool grows_with_ops(const SiteMetrics& s, const WindowMetrics& run, const PlannerParams& p) {
    if (!s.leak_slope || *s.leak_slope <= 0 || run.per_run || s.max_live_bytes == 0) return false;
    return *s.leak_slope * static_cast<double>(run.ops) >= p.growth_min_share * static_cast<double>(s.max_live_bytes) - 1e-9;
}

// Kinds whose change replaces the site's allocations (the whole site leaves the nursery).
bool removes_allocations(RemediationKind k) {
    return k != RemediationKind::Reserve && k != RemediationKind::FixLeak && k != RemediationKind::ReducePeak &&
           k != RemediationKind::NameCode;
}

// Reserve is strong when the growth chains' links are at least half the site's allocations.
bool strong_reserve(const SiteMetrics& s) { return 2 * s.chains.links >= s.allocations; }

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
                        (s.allocations == 1 ? " allocation" : " allocations") +
                        (s.unfreed_blocks == s.allocations ? " never freed before exit, "
                                                           : " held until teardown (freed only after the last op), ") +
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
        item.change = "allocate from an arena released at the end of the phase" +
                      (s.freed_at_end_of.empty() ? std::string() : " `" + s.freed_at_end_of + "`");
        item.evidence = "phase-scoped: " + std::to_string(s.lifetime_counts.phase_end_frees) + " of " +
                        std::to_string(s.frees) + " frees in bulk at phase boundaries" +
                        (s.freed_at_end_of.empty() ? std::string() : ", most at the end of `" + s.freed_at_end_of + "`");
        break;
    case RemediationKind::FixLeak:
        item.change = "fix the growth: bound or evict what this site keeps (it grows with every op)";
        item.evidence = "live bytes grow by " + fmt("%.3g", *s.leak_slope) + " B/op over " + std::to_string(run.ops) +
                        " ops, up to " + units::format_bytes(s.max_live_bytes) + "; " +
                        (s.unfreed_bytes > 0 ? units::format_bytes(s.unfreed_bytes) + " in " +
                                                   std::to_string(s.unfreed_blocks) + " blocks unfreed at exit"
                                             : std::string("freed only at the end"));
        break;
    case RemediationKind::NameCode:
        item.change = "name this native code before changing it: " + s.unnamed_hint;
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
    case RemediationKind::FixLeak: return "fix_leak";  // the stored name; the change says "fix the growth"
    case RemediationKind::ReducePeak: return "reduce_peak";
    case RemediationKind::NameCode: return "name_code";
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
    case RemediationKind::StaticOrCached:
    case RemediationKind::NameCode: return Risk::Low;
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
    if (s.allocations == 0 || outside_tiers(s)) return kinds;
    const bool growth = grows_with_ops(s, run, p);
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
    if (s.lifetime == LifetimeClass::ProcessLifetime && few_sizes && !growth)
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
    if (growth) kinds.push_back(RemediationKind::FixLeak);
    if (run.peak_live_bytes > 0 &&
        static_cast<double>(s.live_at_peak_bytes) >= p.peak_min_share * static_cast<double>(run.peak_live_bytes) - 1e-9)
        kinds.push_back(RemediationKind::ReducePeak);
    return refine_kinds(std::move(kinds), s.construct);
}

RemediationKind primary_kind(const std::vector<RemediationKind>& kinds, const SiteMetrics& s) {
    // The best-supported change first: what the source (or the stack) names, then growth,
    // then a reserve the chains explain, then the per-op and lifetime changes, and last the
    // changes that keep the allocations (a weak reserve, reducing the peak).
    using K = RemediationKind;
    const bool reserve_first = strong_reserve(s);
    const K order[] = {K::Closure, K::StringBuilder, K::FixLeak, K::Reserve, K::Hoist, K::Arena,
                       K::Pool,    K::SizeTiers,     K::StaticOrCached, K::Reserve, K::ReducePeak};
    for (size_t i = 0; i < std::size(order); ++i) {
        if (order[i] == K::Reserve && (i == 3) != reserve_first) continue;
        if (std::find(kinds.begin(), kinds.end(), order[i]) != kinds.end()) return order[i];
    }
    return kinds.front();
}

namespace {

Saving saving_of(RemediationKind kind, const SiteMetrics& s) {
    Saving v;
    if (kind == RemediationKind::NameCode) return v;  // naming removes nothing by itself
    if (kind == RemediationKind::FixLeak || kind == RemediationKind::ReducePeak) {
        v.peak_bytes = s.live_at_peak_bytes;
        return v;
    }
    if (kind == RemediationKind::Reserve) {
        // Pre-sized, each chain is one allocation of its largest size: its links and its
        // avoidable bytes go; the site's Gen0* goes down in proportion to those bytes.
        const double per_alloc = s.allocations ? s.allocs_per_op / static_cast<double>(s.allocations) : 0;
        const double per_byte = s.bytes_allocated ? s.bytes_per_op / static_cast<double>(s.bytes_allocated) : 0;
        v.allocs_per_op = per_alloc * static_cast<double>(std::min(s.chains.links, s.allocations));
        v.bytes_per_op = per_byte * static_cast<double>(std::min(s.chains.avoidable_bytes, s.bytes_allocated));
        v.gen0_star_per_1k = s.bytes_allocated ? s.gen0_star_per_1k * v.bytes_per_op / s.bytes_per_op : 0;
        return v;
    }
    v.allocs_per_op = s.allocs_per_op;
    v.bytes_per_op = s.bytes_per_op;
    v.gen0_star_per_1k = s.gen0_star_per_1k;
    return v;
}

double share_of(const Saving& v, const WindowMetrics& run) {
    auto share = [](double part, double whole) { return whole > 0 ? part / whole : 0.0; };
    return std::max({share(v.allocs_per_op, run.allocs_per_op), share(v.bytes_per_op, run.bytes_per_op),
                     share(v.gen0_star_per_1k, run.gen0_star_per_1k),
                     share(static_cast<double>(v.peak_bytes), static_cast<double>(run.peak_live_bytes))});
}

void add_to(Saving& total, const Saving& v) {
    total.allocs_per_op += v.allocs_per_op;
    total.bytes_per_op += v.bytes_per_op;
    total.gen0_star_per_1k += v.gen0_star_per_1k;
    total.gen0_per_1k += v.gen0_per_1k;
    total.peak_bytes += v.peak_bytes;
}

// Folds `site`'s item into `into`, an item of the same function with the same change.
void merge_into(PlanItem& into, const PlanItem& site) {
    into.also_sites.push_back(site.site);
    add_to(into.saving, site.saving);
    for (const Alternative& alt : site.alternatives)
        if (std::find(into.alternatives.begin(), into.alternatives.end(), alt) == into.alternatives.end())
            into.alternatives.push_back(alt);
}

}  // namespace

RemediationPlan plan_remediations(const RunMetrics& m, const std::vector<SiteRank>& ranks, const AnalysisParams& params) {
    RemediationPlan plan;
    const bool has_ops_events = m.ops_from_events > 0;
    std::vector<PlanItem> items;  // impact order of their first site
    std::map<std::pair<std::string, std::string>, size_t> item_of_target;  // (function, change) -> item
    for (const SiteRank& r : ranks) {
        const SiteMetrics& s = m.sites[r.site];
        const std::vector<RemediationKind> kinds = triggered_kinds(s, m.run, has_ops_events, params);
        if (kinds.empty()) continue;
        auto item_for = [&](RemediationKind kind) {
            PlanItem item;
            item.site = s.site;
            item.kind = kind;
            item.risk = refined_risk(kind, s.construct);
            item.tier = r.tier;
            item.site_position = r.position;
            describe(item, s, m.run, params);
            refine_wording(item, s.construct);
            return item;
        };
        RemediationKind primary = primary_kind(kinds, s);
        PlanItem item = item_for(primary);
        if (!s.unnamed_hint.empty()) {
            // No change to code nobody can see: the item names it, and says what its blocks
            // show, as evidence for when it has a name.
            const std::string shows = item.change + " (" + item.evidence + ")";
            primary = RemediationKind::NameCode;
            item = item_for(primary);
            item.evidence = "unnamed native code; its blocks suggest: " + shows;
            Saving stake;  // what the site holds: what a change, once it has a name, could save
            stake.allocs_per_op = s.allocs_per_op;
            stake.bytes_per_op = s.bytes_per_op;
            stake.gen0_star_per_1k = s.gen0_star_per_1k;
            item.order_share = share_of(stake, m.run);
        } else {
            for (RemediationKind k : kinds)
                if (k != primary) item.alternatives.push_back(Alternative{k, item_for(k).change});
        }
        const bool top_tier = r.tier == Tier::Critical || r.tier == Tier::High;
        if (top_tier && item.risk == Risk::Low)
            item.phase = 2;
        else if (item.risk == Risk::Medium || r.tier == Tier::Medium)
            item.phase = 3;
        else
            item.phase = 4;
        item.saving = saving_of(primary, s);
        // The lines of one function that call for the same change (its words name the tier
        // sizes and the container) are one target.
        if (!s.function.empty()) {
            auto [it, added] = item_of_target.try_emplace({s.function, item.change}, items.size());
            if (!added) {
                merge_into(items[it->second], item);
                continue;
            }
        }
        items.push_back(std::move(item));
    }
    for (PlanItem& item : items) {
        item.saving_share = share_of(item.saving, m.run);
        if (item.kind != RemediationKind::NameCode && item.saving_share < params.planner.negligible_share - 1e-12) {
            ++plan.negligible_items;
            continue;
        }
        plan.items.push_back(std::move(item));
    }
    assign_priorities(plan, m.run);
    return plan;
}

void assign_priorities(RemediationPlan& plan, const WindowMetrics& run) {
    for (PlanItem& item : plan.items) {
        item.saving_share = share_of(item.saving, run);
        if (item.kind != RemediationKind::NameCode) item.order_share = item.saving_share;
    }
    std::stable_sort(plan.items.begin(), plan.items.end(), [](const PlanItem& x, const PlanItem& y) {
        if (x.phase != y.phase) return x.phase < y.phase;
        if (x.order_share != y.order_share) return x.order_share > y.order_share;
        return x.site_position < y.site_position;
    });
    int phase = -1, n = 0;
    Saving total;
    for (PlanItem& item : plan.items) {
        if (item.phase != phase) {
            phase = item.phase;
            n = 0;
        }
        item.priority = "P" + std::to_string(item.phase - 1) + "." + std::to_string(++n);
        add_to(total, item.saving);
        item.cumulative = total;
    }
}

std::vector<uint32_t> sites_to_simulate(const RemediationPlan& plan, uint32_t max) {
    // An item's sites go in together, so that its marginal saving is one step of the list.
    std::vector<uint32_t> sites;
    for (const PlanItem& item : plan.items) {
        if (!removes_allocations(item.kind)) continue;
        if (sites.size() + 1 + item.also_sites.size() > max) break;
        sites.push_back(item.site);
        sites.insert(sites.end(), item.also_sites.begin(), item.also_sites.end());
    }
    return sites;
}

void apply_simulation(RemediationPlan& plan, const RunMetrics& m, const std::vector<uint32_t>& sites,
                      const std::vector<uint64_t>& collections_without) {
    for (PlanItem& item : plan.items) {
        if (!removes_allocations(item.kind)) continue;
        auto it = std::find(sites.begin(), sites.end(), item.site);
        if (it == sites.end()) continue;
        const size_t first = static_cast<size_t>(it - sites.begin());
        const size_t last = first + item.also_sites.size();  // its sites follow it in the list
        const uint64_t before = first == 0 ? m.run.collections : collections_without[first - 1];
        const uint64_t without = collections_without[last];
        // Taking a site out never adds a collection in this nursery model; clamp anyway.
        item.saving.gen0_per_1k =
            before > without ? per_1k_ops(static_cast<double>(before - without), m.run.per_run, m.run.ops) : 0.0;
        item.saving.simulated = true;
    }
    assign_priorities(plan, m.run);  // the cumulative totals now include the simulated savings
}

}  // namespace allocprof::analyzers
