// analysis_json.cpp — see analysis_json.h.
#include "analyzers/analysis_json.h"

namespace allocprof::analyzers {

using nlohmann::json;

namespace {

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json quantiles(const SizeQuantiles& q) {
    return {{"min", q.min}, {"p50", q.p50}, {"p90", q.p90}, {"p99", q.p99}, {"max", q.max}};
}

json chain(const ChainRecord& c) {
    return {{"site", c.site},
            {"origin_site", c.origin_site},
            {"first_block", c.first_block},
            {"first_size", c.first_size},
            {"last_size", c.last_size},
            {"max_size", c.max_size},
            {"links", c.links},
            {"inferred_links", c.inferred_links},
            {"growth_steps", c.growth_steps},
            {"pattern", to_string(c.pattern)},
            {"factor", c.factor},
            {"increment", c.increment},
            {"copied_bytes", c.copied_bytes},
            {"allocated_bytes", c.allocated_bytes},
            {"avoidable_bytes", c.avoidable_bytes},
            {"description", c.describe()}};
}

}  // namespace

json to_json(const WindowMetrics& w) {
    json j = {{"name", w.name},
              {"whole_run", w.whole_run},
              {"occurrences", w.occurrences},
              {"begin_event", w.begin_event},
              {"end_event", w.end_event},
              {"ops", w.ops},
              {"per_run", w.per_run},
              {"allocations", w.allocations},
              {"reallocs", w.reallocs},
              {"frees", w.frees},
              {"bytes_allocated", w.bytes_allocated},
              {"allocs_per_op", w.allocs_per_op},
              {"bytes_per_op", w.bytes_per_op},
              {"collections", w.collections},
              {"gen0_per_1k", w.gen0_per_1k},
              {"nursery_bytes", w.nursery_bytes},
              {"gen0_star_per_1k", w.gen0_star_per_1k},
              {"survived_bytes", w.survived_bytes},
              {"collected_bytes", w.collected_bytes},
              {"survival_rate", optional_number(w.survival_rate)},
              {"dies_young", w.dies_young},
              {"temporary_k", w.temporary_k},
              {"peak_live_bytes", w.peak_live_bytes},
              {"peak_live_event", w.peak_live_event},
              {"leak_slope", optional_number(w.leak_slope)},
              {"slope_samples", w.slope_samples},
              {"sizes", quantiles(w.sizes)}};
    if (w.has_unfreed) {
        j["unfreed_blocks"] = w.unfreed_blocks;
        j["unfreed_bytes"] = w.unfreed_bytes;
    }
    return j;
}

json to_json(const SiteMetrics& s) {
    json top = json::array();
    for (const auto& [size, count] : s.top_sizes) top.push_back({size, count});
    const ChainSummary& c = s.chains;
    return {{"site", s.site},
            {"construct", s.construct.kind == "unknown" ? std::string() : s.construct.kind},
            {"allocations", s.allocations},
            {"reallocs", s.reallocs},
            {"frees", s.frees},
            {"bytes_allocated", s.bytes_allocated},
            {"allocs_per_op", s.allocs_per_op},
            {"bytes_per_op", s.bytes_per_op},
            {"nursery_bytes", s.nursery_bytes},
            {"gen0_star_per_1k", s.gen0_star_per_1k},
            {"survived_bytes", s.survived_bytes},
            {"collected_bytes", s.collected_bytes},
            {"survival_rate", optional_number(s.survival_rate)},
            {"dies_young", s.dies_young},
            {"temporary_k", s.temporary_k},
            {"freed_within_op", s.freed_within_op},
            {"live_at_peak_bytes", s.live_at_peak_bytes},
            {"max_live_bytes", s.max_live_bytes},
            {"unfreed_blocks", s.unfreed_blocks},
            {"unfreed_bytes", s.unfreed_bytes},
            {"leak_slope", optional_number(s.leak_slope)},
            {"sizes", quantiles(s.sizes)},
            {"sizes_exact", s.sizes_exact},
            {"few_sizes", s.few_sizes},
            {"top_sizes", top},
            {"lifetime", to_string(s.lifetime)},
            {"teardown_frees", s.lifetime_counts.teardown_frees},
            {"phase_end_frees", s.lifetime_counts.phase_end_frees},
            {"chains",
             {{"chains", c.chains},
              {"inferred_chains", c.inferred_chains},
              {"links", c.links},
              {"copied_bytes", c.copied_bytes},
              {"avoidable_bytes", c.avoidable_bytes},
              {"geometric", c.geometric},
              {"additive", c.additive},
              {"irregular", c.irregular},
              {"no_pattern", c.no_pattern},
              {"longest", c.has_longest ? chain(c.longest) : json(nullptr)}}}};
}

json to_json(const SiteRank& r) {
    return {{"site", r.site},
            {"position", r.position},
            {"allocs_share", r.allocs_share},
            {"bytes_share", r.bytes_share},
            {"gen0_share", r.gen0_share},
            {"impact", r.impact},
            {"impact_metric", r.impact_metric},
            {"cumulative_before", r.cumulative_before},
            {"cumulative_after", r.cumulative_after},
            {"base_tier", to_string(r.base_tier)},
            {"tier", to_string(r.tier)},
            {"promotions", r.promotions},
            {"rule", r.rule}};
}

json to_json(const PlanItem& i) {
    return {{"site", i.site},
            {"kind", to_string(i.kind)},
            {"risk", to_string(i.risk)},
            {"tier", to_string(i.tier)},
            {"phase", i.phase},
            {"site_position", i.site_position},
            {"change", i.change},
            {"evidence", i.evidence},
            {"tier_sizes", i.tier_sizes},
            {"saving",
             {{"allocs_per_op", i.saving.allocs_per_op},
              {"bytes_per_op", i.saving.bytes_per_op},
              {"gen0_star_per_1k", i.saving.gen0_star_per_1k},
              {"gen0_per_1k", i.saving.simulated ? json(i.saving.gen0_per_1k) : json(nullptr)}}}};
}

json to_json(const RunAnalysis& a) {
    json phases = json::array(), sites = json::array(), ranks = json::array(), plan = json::array();
    for (const auto& w : a.metrics.phases) phases.push_back(to_json(w));
    for (const auto& s : a.metrics.sites) sites.push_back(to_json(s));
    for (const auto& r : a.ranks) ranks.push_back(to_json(r));
    for (const auto& i : a.plan.items) plan.push_back(to_json(i));
    return {{"params", params_to_json(a.params)},
            {"events", a.metrics.events},
            {"ops_from_events", a.metrics.ops_from_events},
            {"ops_from_command_line", a.metrics.ops_from_command_line},
            {"unmatched_frees", a.metrics.unmatched_frees},
            {"run", to_json(a.metrics.run)},
            {"phases", phases},
            {"sites", sites},
            {"ranks", ranks},
            {"plan", plan}};
}

}  // namespace allocprof::analyzers
