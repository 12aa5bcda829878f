// heap_replay.cpp — see heap_replay.h.
#include "analyzers/heap_replay.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <unordered_map>

namespace allocprof::analyzers {
namespace {

using schema::Event;
using schema::EventKind;

// The live blocks and their totals, requested and under the model.
class LiveHeap {
  public:
    struct Block {
        uint64_t size;
        uint64_t heap;
        uint32_t node;
    };

    explicit LiveHeap(const HeapModel& model) : model_(model) {}

    // The heap needed while `e` (an Alloc or Realloc) takes its block: a moved realloc's old
    // block is still held.
    uint64_t heap_during(const Event& e) const {
        uint64_t heap = heap_ + model_.block_bytes(e.size);
        if (e.kind == EventKind::Realloc && !e.moved) {
            auto old = blocks_.find(e.old_block);
            if (old != blocks_.end()) heap -= old->second.heap;
        }
        return heap;
    }

    // Applies a heap event. Returns false for a free of a block that is not live.
    bool apply(const Event& e) {
        switch (e.kind) {
            case EventKind::Alloc:
                take(e.block, e.size, e.node);
                return true;
            case EventKind::Realloc:
                release(e.old_block);  // not live: the recorder made it an Alloc; take it anyway
                take(e.block, e.size, e.node);
                return true;
            case EventKind::Free:
                return release(e.block);
            default:
                return true;
        }
    }

    uint64_t live_bytes() const { return bytes_; }
    uint64_t heap_bytes() const { return heap_; }
    uint64_t live_blocks() const { return blocks_.size(); }

    // What is live now, by site: the top `top` sites by bytes.
    HeapSnapshot snapshot(uint64_t event_index, const SiteMap& sites, size_t top) const {
        HeapSnapshot s;
        s.event_index = event_index;
        s.live_bytes = bytes_;
        s.live_blocks = blocks_.size();
        s.heap_bytes = heap_;
        std::map<uint32_t, HeapSiteLive> per_node;  // ordered: the same answer on every run
        for (const auto& [id, b] : blocks_) {
            HeapSiteLive& n = per_node[b.node];
            n.top_node = b.node;
            n.bytes += b.size;
            n.blocks += 1;
            n.heap_bytes += b.heap;
        }
        std::map<uint32_t, HeapSiteLive> per_site;
        for (const auto& [node, n] : per_node) {
            const uint32_t site = sites.site_of(schema::NodeId(node)).value;
            HeapSiteLive& t = per_site[site];
            if (t.blocks == 0 || n.bytes > per_node.at(t.top_node).bytes) t.top_node = node;
            t.site = site;
            t.bytes += n.bytes;
            t.blocks += n.blocks;
            t.heap_bytes += n.heap_bytes;
        }
        for (const auto& [site, t] : per_site) s.sites.push_back(t);
        std::stable_sort(
            s.sites.begin(), s.sites.end(),
            [](const HeapSiteLive& a, const HeapSiteLive& b) { return a.bytes > b.bytes; });
        s.sites_live = s.sites.size();
        if (s.sites.size() > top) s.sites.resize(top);
        return s;
    }

  private:
    void take(uint64_t block, uint64_t size, uint32_t node) {
        const uint64_t heap = model_.block_bytes(size);
        blocks_[block] = Block{size, heap, node};
        bytes_ += size;
        heap_ += heap;
    }
    bool release(uint64_t block) {
        auto it = blocks_.find(block);
        if (it == blocks_.end()) return false;
        bytes_ -= it->second.size;
        heap_ -= it->second.heap;
        blocks_.erase(it);
        return true;
    }

    const HeapModel& model_;
    std::unordered_map<uint64_t, Block> blocks_;
    uint64_t bytes_ = 0;
    uint64_t heap_ = 0;
};

bool allocates(const Event& e) {
    return e.kind == EventKind::Alloc || e.kind == EventKind::Realloc;
}

// The first pass: every window's peaks, and the first allocation over the limit.
class PeakFinder {
  public:
    PeakFinder(const HeapQuestion& q, HeapResult& out) : q_(q), out_(out), heap_(q.model) {
        out_.windows.assign(1, HeapWindow{});
        if (q.limit) out_.limit = HeapLimitCheck{*q.limit, q.phase, std::nullopt};
    }

