// event_analyzer.cpp — see event_analyzer.h.
#include "analyzers/event_analyzer.h"

#include <algorithm>

namespace allocprof::analyzers {

using schema::Event;
using schema::EventKind;

EventAnalyzer::EventAnalyzer(const SiteMap& sites, const AnalysisParams& params, std::optional<uint64_t> run_ops,
                             std::vector<source::SourceConstruct> constructs)
    : sites_(sites),
      params_(params),
      run_ops_(run_ops),
      constructs_(std::move(constructs)),
      k_count_(static_cast<uint32_t>(std::min<size_t>(params.temporary_k.size(), kMaxK))),
      sim_(params.gen0_budget, params.large_object_threshold, sites.site_count()),
      chains_(params.chains, sites.site_count()),
      lifetime_(sites.site_count()),
      run_(params.size_sketch_exact_sizes) {
    validate(params_);
    site_.reserve(sites.site_count());
    for (uint32_t i = 0; i < sites.site_count(); ++i) site_.emplace_back(params.size_sketch_exact_sizes);
    run_.name = "run";
    run_.occurrences = 1;
}

// The site's live bytes change: bring its leak-slope sums and t-gmax snapshot up to date
// first (schema/live_accounting.h: the value it had at the latest global peak).
void EventAnalyzer::set_site_live(SiteState& s, uint64_t live) {
    peak_.before_change(s.peak, s.live_bytes);
    s.slope.catch_up(ops_samples_);
    s.slope.set(live);
    s.live_bytes = live;
    s.max_live = std::max(s.max_live, live);
}

void EventAnalyzer::birth(uint64_t block, uint64_t size, uint32_t site, uint32_t thread, bool realloc) {
    const uint64_t seq = thread_allocs_.count(thread);
    Block b;
    b.size = size;
    b.thread_seq = seq;
    b.ops_interval = lifetime_.ops_interval();
    b.segment = lifetime_.segment();
    b.site = site;
    b.thread = thread;
    b.window = open_window_;
    b.placement = sim_.allocate(size, site, open_window_);

    SiteState& s = site_[site];
    ++s.allocations;
    if (realloc) ++s.reallocs;
    s.bytes += size;
    peak_.before_change(s.peak_blocks, s.live_blocks);
    ++s.live_blocks;
    set_site_live(s, s.live_bytes + size);
    s.sizes.add(size);

    auto count = [&](WindowState& w) {
        ++w.allocations;
        if (realloc) ++w.reallocs;
        w.bytes += size;
        w.sizes.add(size);
    };
    count(run_);
    if (open_window_ != kNoWindow) {
        WindowState& w = windows_[open_window_];
        count(w);
        SiteWindowCounts& c = w.sites[site];
        ++c.allocations;
        c.bytes_allocated += size;
        if (b.placement.in_nursery) c.nursery_bytes += size;
    }

    live_bytes_ += size;
    ++live_blocks_;
    if (live_bytes_ > run_.peak_live) {
        run_.peak_live = live_bytes_;
        run_.peak_event = current_event_;
        run_.peak_blocks = live_blocks_;
        peak_.new_peak();
    }
    if (open_window_ != kNoWindow) {
        WindowState& w = windows_[open_window_];
        if (live_bytes_ > w.peak_live) {
            w.peak_live = live_bytes_;
            w.peak_event = current_event_;
            w.peak_blocks = live_blocks_;
        }
    }
    lifetime_.on_alloc(site);
    live_.emplace(block, b);
}

bool EventAnalyzer::take(uint64_t block, Block& out) {
    auto it = live_.find(block);
    if (it == live_.end()) {
        ++unmatched_frees_;
        return false;
    }
    out = it->second;
    live_.erase(it);
    return true;
}

void EventAnalyzer::release(const Block& b, uint32_t freeing_thread) {
    SiteState& s = site_[b.site];
    ++s.frees;
    peak_.before_change(s.peak_blocks, s.live_blocks);
    --s.live_blocks;
    set_site_live(s, s.live_bytes - b.size);
    WindowState* w = b.window != kNoWindow ? &windows_[b.window] : nullptr;
    ++run_.frees;
    if (w) ++w->frees;

    if (b.placement.epoch == sim_.epoch()) {  // before the next collection after its birth
        ++s.dies_young;
        ++run_.dies_young;
        if (w) ++w->dies_young;
    }
    sim_.release(b.placement, b.size, b.site, b.window);
    const uint64_t others = thread_allocs_.since(freeing_thread, b.thread_seq);
    for (uint32_t i = 0; i < k_count_; ++i) {
        if (schema::is_temporary(b.thread, freeing_thread, others, params_.temporary_k[i])) {
            ++s.temp_k[i];
            ++run_.temp_k[i];
            if (w) ++w->temp_k[i];
        }
    }
    if (b.ops_interval == lifetime_.ops_interval()) ++s.within_op;
    lifetime_.on_free(b.site, b.ops_interval, b.segment);
    live_bytes_ -= b.size;
    --live_blocks_;
}

void EventAnalyzer::open_phase(const std::string& name) {
    close_phase(current_event_);  // phases do not nest; this PhaseBegin is not in the old one
    auto [it, inserted] = window_index_.try_emplace(name, static_cast<uint32_t>(windows_.size()));
    if (inserted) {
        windows_.emplace_back(params_.size_sketch_exact_sizes);
        windows_.back().name = name;
        windows_.back().begin_event = current_event_;
    }
    open_window_ = it->second;
    WindowState& w = windows_[open_window_];
    ++w.occurrences;
    if (w.occurrences == 1 || live_bytes_ > w.peak_live) {
        // The live bytes the phase starts with count toward its peak.
        w.peak_live = live_bytes_;
        w.peak_event = current_event_;
        w.peak_blocks = live_blocks_;
    }
}

void EventAnalyzer::close_phase(uint64_t end_event) {
    if (open_window_ == kNoWindow) return;
    windows_[open_window_].end_event = end_event;
    last_window_ = open_window_;
    open_window_ = kNoWindow;
}

void EventAnalyzer::on_event(const Event& e) {
    current_event_ = events_++;
    switch (e.kind) {
    case EventKind::Alloc: {
        const uint32_t site = sites_.site_of(schema::NodeId(e.node)).value;
        birth(e.block, e.size, site, e.thread, false);
        chains_.on_alloc(e.block, e.size, site, e.thread, thread_allocs_.current(e.thread));
        break;
    }
    case EventKind::Realloc: {
        const uint32_t site = sites_.site_of(schema::NodeId(e.node)).value;
        Block old;
        if (!take(e.old_block, old)) {
            // Not normally possible (the profiler turns such a realloc into an Alloc).
            birth(e.block, e.size, site, e.thread, false);
            chains_.on_alloc(e.block, e.size, site, e.thread, thread_allocs_.current(e.thread));
            break;
        }
        // DHAT rule: a free of the old block, then an allocation of the new size.
        release(old, e.thread);
        birth(e.block, e.size, site, e.thread, true);
        chains_.on_realloc(e.old_block, old.size, old.site, old.thread, e.block, e.size, site, e.thread, e.moved);
        break;
    }
    case EventKind::Free: {
        Block b;
        if (!take(e.block, b)) break;
        release(b, e.thread);
        chains_.on_free(e.block, b.size, b.site, b.thread, e.thread, thread_allocs_.current(e.thread),
                        [this](uint64_t block) { return live_.count(block) != 0; });
        break;
    }
    case EventKind::PhaseBegin:
        lifetime_.on_boundary(open_window_ != kNoWindow ? open_window_ : last_window_);
        open_phase(e.name);
        break;
    case EventKind::PhaseEnd:
        lifetime_.on_boundary(open_window_ != kNoWindow ? open_window_ : last_window_);
        close_phase(current_event_ + 1);  // the PhaseEnd event is inside the phase
        break;
    case EventKind::Ops: {
        ops_total_ += e.count;
        ops_samples_.add(ops_total_);
        lifetime_.on_ops();
        run_.slope.add(ops_total_, live_bytes_);
        if (open_window_ != kNoWindow) {
            WindowState& w = windows_[open_window_];
            w.ops += e.count;
            w.slope.add(w.ops, live_bytes_);
        }
        break;
    }
    case EventKind::Tick:
    case EventKind::Mmap:
    case EventKind::Munmap:
    case EventKind::Mremap:
        break;  // outside heap metrics
    }
}

WindowMetrics EventAnalyzer::window_metrics(const WindowState& w, uint32_t index, bool whole_run) const {
    WindowMetrics m;
    m.name = w.name;
    m.whole_run = whole_run;
    m.occurrences = w.occurrences;
    m.begin_event = w.begin_event;
    m.end_event = w.end_event;
    m.ops = whole_run ? run_ops_.value_or(ops_total_) : w.ops;
    if (!whole_run && m.ops == 0) {
        m.ops = run_ops_.value_or(ops_total_);  // none counted inside: per op of the run
        m.ops_of_run = m.ops > 0;
    }
    m.per_run = m.ops == 0;
    const double ops = m.per_run ? 1.0 : static_cast<double>(m.ops);
    m.sites.reserve(w.sites.size());
    for (const auto& [site, counts] : w.sites) {
        m.sites.push_back(counts);
        m.sites.back().site = site;
    }
    std::sort(m.sites.begin(), m.sites.end(),
              [](const SiteWindowCounts& a, const SiteWindowCounts& b) { return a.site < b.site; });
    m.allocations = w.allocations;
    m.reallocs = w.reallocs;
    m.frees = w.frees;
    m.bytes_allocated = w.bytes;
    m.allocs_per_op = static_cast<double>(w.allocations) / ops;
    m.bytes_per_op = static_cast<double>(w.bytes) / ops;
    m.collections = whole_run ? sim_.collections() : sim_.window_collections(index);
    m.nursery_bytes = whole_run ? sim_.nursery_bytes() : sim_.window_nursery_bytes(index);
    m.gen0_per_1k = per_1k_ops(static_cast<double>(m.collections), m.per_run, m.ops);
    m.gen0_star_per_1k = per_1k_ops(static_cast<double>(m.nursery_bytes) / static_cast<double>(params_.gen0_budget),
                                    m.per_run, m.ops);
    const SurvivalTally survival = whole_run ? sim_.survival() : sim_.window_survival(index);
    m.survived_bytes = survival.survived_bytes;
    m.collected_bytes = survival.collected_bytes;
    if (survival.collected_bytes) m.survival_rate = survival.rate();
    m.dies_young = w.dies_young;
    m.temporary_k.assign(w.temp_k.begin(), w.temp_k.begin() + k_count_);
    m.peak_live_bytes = w.peak_live;
    m.peak_live_event = w.peak_event;
    m.peak_live_blocks = w.peak_blocks;
    m.leak_slope = w.slope.slope();
    m.slope_samples = static_cast<uint64_t>(w.slope.n);
    m.sizes = w.sizes.quantiles();
    return m;
}

RunMetrics EventAnalyzer::finish() {
    if (finished_) throw AnalysisError("EventAnalyzer::finish called twice");
    finished_ = true;
    close_phase(events_);
    chains_.finish();
    lifetime_.finish();
    run_.end_event = events_;

    RunMetrics r;
    r.events = events_;
    r.ops_from_events = ops_total_;
    r.ops_from_command_line = run_ops_.has_value();
    r.unmatched_frees = unmatched_frees_;
    r.run = window_metrics(run_, 0, true);
    r.run.has_unfreed = true;
    r.run.unfreed_blocks = live_blocks_;
    r.run.unfreed_bytes = live_bytes_;
    for (uint32_t i = 0; i < windows_.size(); ++i) r.phases.push_back(window_metrics(windows_[i], i, false));

    const double ops = r.run.per_run ? 1.0 : static_cast<double>(r.run.ops);
    r.sites.reserve(site_.size());
    for (uint32_t i = 0; i < site_.size(); ++i) {
        SiteState& s = site_[i];
        s.slope.catch_up(ops_samples_);
        SiteMetrics m;
        m.site = i;
        if (i < constructs_.size()) m.construct = constructs_[i];
        m.allocations = s.allocations;
        m.reallocs = s.reallocs;
        m.frees = s.frees;
        m.bytes_allocated = s.bytes;
        m.allocs_per_op = static_cast<double>(s.allocations) / ops;
        m.bytes_per_op = static_cast<double>(s.bytes) / ops;
        m.nursery_bytes = sim_.site_nursery_bytes(i);
        m.gen0_star_per_1k = per_1k_ops(static_cast<double>(m.nursery_bytes) / static_cast<double>(params_.gen0_budget),
                                        r.run.per_run, r.run.ops);
        const SurvivalTally& sv = sim_.site_survival(i);
        m.survived_bytes = sv.survived_bytes;
        m.collected_bytes = sv.collected_bytes;
        if (sv.collected_bytes) m.survival_rate = sv.rate();
        m.dies_young = s.dies_young;
        m.temporary_k.assign(s.temp_k.begin(), s.temp_k.begin() + k_count_);
        m.freed_within_op = s.within_op;
        m.live_at_peak_bytes = peak_.live_at_peak(s.peak, s.live_bytes);
        m.live_at_peak_blocks = peak_.live_at_peak(s.peak_blocks, s.live_blocks);
        m.max_live_bytes = s.max_live;
        m.unfreed_blocks = s.live_blocks;
        m.unfreed_bytes = s.live_bytes;
        m.leak_slope = s.slope.slope(ops_samples_);
        m.sizes = s.sizes.quantiles();
        m.sizes_exact = s.sizes.exact();
        m.few_sizes = s.sizes.sizes_covering(params_.planner.few_sizes_coverage, params_.planner.few_sizes);
        m.top_sizes = s.sizes.top_sizes(params_.planner.few_sizes);
        const uint64_t young = ops_total_ > 0         ? s.within_op
                               : sim_.collections() > 0 ? s.dies_young
                               : k_count_ > 0           ? s.temp_k[k_count_ - 1]
                                                        : s.dies_young;
        m.lifetime_counts = LifetimeCounts{s.allocations, s.frees, young, lifetime_.teardown_frees(i),
                                           lifetime_.phase_end_frees(i)};
        m.lifetime = classify_lifetime(m.lifetime_counts, params_.lifetime);
        if (const uint32_t phase = lifetime_.freeing_phase(i); phase < windows_.size())
            m.freed_at_end_of = windows_[phase].name;
        m.chains = chains_.site_summary(i);
        r.sites.push_back(std::move(m));
    }
    return r;
}

}  // namespace allocprof::analyzers
