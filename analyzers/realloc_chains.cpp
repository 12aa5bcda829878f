// realloc_chains.cpp — see realloc_chains.h.
#include "analyzers/realloc_chains.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace allocprof::analyzers {

const char* to_string(GrowthPattern pattern) {
    switch (pattern) {
    case GrowthPattern::None: return "none";
    case GrowthPattern::Geometric: return "geometric";
    case GrowthPattern::Additive: return "additive";
    case GrowthPattern::Irregular: return "irregular";
    }
    return "none";
}

std::string ChainRecord::describe() const {
    char buf[200];
    const char* what = inferred_links == links ? "inferred growth chain" : inferred_links ? "growth chain" : "realloc chain";
    const char* unit = inferred_links == links ? "regrowths" : "reallocs";
    if (links == 1) unit = inferred_links == links ? "regrowth" : "realloc";
    switch (pattern) {
    case GrowthPattern::Additive:
        std::snprintf(buf, sizeof buf, "additive %s (%u %s, +%.0f B each, %llu -> %llu B)", what, links, unit, increment,
                      static_cast<unsigned long long>(first_size), static_cast<unsigned long long>(last_size));
        break;
    case GrowthPattern::Geometric:
        std::snprintf(buf, sizeof buf, "geometric %s (%u %s, x%.2f each, %llu -> %llu B)", what, links, unit, factor,
                      static_cast<unsigned long long>(first_size), static_cast<unsigned long long>(last_size));
        break;
    default:
        std::snprintf(buf, sizeof buf, "%s%s (%u %s, %llu -> %llu B)", pattern == GrowthPattern::Irregular ? "irregular " : "",
                      what, links, unit, static_cast<unsigned long long>(first_size),
                      static_cast<unsigned long long>(last_size));
        break;
    }
    return buf;
}

ChainTracker::ChainTracker(const ChainParams& params, uint32_t sites) : params_(params), summaries_(sites) {}

ChainTracker::Open ChainTracker::start(uint64_t block, uint64_t size, uint32_t site) const {
    Open c;
    c.record.site = site;
    c.record.origin_site = site;
    c.record.first_block = block;
    c.record.first_size = size;
    c.record.last_size = size;
    c.record.max_size = size;
    c.record.allocated_bytes = size;
    c.current_size = size;
    return c;
}

void ChainTracker::extend(Open& c, uint64_t new_size, uint32_t site, bool moved, bool inferred) const {
    ChainRecord& r = c.record;
    if (r.links == 0) r.site = site;
    ++r.links;
    if (inferred) ++r.inferred_links;
    if (moved) r.copied_bytes += std::min(c.current_size, new_size);
    r.allocated_bytes += new_size;
    r.max_size = std::max(r.max_size, new_size);
    if (new_size > c.current_size) {
        const uint64_t delta = new_size - c.current_size;
        // A growth from 0 bytes has no factor; it counts as an unbounded factor.
        const double factor = c.current_size ? static_cast<double>(new_size) / static_cast<double>(c.current_size) : 1e300;
        if (r.growth_steps == 0) {
            c.min_factor = c.max_factor = factor;
        } else {
            c.min_factor = std::min(c.min_factor, factor);
            c.max_factor = std::max(c.max_factor, factor);
        }
        c.min_delta = std::min(c.min_delta, delta);
        c.max_delta = std::max(c.max_delta, delta);
        c.sum_delta += delta;
        if (c.current_size) c.sum_log_factor += std::log(factor);
        ++r.growth_steps;
    }
    c.current_size = new_size;
    r.last_size = new_size;
}

static GrowthPattern pattern_of(uint32_t steps, uint64_t min_delta, uint64_t max_delta, double min_factor,
                                double max_factor, const ChainParams& p) {
    if (steps < p.min_growth_steps) return GrowthPattern::None;
    if (static_cast<double>(max_delta) <= p.additive_max_spread * static_cast<double>(min_delta) + 1e-9)
        return GrowthPattern::Additive;
    if (min_factor >= p.geometric_min_factor - 1e-12 && max_factor <= p.geometric_max_spread * min_factor + 1e-9)
        return GrowthPattern::Geometric;
    return GrowthPattern::Irregular;
}

