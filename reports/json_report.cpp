// json_report.cpp — see json_report.h. nlohmann::json sorts object keys, so the text is
// the same for the same Report.
#include "reports/json_report.h"

namespace allocprof::reports {
namespace {

using nlohmann::json;

template <typename T>
json opt(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

json window_json(const WindowRow& w) {
    json out = {{"window", w.window},
                {"label", w.label},
                {"occurrences", w.occurrences},
                {"ops", w.ops},
                {"per_run", w.per_run},
                {"ops_of_run", w.ops_of_run},
                {"allocations", w.allocations},
                {"reallocs", w.reallocs},
                {"frees", w.frees},
                {"bytes_allocated", w.bytes_allocated},
                {"allocs_per_op", w.allocs_per_op},
                {"bytes_per_op", w.bytes_per_op},
                {"collections", w.collections},
                {"gen0_per_1k", w.gen0_per_1k},
                {"gen0_star_per_1k", w.gen0_star_per_1k},
                {"survival_rate", opt(w.survival_rate)},
                {"dies_young", w.dies_young},
                {"temporary_k0", w.temporary_k0},
                {"temporary_k1", w.temporary_k1},
                {"peak_live_bytes", w.peak_live_bytes},
                {"peak_live_blocks", w.peak_live_blocks},
                {"unfreed_blocks", opt(w.unfreed_blocks)},
                {"unfreed_bytes", opt(w.unfreed_bytes)},
                {"leak_slope", opt(w.leak_slope)},
                {"sizes", {{"p50", w.size_p50}, {"p90", w.size_p90}, {"p99", w.size_p99}, {"max", w.size_max}}}};
    out["gc"] = json::array();
    for (const GcRow& g : w.gc)
        out["gc"].push_back({{"language", g.language}, {"generation", g.generation},
                             {"cycles", g.cycles}, {"per_1k_ops", g.per_1k_ops}});
    return out;
}

json site_source_json(const std::optional<SiteSource>& source) {
    if (!source) return nullptr;
    const SiteSource& s = *source;
    return {{"status", s.status},
            {"reason", s.reason},
            {"source_file", s.source_file},
            {"kind", s.kind},
            {"type", s.type},
            {"container_type", s.container_type},
            {"method", s.method},
            {"function", s.function},
            {"class_name", s.class_name},
            {"loop_depth", s.loop_depth},
            {"reserve_in_scope", s.reserve_in_scope},
            {"description", s.description}};
}

json site_json(const SiteRow& s) {
    return {{"site_id", s.site_id},
            {"position", s.position},
            {"module", s.module},
            {"function", s.function},
            {"file", s.file},
            {"line", s.line},
            {"allocations", s.allocations},
            {"bytes_allocated", s.bytes_allocated},
            {"allocs_per_op", s.allocs_per_op},
            {"bytes_per_op", s.bytes_per_op},
            {"gen0_star_per_1k", s.gen0_star_per_1k},
            {"survival_rate", opt(s.survival_rate)},
            {"dies_young", s.dies_young},
            {"live_at_peak_bytes", s.live_at_peak_bytes},
            {"live_at_peak_blocks", s.live_at_peak_blocks},
            {"max_live_bytes", s.max_live_bytes},
            {"unfreed_bytes", s.unfreed_bytes},
            {"leak_slope", opt(s.leak_slope)},
            {"sizes", {{"p50", s.size_p50}, {"p90", s.size_p90}, {"p99", s.size_p99}, {"max", s.size_max}}},
            {"lifetime", s.lifetime},
            {"chains",
             {{"chains", s.chains},
              {"inferred", s.inferred_chains},
              {"pattern", opt(s.chain_pattern)},
              {"description", opt(s.chain_description)},
              {"copied_bytes", s.copied_bytes},
              {"avoidable_bytes", s.avoidable_bytes}}},
            {"impact", s.impact},
            {"impact_metric", s.impact_metric},
            {"tier", s.tier},
            {"base_tier", s.base_tier},
            {"rule", s.rule},
            {"source", site_source_json(s.source)}};
}

json source_analysis_json(const std::optional<SourceAnalysis>& source) {
    if (!source) return nullptr;
    const SourceAnalysis& s = *source;
    json failures = json::array();
    for (const SourceAnalysis::Failure& f : s.failures)
        failures.push_back({{"file", f.file}, {"status", f.status}, {"reason", f.reason}});
    return {{"source_root", s.source_root},
            {"compile_commands", opt(s.compile_commands)},
            {"cache_dir", s.cache_dir},
            {"translation_units", s.translation_units},
            {"parsed", s.parsed},
            {"reused", s.reused},
            {"failed", s.failed},
            {"seconds", s.seconds},
            {"failures", std::move(failures)}};
}

json source_gap_json(const SourceGapRow& g) {
    return {{"rank", g.rank},
            {"file", g.file},
            {"function", g.function},
            {"class_name", g.class_name},
            {"line_begin", g.line_begin},
            {"line_end", g.line_end},
            {"constructs", g.constructs},
            {"in_loops", g.in_loops},
            {"kinds", g.kinds}};
}

json plan_json(const PlanRow& p) {
    return {{"priority", p.priority},
            {"item_index", p.item_index},
            {"site_id", p.site_id},
            {"phase", p.phase},
            {"kind", p.kind},
            {"risk", p.risk},
            {"tier", p.tier},
            {"change", p.change},
            {"evidence", p.evidence},
            {"alternatives", json::parse(p.alternatives, nullptr, false).is_array()
                                 ? json::parse(p.alternatives)
                                 : json::array()},
            {"also_sites", p.also_sites},
            {"tier_sizes", p.tier_sizes},
            {"saving_share", p.saving_share},
            {"saving",
             {{"allocs_per_op", p.saving_allocs_per_op},
              {"bytes_per_op", p.saving_bytes_per_op},
              {"gen0_star_per_1k", p.saving_gen0_star_1k},
              {"gen0_per_1k", opt(p.saving_gen0_1k)},
              {"peak_bytes", p.saving_peak_bytes}}},
            {"cumulative",
             {{"allocs_per_op", p.cumulative_allocs_per_op},
              {"bytes_per_op", p.cumulative_bytes_per_op},
              {"gen0_star_per_1k", p.cumulative_gen0_star_1k}}}};
}

json coverage_json(const CoverageRow& c) {
    return {{"module_key", c.module_key},
            {"path", c.path},
            {"status", c.status},
            {"dwarf_source", c.dwarf_source},
            {"debug_file", opt(c.debug_file)},
            {"symbol_table", opt(c.symbol_table)},
            {"package", opt(c.package)},
            {"frames_file_line", c.frames_file_line},
            {"frames_symbol_only", c.frames_symbol_only},
            {"frames_unknown", c.frames_unknown},
            {"fix", c.fix}};
}

}  // namespace

json report_to_json(const Report& r) {
    const RunInfo& run = r.run;
    const AnalysisInfo& a = r.analysis;
    json doc;
    doc["format"] = "allocprof-report";
    doc["format_version"] = kReportFormatVersion;
    doc["file"] = r.file;
    doc["run"] = {{"run_id", run.run_id},
                  {"runs_in_file", run.runs_in_file},
                  {"scenario", run.scenario.empty() ? json(nullptr) : json(run.scenario)},
                  {"command", run.command},
                  {"cwd", run.cwd},
                  {"hostname", run.hostname},
                  {"recorded_with", run.recorded_with},
                  {"duration_s", opt(run.duration_s)},
                  {"exit_status", opt(run.exit_status)},
                  {"term_signal", opt(run.term_signal)},
                  {"truncated", run.truncated},
                  {"threads", run.threads},
                  {"peak_rss_bytes", opt(run.peak_rss_bytes)},
                  {"mmap_calls", run.mmap_calls},
                  {"mmap_bytes", run.mmap_bytes},
                  {"munmap_calls", run.munmap_calls},
                  {"notes", run.notes}};
    doc["analysis"] = {{"analyzed_unix_ns", a.analyzed_unix_ns},
                       {"date", a.date},
                       {"tool_version", a.tool_version},
                       {"ops", a.ops},
                       {"ops_source", a.ops_source},
                       {"unmatched_frees", a.unmatched_frees},
                       {"params", a.params},
                       {"site_config", a.site_config}};
    json tier_counts = json::object();
    for (const char* t : kTierNames) tier_counts[t] = 0;
    for (const SiteRow& s : r.sites)
        if (tier_counts.contains(s.tier)) tier_counts[s.tier] = tier_counts[s.tier].get<int64_t>() + 1;
    json top = nullptr;
    if (!r.sites.empty()) {
        const SiteRow& s = r.sites.front();
        top = {{"site_id", s.site_id}, {"tier", s.tier}, {"impact", s.impact}, {"impact_metric", s.impact_metric}};
        const PlanRow* fix = nullptr;
        for (const PlanRow& p : r.plan)
            if (p.site_id == s.site_id && (!fix || p.phase < fix->phase)) fix = &p;
        top["first_fix"] = fix ? json(fix->priority) : json(nullptr);
    }
    tier_counts["runtime"] = r.runtime.sites;
    doc["summary"] = {{"sites", r.sites.size()},
                      {"tiers", tier_counts},
                      {"top_finding", top},
                      {"runtime",
                       {{"sites", r.runtime.sites},
                        {"modules", r.runtime.modules},
                        {"startup_modules", r.runtime.startup_modules},
                        {"allocations", r.runtime.allocations},
                        {"bytes_allocated", r.runtime.bytes_allocated},
                        {"unfreed_bytes", r.runtime.unfreed_bytes}}},
                      {"suppressed",
                       {{"sites", r.suppressed.sites},
                        {"allocations", r.suppressed.allocations},
                        {"bytes_allocated", r.suppressed.bytes_allocated},
                        {"unfreed_bytes", r.suppressed.unfreed_bytes}}},
                      {"negligible_plan_items", a.negligible_items}};

    doc["baseline"] = json::array();
    for (const WindowRow& w : r.windows) doc["baseline"].push_back(window_json(w));
    doc["legend"] = {{"gen0_budget", a.gen0_budget},
                     {"gen0_budget_rule", a.gen0_budget_rule},
                     {"large_object_threshold", a.large_object_threshold},
                     {"temporary_k", a.temporary_k}};

    doc["sites"] = json::array();
    for (const SiteRow& s : r.sites) doc["sites"].push_back(site_json(s));
    doc["script_sites_total"] = r.script_sites_total;
    doc["script_sites"] = json::array();
    for (const ScriptSiteRow& x : r.script_sites)
        doc["script_sites"].push_back({{"module", x.module},
                                       {"function", x.function},
                                       {"file", x.file},
                                       {"line", x.line},
                                       {"allocations", x.allocations},
                                       {"bytes_allocated", x.bytes_allocated},
                                       {"stacks", x.stacks},
                                       {"native_site", {{"function", x.native_function},
                                                        {"file", x.native_file},
                                                        {"line", x.native_line}}}});
    doc["plan"] = json::array();
    for (const PlanRow& p : r.plan) doc["plan"].push_back(plan_json(p));

    doc["debug_coverage"] = json::array();
    for (const CoverageRow& c : r.coverage) doc["debug_coverage"].push_back(coverage_json(c));
    doc["function_calls"] = json::array();
    for (const HookCalls& h : r.hooks)
        doc["function_calls"].push_back({{"function", h.function}, {"calls", h.calls}, {"bytes", h.bytes}});
    doc["reconciliation"] = {{"peak_live_bytes", r.run_window().peak_live_bytes},
                             {"peak_rss_bytes", opt(run.peak_rss_bytes)},
                             {"mmap_bytes", run.mmap_bytes}};
    doc["coverage_gaps"] = json::array();
    for (const Gap& g : r.gaps) doc["coverage_gaps"].push_back({{"kind", g.kind}, {"text", g.text}});
    doc["source_analysis"] = source_analysis_json(r.source);
    doc["source_coverage_gaps"] = json::array();
    for (const SourceGapRow& g : r.source_gaps) doc["source_coverage_gaps"].push_back(source_gap_json(g));
    doc["next_steps"] = r.next_steps;
    json phases = json::array(), lifetimes = json::array();
    for (const analyzers::PhaseArenaRecord& p : r.phase_arenas)
        phases.push_back({{"window", p.window},
                          {"occurrences", p.occurrences},
                          {"sites", p.sites},
                          {"high_water_p50", p.high_water_p50},
                          {"high_water_p99", p.high_water_p99},
                          {"high_water_max", p.high_water_max},
                          {"high_water", p.high_water}});
    for (const analyzers::LifetimeArenaRecord& l : r.lifetime_arenas)
        lifetimes.push_back({{"lifetime", l.lifetime},
                             {"sites", l.sites},
                             {"allocations", l.allocations},
                             {"bytes_allocated", l.bytes_allocated},
                             {"high_water_bytes", l.high_water_bytes},
                             {"high_water_blocks", l.high_water_blocks}});
    doc["arenas"] = {{"phases", std::move(phases)}, {"lifetimes", std::move(lifetimes)}};
    return doc;
}

std::string render_json(const Report& report) { return report_to_json(report).dump(2) + "\n"; }

}  // namespace allocprof::reports
