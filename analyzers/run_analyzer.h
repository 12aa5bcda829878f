// run_analyzer.h — the whole analysis of one run: metrics, tiers and plan, from an event
// stream that can be replayed.
//
// Two passes over the events: the first computes RunMetrics (event_analyzer.h), then the
// ranker and the planner run; the second re-simulates the nursery without each planned
// site (site_exclusion.h) for the plan's expected savings. Neither pass keeps the events.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/analysis_params.h"
#include "analyzers/arena_sizes.h"
#include "schema/event_codec.h"
#include "analyzers/remediation_planner.h"
#include "analyzers/run_metrics.h"
#include "analyzers/site_map.h"
#include "analyzers/site_ranker.h"
#include "analyzers/stack_slices.h"

namespace allocprof::analyzers {

using EventVisitor = std::function<void(const schema::Event&)>;
// Calls the visitor with every event of the run, in order; may be called more than once.
using EventReplay = std::function<void(const EventVisitor&)>;

struct AnalysisInput {
    SiteMap sites;
    std::optional<uint64_t> run_ops;       // --ops N of the run, if given
    std::vector<source::SourceConstruct> constructs;  // per site (may be shorter); kind
                                                      // "unknown" without source analysis
    std::vector<std::string> runtime_modules;  // per site (may be shorter): the runtime
                                               // module of its code, or "" (runtime_sites.h)
    std::vector<std::string> startup_functions;  // per site (may be shorter): SiteMetrics::startup_function
    std::vector<std::string> functions;        // per site (may be shorter): module and function
    std::vector<std::string> suppressed;       // per site (may be shorter): the matching rule, or ""
    std::vector<std::string> unnamed_hints;    // per site (may be shorter): SiteMetrics::unnamed_hint
    uint64_t blocks = 0;                       // the run's allocations (blocks), when known: room is
                                               // set aside once for the per-block tables
    bool split_stacks = true;                  // split the stacks by thread and phase (stack_slices.h);
                                               // false when the run has one thread and no phase
};

struct RunAnalysis {
    AnalysisParams params;
    RunMetrics metrics;
    std::vector<SiteRank> ranks;  // impact order
    RemediationPlan plan;
    StackSlices slices;  // per stack, thread and phase (the flame graph's filters)
    ArenaSizes arenas;   // per phase and lifetime class (the second pass)
};

RunAnalysis analyze_run(const EventReplay& replay, const AnalysisInput& input, const AnalysisParams& params);

// A replay over events held in memory (tests, small tools).
EventReplay replay_vector(const std::vector<schema::Event>& events);

}  // namespace allocprof::analyzers
