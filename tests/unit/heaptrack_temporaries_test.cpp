// heaptrack_temporaries_test.cpp — heaptrack's temporary rule on hand-made record orders:
// what it must count and, as much, what it must not.
#include "record/heaptrack_temporaries.h"

#include <gtest/gtest.h>

namespace allocprof::record {
namespace {

TEST(HeaptrackTemporaries, AFreeRightAfterAnAllocationOfTheSameSizeAndStackCounts) {
    HeaptrackTemporaries t;
    t.on_alloc(32, 7);
    t.on_free(32, 7);
    EXPECT_EQ(t.count(), 1u);
}

TEST(HeaptrackTemporaries, AnotherBlockOfTheSameSizeAndStackCountsToo) {
    // heaptrack compares allocation infos, not blocks: A allocated, B allocated, A freed.
    HeaptrackTemporaries t;
    t.on_alloc(32, 7);
    t.on_alloc(32, 7);
    t.on_free(32, 7);
    EXPECT_EQ(t.count(), 1u);
}

TEST(HeaptrackTemporaries, OtherSizeOtherStackOrAFreeBetweenDoNotCount) {
    HeaptrackTemporaries size;
    size.on_alloc(32, 7);
    size.on_free(48, 7);
    EXPECT_EQ(size.count(), 0u);

    HeaptrackTemporaries stack;
    stack.on_alloc(32, 7);
    stack.on_free(32, 8);
    EXPECT_EQ(stack.count(), 0u);

    HeaptrackTemporaries between;  // alloc X, alloc Y, free Y, free X: only Y counts
    between.on_alloc(16, 1);
    between.on_alloc(32, 7);
    between.on_free(32, 7);
    between.on_free(16, 1);
    EXPECT_EQ(between.count(), 1u);
}

TEST(HeaptrackTemporaries, AFreeBeforeAnyAllocationOrAfterAFreeNeverCounts) {
    HeaptrackTemporaries t;
    t.on_free(32, 7);
    EXPECT_EQ(t.count(), 0u);
    t.on_alloc(32, 7);  // the run's first allocation info
    t.on_alloc(64, 9);
    t.on_free(64, 9);   // counts
    t.on_free(32, 7);   // right after a free: not temporary, first info or not
    EXPECT_EQ(t.count(), 1u);
}

TEST(HeaptrackTemporaries, AReallocIsAFreeThenAnAllocation) {
    // A growth chain 16 -> 32 -> 64 from one stack: each step frees the block the step
    // before allocated, so each counts; the final free counts as well.
    HeaptrackTemporaries t;
    t.on_alloc(16, 3);
    t.on_free(16, 3);
    t.on_alloc(32, 3);
    t.on_free(32, 3);
    t.on_alloc(64, 3);
    t.on_free(64, 3);
    EXPECT_EQ(t.count(), 3u);
}

}  // namespace
}  // namespace allocprof::record
