// Size quantiles: exact below the distinct-size limit, bounded error above it.
#include <gtest/gtest.h>

#include "analyzers/size_sketch.h"

namespace allocprof::analyzers {
namespace {

TEST(SizeSketch, ExactNearestRank) {
    SizeSketch s;
    for (uint64_t v = 1; v <= 100; ++v) s.add(v);
    EXPECT_TRUE(s.exact());
    SizeQuantiles q = s.quantiles();
    EXPECT_EQ(q.p50, 50u);
    EXPECT_EQ(q.p90, 90u);
    EXPECT_EQ(q.p99, 99u);
    EXPECT_EQ(q.max, 100u);
    EXPECT_EQ(q.min, 1u);
}

TEST(SizeSketch, FewSizes) {
    SizeSketch s;
    for (int i = 0; i < 90; ++i) s.add(32);
    for (int i = 0; i < 8; ++i) s.add(64);
    s.add(100);
    s.add(200);
    EXPECT_EQ(s.sizes_covering(0.90, 4), 1u);  // 32 alone is 90 %
    EXPECT_EQ(s.sizes_covering(0.99, 4), 3u);
    EXPECT_EQ(s.sizes_covering(1.0, 3), 0u);   // needs 4 sizes
    auto top = s.top_sizes(2);
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0], (std::pair<uint64_t, uint64_t>{32, 90}));
    EXPECT_EQ(top[1], (std::pair<uint64_t, uint64_t>{64, 8}));
}

TEST(SizeSketch, FoldsIntoBucketsWithBoundedError) {
    SizeSketch s(16);
    for (uint64_t v = 1000; v < 2000; ++v) s.add(v);
    EXPECT_FALSE(s.exact());
    SizeQuantiles q = s.quantiles();
    // True p50 = 1499, p90 = 1899, p99 = 1989; a bucket spans 1/16 of its lower bound and
    // the quantile reports its upper bound: never below the truth, at most 6.25 % above.
    EXPECT_GE(q.p50, 1499u);
    EXPECT_LE(q.p50, 1499u * 1.0625);
    EXPECT_GE(q.p90, 1899u);
    EXPECT_LE(q.p90, 1899u * 1.0625);
    EXPECT_GE(q.p99, 1989u);
    EXPECT_EQ(q.max, 1999u);
    EXPECT_LE(q.p99, q.max);
}

TEST(SizeSketch, Buckets) {
    EXPECT_EQ(SizeSketch::bucket_of(15), 15u);
    EXPECT_EQ(SizeSketch::bucket_upper(SizeSketch::bucket_of(16)), 16u);
    EXPECT_EQ(SizeSketch::bucket_upper(SizeSketch::bucket_of(32)), 33u);
    for (uint64_t v : {17ull, 100ull, 1000ull, 123456ull, 1ull << 40})
        EXPECT_GE(SizeSketch::bucket_upper(SizeSketch::bucket_of(v)), v);
}

}  // namespace
}  // namespace allocprof::analyzers
