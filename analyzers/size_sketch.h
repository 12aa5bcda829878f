// size_sketch.h — allocation sizes of a site or a window in bounded memory, for quantiles
// (p50/p90/p99/max) and "one or few sizes".
//
// Exact while the sizes seen are at most `exact_limit` distinct values (a count per size:
// most sites allocate a handful of sizes however often they run). Past that, the counts
// fold into log-linear buckets: 16 per power of two, so a bucket spans at most 1/16 of
// its lower bound (quantile error <= 6.25 %), and a quantile reports its bucket's upper
// bound (rounded up: the safe side for pre-sizing), capped at the exact maximum.
// Quantiles are nearest-rank: the smallest size s with count(size <= s) >= ceil(p * n).
// Deterministic: no sampling.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace allocprof::analyzers {

struct SizeQuantiles {
    uint64_t p50 = 0, p90 = 0, p99 = 0, max = 0, min = 0;
    bool operator==(const SizeQuantiles&) const = default;
};

class SizeSketch {
public:
    explicit SizeSketch(uint32_t exact_limit = 1024) : exact_limit_(exact_limit) {}

    void add(uint64_t size);

    uint64_t count() const { return count_; }
    bool exact() const { return !folded_; }
    // Nearest-rank quantile, p in (0, 1]; 0 when empty.
    uint64_t quantile(double p) const;
    SizeQuantiles quantiles() const;
    // How many of the most frequent sizes (at most `limit`) it takes to cover `coverage`
    // of the count; 0 if `limit` sizes are not enough, or once folded (sizes no longer
    // known one by one) unless the folded buckets cover it.
    uint32_t sizes_covering(double coverage, uint32_t limit) const;
    // The most frequent sizes, most frequent first (ties: smaller size first), at most `limit`.
    std::vector<std::pair<uint64_t, uint64_t>> top_sizes(uint32_t limit) const;

    // Bucket index of a size in the folded form, and the largest size in a bucket.
    static uint32_t bucket_of(uint64_t size);
    static uint64_t bucket_upper(uint32_t bucket);

private:
    void fold();

    uint32_t exact_limit_;
    bool folded_ = false;
    uint64_t count_ = 0;
    uint64_t min_ = UINT64_MAX;
    uint64_t max_ = 0;
    std::map<uint64_t, uint64_t> counts_;  // size -> count, or bucket -> count once folded
    // The last size added and its entry: repeated sizes skip the lookup.
    uint64_t last_key_ = UINT64_MAX;
    std::map<uint64_t, uint64_t>::iterator last_;
};

}  // namespace allocprof::analyzers
