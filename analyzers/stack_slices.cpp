// stack_slices.cpp — see stack_slices.h.
#include "analyzers/stack_slices.h"

#include <algorithm>
#include <tuple>

namespace allocprof::analyzers {

uint32_t StackSlicer::slice(uint32_t node, uint32_t thread) {
    const auto [at, added] = slice_ids_.try_emplace(Key{node, thread, phase_}, static_cast<uint32_t>(figures_.size()));
    if (added) {
        Figures& f = figures_.emplace_back();
        f.node = node;
        f.thread = thread;
        f.phase = phase_;
    }
    return at->second;
}

void StackSlicer::allocate(const schema::Event& e) {
    if (figures_.empty()) first_thread_ = e.thread;
    threads_differ_ = threads_differ_ || e.thread != first_thread_;
    in_phase_ = in_phase_ || phase_ != 0;
    const uint32_t index = slice(e.node, e.thread);
    Figures& f = figures_[index];
    peak_.before_change(f.peak, f.live_bytes);
    ++f.allocations;
    f.bytes += e.size;
    f.live_bytes += e.size;
    live_bytes_ += e.size;
    if (e.block >= live_.size()) live_.resize(std::max<size_t>(e.block + 1, live_.size() * 2));
    live_[e.block] = Live{index + 1, e.thread, e.size, thread_allocs_.count(e.thread)};
}

void StackSlicer::release(uint64_t block, uint32_t thread) {
    if (block >= live_.size() || live_[block].slice == 0) return;
    const Live b = live_[block];
    live_[block].slice = 0;
    Figures& f = figures_[b.slice - 1];
    peak_.before_change(f.peak, f.live_bytes);
    f.live_bytes -= b.size;
    live_bytes_ -= b.size;
    if (schema::is_temporary(b.thread, thread, thread_allocs_.since(thread, b.thread_seq), 0)) ++f.temporary_k0;
}

void StackSlicer::on_event(const schema::Event& e) {
    switch (e.kind) {
        case schema::EventKind::Alloc:
            allocate(e);
            break;
        case schema::EventKind::Realloc:
            release(e.old_block, e.thread);
            allocate(e);
            break;
        case schema::EventKind::Free:
            release(e.block, e.thread);
            return;
        case schema::EventKind::PhaseBegin: {
            const auto [at, added] = phase_ids_.try_emplace(e.name, static_cast<uint32_t>(phases_.size()));
            if (added) phases_.push_back(e.name);
            phase_ = at->second;
            return;
        }
        case schema::EventKind::PhaseEnd:
            phase_ = 0;
            return;
        default:
            return;
    }
    if (live_bytes_ > peak_bytes_) {
        peak_bytes_ = live_bytes_;
        peak_.new_peak();
    }
}

StackSlices StackSlicer::finish() {
    StackSlices out;
    out.split = threads_differ_ || in_phase_;
    if (!out.split) return out;
    out.slices.reserve(figures_.size());
    for (const Figures& f : figures_) {
        StackSlice s;
        s.node = f.node;
        s.thread = f.thread;
        s.phase = phases_[f.phase];
        s.allocations = f.allocations;
        s.bytes = f.bytes;
        s.live_at_peak_bytes = peak_.live_at_peak(f.peak, f.live_bytes);
        s.live_end_bytes = f.live_bytes;
        s.temporary_k0 = f.temporary_k0;
        out.slices.push_back(std::move(s));
    }
    std::sort(out.slices.begin(), out.slices.end(), [](const StackSlice& a, const StackSlice& b) {
        return std::tie(a.node, a.thread, a.phase) < std::tie(b.node, b.thread, b.phase);
    });
    return out;
}

}  // namespace allocprof::analyzers
