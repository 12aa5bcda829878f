// event_analyzer.h — one pass over a run's normalized event stream that computes every
// window and site metric of RunMetrics.
//
// Memory: one entry per live block, plus per site, per thread, per phase name and per
// open chain; never the event stream itself. Callers feed events one by one in stream
// order (schema::for_each_event, or a test's vector) and call finish() once.
//
// Windows: the whole run, and one per phase *name* (every occurrence of "compile" adds to
// the same window: names are what runs have in common, and it keeps memory bounded when
// a program marks a phase per request). A phase is open from its PhaseBegin to its
// PhaseEnd, the next PhaseBegin, or the end of the run (phases do not nest, as in the
// profiler). Allocations, ops and collections count in the window open at their event;
// frees, temporaries and survival in the window where the block was born.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "analyzers/analysis_params.h"
#include "schema/event_codec.h"
#include "schema/live_accounting.h"
#include "analyzers/leak_slope.h"
#include "analyzers/lifetime_classifier.h"
#include "analyzers/nursery_simulator.h"
#include "analyzers/realloc_chains.h"
#include "analyzers/run_metrics.h"
#include "analyzers/site_map.h"
#include "analyzers/size_sketch.h"

namespace allocprof::analyzers {

class EventAnalyzer {
public:
    // `run_ops`: the --ops N of the run, if given; it replaces the sum of Ops events as the
    // whole run's ops (Ops events still give the leak-slope samples and the phases' ops).
    // `constructs`: per site, the source construct if known (may be empty or shorter).
    EventAnalyzer(const SiteMap& sites, const AnalysisParams& params, std::optional<uint64_t> run_ops = std::nullopt,
                  std::vector<source::SourceConstruct> constructs = {});

    void on_event(const schema::Event& event);
    RunMetrics finish();

private:
    static constexpr uint32_t kMaxK = 4;
    static constexpr uint32_t kNoWindow = Gen0Simulator::kNoWindow;

    struct Block {
        uint64_t size = 0;
        uint64_t thread_seq = 0;   // the thread's allocation count including this one
        uint64_t ops_interval = 0; // Ops events before its birth
        uint64_t segment = 0;      // LifetimeTracker::segment() at its birth
        Gen0Simulator::Placement placement;
        uint32_t site = 0;
        uint32_t thread = 0;
        uint32_t window = kNoWindow;
    };
    struct SiteState {
        uint64_t allocations = 0, reallocs = 0, frees = 0, bytes = 0;
        uint64_t live_bytes = 0, live_blocks = 0, max_live = 0;
        schema::PeakShare peak;         // live bytes as of the latest peak
        schema::PeakShare peak_blocks;  // live blocks as of the latest peak
        uint64_t dies_young = 0, within_op = 0;
        std::array<uint64_t, kMaxK> temp_k{};
        LazySlope slope;
        SizeSketch sizes;
        explicit SiteState(uint32_t exact) : sizes(exact) {}
    };
    struct WindowState {
        std::string name;
        uint64_t occurrences = 0;
        uint64_t begin_event = 0, end_event = 0;
        uint64_t ops = 0, allocations = 0, reallocs = 0, frees = 0, bytes = 0;
        uint64_t dies_young = 0;
        std::array<uint64_t, kMaxK> temp_k{};
        uint64_t peak_live = 0, peak_event = 0, peak_blocks = 0;
        SlopeSums slope;
        SizeSketch sizes;
        std::unordered_map<uint32_t, SiteWindowCounts> sites;  // phases only: by site
        explicit WindowState(uint32_t exact) : sizes(exact) {}
    };

    void birth(uint64_t block, uint64_t size, uint32_t site, uint32_t thread, bool realloc);
    void release(const Block& block, uint32_t freeing_thread);
    bool take(uint64_t block, Block& out);
    void set_site_live(SiteState& s, uint64_t live);
    void open_phase(const std::string& name);
    void close_phase(uint64_t end_event);
    WindowMetrics window_metrics(const WindowState& w, uint32_t index, bool whole_run) const;

    SiteMap sites_;
    AnalysisParams params_;
    std::optional<uint64_t> run_ops_;
    std::vector<source::SourceConstruct> constructs_;
    uint32_t k_count_;

    Gen0Simulator sim_;
    ChainTracker chains_;
    LifetimeTracker lifetime_;
    OpsSamples ops_samples_;  // whole-run samples (x = cumulative Ops events)

    std::unordered_map<uint64_t, Block> live_;
    std::vector<SiteState> site_;
    schema::ThreadAllocations thread_allocs_;
    WindowState run_;
    std::vector<WindowState> windows_;  // phases by name
    std::unordered_map<std::string, uint32_t> window_index_;
    uint32_t open_window_ = kNoWindow;
    uint32_t last_window_ = kNoWindow;  // the phase that closed last

    uint64_t events_ = 0;
    uint64_t current_event_ = 0;
    uint64_t ops_total_ = 0;
    uint64_t live_bytes_ = 0;
    uint64_t live_blocks_ = 0;
    schema::PeakAttribution peak_;
    uint64_t unmatched_frees_ = 0;
    bool finished_ = false;
};

}  // namespace allocprof::analyzers