    void on_event(const Event& e) {
        const uint64_t index = events_++;
        uint64_t heap_now = heap_.heap_bytes();
        switch (e.kind) {
            case EventKind::PhaseBegin:
                open(e.name, index);
                return;
            case EventKind::PhaseEnd:
                open_ = kNone;  // the PhaseEnd event is the phase's last; nothing changes at it
                return;
            case EventKind::Tick:
                time_ns_ = e.time_ns;
                return;
            default:
                break;
        }
        if (allocates(e)) {
            heap_now = heap_.heap_during(e);
            check_limit(e, index, heap_now);
        }
        if (!heap_.apply(e)) ++out_.unmatched_frees;
        heap_now = std::max(heap_now, heap_.heap_bytes());
        update(out_.windows[0], index, heap_now);
        if (open_ != kNone) update(out_.windows[open_], index, heap_now);
    }

    uint64_t events() const { return events_; }

  private:
    static constexpr size_t kNone = SIZE_MAX;

    void open(const std::string& name, uint64_t index) {
        auto [it, inserted] = index_.try_emplace(name, out_.windows.size());
        if (inserted) {
            out_.windows.push_back(HeapWindow{});
            out_.windows.back().name = name;
            out_.windows.back().occurrences = 0;
        }
        open_ = it->second;
        HeapWindow& w = out_.windows[open_];
        // The live bytes an occurrence begins with count toward the window's peaks.
        if (w.occurrences++ == 0 || heap_.live_bytes() > w.peak.live_bytes) set_peak(w, index);
        if (w.occurrences == 1 || heap_.heap_bytes() > w.heap_peak_bytes) {
            w.heap_peak_bytes = heap_.heap_bytes();
            w.heap_peak_event = index;
        }
    }

    void set_peak(HeapWindow& w, uint64_t index) {
        w.peak.event_index = index;
        w.peak.live_bytes = heap_.live_bytes();
        w.peak.live_blocks = heap_.live_blocks();
        w.peak.heap_bytes = heap_.heap_bytes();
    }

    void update(HeapWindow& w, uint64_t index, uint64_t heap_now) {
        if (heap_.live_bytes() > w.peak.live_bytes) set_peak(w, index);
        if (heap_now > w.heap_peak_bytes) {
            w.heap_peak_bytes = heap_now;
            w.heap_peak_event = index;
        }
    }

    void check_limit(const Event& e, uint64_t index, uint64_t heap_with_it) {
        if (!out_.limit || out_.limit->failure || heap_with_it <= out_.limit->limit) return;
        const std::string phase = open_ != kNone ? out_.windows[open_].name : std::string();
        if (!q_.phase.empty() && phase != q_.phase) return;
        HeapFailure f;
        f.event_index = index;
        f.realloc = e.kind == EventKind::Realloc;
        f.size = e.size;
        f.block_bytes = q_.model.block_bytes(e.size);
        f.heap_with_it = heap_with_it;
        f.node = e.node;
        f.thread = e.thread;
        f.phase = phase;
        f.time_ns = time_ns_;
        out_.limit->failure = std::move(f);
    }

    const HeapQuestion& q_;
    HeapResult& out_;
    LiveHeap heap_;
    std::map<std::string, size_t> index_;
    size_t open_ = kNone;
    uint64_t events_ = 0;
    std::optional<uint64_t> time_ns_;
};

}  // namespace

HeapResult replay_heap(const EventReplay& replay, const SiteMap& sites,
                       const HeapQuestion& question) {
    HeapResult out;
    PeakFinder finder(question, out);
    replay([&finder](const Event& e) { finder.on_event(e); });
    out.events = finder.events();

    // The second pass: what was live at each peak (after its event) and before the failure.
    std::multimap<uint64_t, HeapSnapshot*> after;
    for (HeapWindow& w : out.windows) after.emplace(w.peak.event_index, &w.peak);
    HeapFailure* failure = out.limit && out.limit->failure ? &*out.limit->failure : nullptr;
    if (failure) failure->site = sites.site_of(schema::NodeId(failure->node)).value;
    LiveHeap heap(question.model);
    uint64_t index = 0;
    replay([&](const Event& e) {
        const uint64_t i = index++;
        if (failure && i == failure->event_index)
            failure->live = heap.snapshot(i, sites, question.top_sites);
        heap.apply(e);
        auto [first, last] = after.equal_range(i);
        for (auto it = first; it != last; ++it)
            *it->second = heap.snapshot(i, sites, question.top_sites);
    });
    if (index != out.events)
        throw AnalysisError("the event stream changed between two replays (" +
                            std::to_string(out.events) + " then " + std::to_string(index) +
                            " events)");
    return out;
}

}  // namespace allocprof::analyzers