void ChainTracker::close(Open& c) {
    ChainRecord& r = c.record;
    if (r.links == 0) return;
    r.pattern = pattern_of(r.growth_steps, c.min_delta, c.max_delta, c.min_factor, c.max_factor, params_);
    if (r.growth_steps) {
        r.increment = static_cast<double>(c.sum_delta) / r.growth_steps;
        r.factor = std::exp(c.sum_log_factor / r.growth_steps);
    }
    r.avoidable_bytes = r.allocated_bytes - r.max_size;
    ChainSummary& s = summaries_[r.site];
    ++s.chains;
    if (r.inferred_links) ++s.inferred_chains;
    s.links += r.links;
    s.copied_bytes += r.copied_bytes;
    s.avoidable_bytes += r.avoidable_bytes;
    switch (r.pattern) {
    case GrowthPattern::Geometric: ++s.geometric; break;
    case GrowthPattern::Additive: ++s.additive; break;
    case GrowthPattern::Irregular: ++s.irregular; break;
    case GrowthPattern::None: ++s.no_pattern; break;
    }
    if (!s.has_longest || r.links > s.longest.links ||
        (r.links == s.longest.links && r.first_block < s.longest.first_block)) {
        s.longest = r;
        s.has_longest = true;
    }
}

GrowthPattern ChainTracker::classify(const std::vector<uint64_t>& sizes, const ChainParams& params) {
    if (sizes.empty()) return GrowthPattern::None;
    ChainTracker t(params, 1);
    Open c = t.start(0, sizes[0], 0);
    for (size_t i = 1; i < sizes.size(); ++i) t.extend(c, sizes[i], 0, true, false);
    return pattern_of(c.record.growth_steps, c.min_delta, c.max_delta, c.min_factor, c.max_factor, params);
}

void ChainTracker::on_alloc(uint64_t block, uint64_t size, uint32_t site, uint32_t thread, uint64_t thread_allocs) {
    const uint64_t k = key(site, thread);
    auto last = last_.find(k);
    if (last != last_.end()) {
        // The site's previous block on this thread is still live (freed entries are erased).
        if (size > last->second.size)
            successor_[last->second.block] = Successor{block, size, thread_allocs, thread_frees_[thread]};
        last->second = Last{block, size};
    } else {
        last_.emplace(k, Last{block, size});
    }
}

void ChainTracker::on_realloc(uint64_t old_block, uint64_t old_size, uint32_t old_site, uint32_t old_thread,
                              uint64_t new_block, uint64_t new_size, uint32_t site, uint32_t thread, bool moved) {
    successor_.erase(old_block);  // an exact link wins over an inferred one
    ++thread_frees_[thread];
    auto last = last_.find(key(old_site, old_thread));
    if (last != last_.end() && last->second.block == old_block) last_.erase(last);
    last_[key(site, thread)] = Last{new_block, new_size};

    Open chain;
    auto it = open_.find(old_block);
    if (it != open_.end()) {
        chain = std::move(it->second);
        open_.erase(it);
    } else {
        chain = start(old_block, old_size, old_site);
    }
    extend(chain, new_size, site, moved, false);
    open_.emplace(new_block, std::move(chain));
}

void ChainTracker::on_free(uint64_t block, uint64_t size, uint32_t site, uint32_t thread, uint32_t freeing_thread,
                           uint64_t freeing_thread_allocs, const std::function<bool(uint64_t)>& is_live) {
    auto last = last_.find(key(site, thread));
    if (last != last_.end() && last->second.block == block) last_.erase(last);

    auto open = open_.find(block);
    auto succ = successor_.find(block);
    uint64_t& frees = thread_frees_[freeing_thread];
    const uint64_t frees_before = frees++;
    if (succ != successor_.end()) {
        const Successor s = succ->second;
        successor_.erase(succ);
        if (freeing_thread == thread && freeing_thread_allocs - s.thread_allocs <= params_.inferred_max_between &&
            frees_before == s.thread_frees && is_live(s.block)) {
            Open chain;
            if (open != open_.end()) {
                chain = std::move(open->second);
                open_.erase(open);
            } else {
                chain = start(block, size, site);
            }
            extend(chain, s.size, site, true, true);
            // The successor may have started a chain of its own already (it cannot have
            // links: a realloc of it would have made it not live): replace it.
            open_[s.block] = std::move(chain);
            return;
        }
    }
    if (open != open_.end()) {
        close(open->second);
        open_.erase(open);
    }
}

void ChainTracker::finish() {
    // Close in block order so that ties between equally long chains resolve the same way
    // whatever the hash map's order.
    std::vector<uint64_t> blocks;
    blocks.reserve(open_.size());
    for (const auto& [b, c] : open_) blocks.push_back(b);
    std::sort(blocks.begin(), blocks.end());
    for (uint64_t b : blocks) close(open_[b]);
    open_.clear();
    successor_.clear();
    last_.clear();
    thread_frees_.clear();
}

}  // namespace allocprof::analyzers
