// run_analyzer.cpp — see run_analyzer.h.
#include "analyzers/run_analyzer.h"

#include <algorithm>

#include "analyzers/event_analyzer.h"
#include "analyzers/site_exclusion.h"

namespace allocprof::analyzers {

RunAnalysis analyze_run(const EventReplay& replay, const AnalysisInput& input, const AnalysisParams& params) {
    validate(params);
    RunAnalysis out;
    out.params = params;

    EventAnalyzer analyzer(input.sites, params, input.run_ops, input.constructs);
    StackSlicer slicer(input.split_stacks ? input.blocks : 0);
    replay([&](const schema::Event& e) {
        analyzer.on_event(e);
        if (input.split_stacks) slicer.on_event(e);
    });
    out.metrics = analyzer.finish();
    out.slices = slicer.finish();
    for (size_t i = 0; i < input.runtime_modules.size() && i < out.metrics.sites.size(); ++i)
        out.metrics.sites[i].runtime_module = input.runtime_modules[i];
    for (size_t i = 0; i < input.startup_functions.size() && i < out.metrics.sites.size(); ++i)
        out.metrics.sites[i].startup_function = input.startup_functions[i];
    // What the runtime keeps to exit (libstdc++'s emergency pool, stdio's buffers) is not the
    // program's, nor what the user suppressed: the run's unfreed totals leave them out.
    for (size_t i = 0; i < input.suppressed.size() && i < out.metrics.sites.size(); ++i)
        out.metrics.sites[i].suppressed_by = input.suppressed[i];
    for (size_t i = 0; i < input.unnamed_hints.size() && i < out.metrics.sites.size(); ++i)
        out.metrics.sites[i].unnamed_hint = input.unnamed_hints[i];
    for (const SiteMetrics& s : out.metrics.sites) {
        if (!outside_tiers(s)) continue;
        out.metrics.run.unfreed_blocks -= std::min(out.metrics.run.unfreed_blocks, s.unfreed_blocks);
        out.metrics.run.unfreed_bytes -= std::min(out.metrics.run.unfreed_bytes, s.unfreed_bytes);
    }
    for (size_t i = 0; i < input.functions.size() && i < out.metrics.sites.size(); ++i)
        out.metrics.sites[i].function = input.functions[i];

    out.ranks = rank_sites(out.metrics, params);
    out.plan = plan_remediations(out.metrics, out.ranks, params);

    // The second pass: the nursery without each planned site, and the arenas, which need
    // every site's lifetime class.
    const std::vector<uint32_t> sites = sites_to_simulate(out.plan, params.planner.max_simulated_sites);
    SiteExclusionSimulator without(input.sites, params.gen0_budget, params.large_object_threshold, sites);
    std::vector<LifetimeClass> lifetime(out.metrics.sites.size());
    for (const SiteMetrics& s : out.metrics.sites) lifetime[s.site] = s.lifetime;
    ArenaSizer arenas(input.sites, std::move(lifetime), input.blocks);
    replay([&](const schema::Event& e) {
        if (!sites.empty()) without.on_event(e);
        arenas.on_event(e);
    });
    if (!sites.empty()) apply_simulation(out.plan, out.metrics, sites, without.collections());
    out.arenas = arenas.finish();
    return out;
}

EventReplay replay_vector(const std::vector<schema::Event>& events) {
    return [&events](const EventVisitor& visit) {
        for (const schema::Event& e : events) visit(e);
    };
}

}  // namespace allocprof::analyzers
