// LiveBlockMap against std::unordered_map on a long random churn (fixed seed), including
// the backward-shift deletion across the wrap-around of the table.
#include "record/live_block_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

using allocprof::record::LiveBlock;
using allocprof::record::LiveBlockMap;

TEST(LiveBlockMap, InsertEraseReplace) {
    LiveBlockMap map;
    LiveBlock out;
    EXPECT_FALSE(map.insert(0x1000, {.block = 1, .size = 10}, nullptr));
    EXPECT_TRUE(map.insert(0x1000, {.block = 2, .size = 20}, &out));
    EXPECT_EQ(out.block, 1u);
    EXPECT_EQ(map.size(), 1u);
    ASSERT_TRUE(map.erase(0x1000, &out));
    EXPECT_EQ(out.block, 2u);
    EXPECT_EQ(out.size, 20u);
    EXPECT_FALSE(map.erase(0x1000, &out));
    EXPECT_EQ(map.size(), 0u);
}

TEST(LiveBlockMap, MatchesReferenceMapUnderRandomChurn) {
    LiveBlockMap map;
    std::unordered_map<uint64_t, uint64_t> reference;
    std::mt19937_64 rng(12345);
    std::vector<uint64_t> live;
    for (uint64_t step = 0; step < 400000; ++step) {
        bool allocate = live.empty() || rng() % 100 < 55;
        if (allocate) {
            // Addresses cluster like a heap's (16-byte aligned, nearby), which stresses probing.
            uint64_t address = 0x10000 + (rng() % 200000) * 16;
            LiveBlock replaced;
            bool existed = map.insert(address, {.block = step, .size = step % 100}, &replaced);
            EXPECT_EQ(existed, reference.count(address) == 1);
            if (!existed) live.push_back(address);
            reference[address] = step;
        } else {
            size_t i = rng() % live.size();
            uint64_t address = live[i];
            live[i] = live.back();
            live.pop_back();
            LiveBlock out;
            ASSERT_TRUE(map.erase(address, &out));
            EXPECT_EQ(out.block, reference[address]);
            reference.erase(address);
        }
        ASSERT_EQ(map.size(), reference.size());
    }
    size_t seen = 0;
    map.for_each([&](uint64_t address, const LiveBlock& b) {
        ++seen;
        EXPECT_EQ(reference.at(address), b.block);
    });
    EXPECT_EQ(seen, reference.size());
}
