// size_sketch.cpp — see size_sketch.h.
#include "analyzers/size_sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace allocprof::analyzers {

// Sizes below 16 have a bucket each; from 16 on, 16 buckets per power of two.
uint32_t SizeSketch::bucket_of(uint64_t size) {
    if (size < 16) return static_cast<uint32_t>(size);
    const uint32_t e = static_cast<uint32_t>(std::bit_width(size)) - 1;  // 2^e <= size
    const uint32_t sub = static_cast<uint32_t>((size >> (e - 4)) & 15);
    return 16 + (e - 4) * 16 + sub;
}

uint64_t SizeSketch::bucket_upper(uint32_t bucket) {
    if (bucket < 16) return bucket;
    const uint32_t e = (bucket - 16) / 16 + 4;
    const uint64_t sub = (bucket - 16) % 16;
    const uint64_t lower = (16 + sub) << (e - 4);
    return lower + ((uint64_t{1} << (e - 4)) - 1);
}

void SizeSketch::add(uint64_t size) {
    ++count_;
    min_ = std::min(min_, size);
    max_ = std::max(max_, size);
    const uint64_t key = folded_ ? bucket_of(size) : size;
    if (key == last_key_) {
        ++last_->second;
        return;
    }
    auto [it, inserted] = counts_.try_emplace(key, 0);
    ++it->second;
    last_key_ = key;
    last_ = it;
    if (inserted && !folded_ && counts_.size() > exact_limit_) fold();
}

void SizeSketch::fold() {
    std::map<uint64_t, uint64_t> buckets;
    for (const auto& [size, n] : counts_) buckets[bucket_of(size)] += n;
    counts_ = std::move(buckets);
    folded_ = true;
    last_key_ = UINT64_MAX;
}

uint64_t SizeSketch::quantile(double p) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<uint64_t>(std::max(1.0, std::ceil(p * static_cast<double>(count_) - 1e-9)));
    uint64_t seen = 0;
    for (const auto& [key, n] : counts_) {
        seen += n;
        if (seen >= rank) return folded_ ? std::min(bucket_upper(static_cast<uint32_t>(key)), max_) : key;
    }
    return max_;
}

SizeQuantiles SizeSketch::quantiles() const {
    SizeQuantiles q;
    if (count_ == 0) return q;
    q.p50 = quantile(0.50);
    q.p90 = quantile(0.90);
    q.p99 = quantile(0.99);
    q.max = max_;
    q.min = min_;
    return q;
}

std::vector<std::pair<uint64_t, uint64_t>> SizeSketch::top_sizes(uint32_t limit) const {
    std::vector<std::pair<uint64_t, uint64_t>> all;
    all.reserve(counts_.size());
    for (const auto& [key, n] : counts_)
        all.emplace_back(folded_ ? std::min(bucket_upper(static_cast<uint32_t>(key)), max_) : key, n);
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (all.size() > limit) all.resize(limit);
    return all;
}

uint32_t SizeSketch::sizes_covering(double coverage, uint32_t limit) const {
    if (count_ == 0) return 0;
    const auto top = top_sizes(limit);
    uint64_t covered = 0;
    for (uint32_t i = 0; i < top.size(); ++i) {
        covered += top[i].second;
        if (static_cast<double>(covered) >= coverage * static_cast<double>(count_) - 1e-9) return i + 1;
    }
    return 0;
}

}  // namespace allocprof::analyzers
