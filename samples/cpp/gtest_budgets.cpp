// gtest_budgets.cpp — a GoogleTest program with allocprof's listener (allocprof/gtest_listener.h)
// and the thread-count helpers of allocprof.h, for tests/e2e/test_budgets_test.cpp.
//
// Each test body makes a known number of malloc/free pairs of a known size: Zero none, Seven
// 7 of 100 B, Hundred 100 of 10 B (Warmup, first, takes whatever GoogleTest does once). So
// under `allocprof record` the phases "Budgets.Seven" and "Budgets.Hundred" hold exactly 7 and
// 100 allocations (700 B and 1000 B) more than "Budgets.Zero", whose count is GoogleTest's own
// per-test work. The bodies also check their own counts in-process: the counts of allocprof
// when it is loaded, 0 without it, so the program passes either way.
#include <stdlib.h>

#include <gtest/gtest.h>

#include "allocprof/allocprof.h"
#include "allocprof/gtest_listener.h"

namespace {

bool allocprof_loaded() { return &allocprof_thread_allocations != nullptr; }

void malloc_free_pairs(int n, size_t size) {
    for (int i = 0; i < n; ++i) {
        void* volatile p = malloc(size);
        free(p);
    }
}

TEST(Budgets, Warmup) { malloc_free_pairs(1, 1000); }

TEST(Budgets, Zero) {
    EXPECT_EQ(ALLOCPROF_EXPECT_NO_ALLOCATIONS(malloc_free_pairs(0, 100)), 0u);
}

TEST(Budgets, Seven) {
    EXPECT_EQ(ALLOCPROF_EXPECT_NO_ALLOCATIONS(malloc_free_pairs(7, 100)), allocprof_loaded() ? 7u : 0u);
}

TEST(Budgets, Hundred) {
    allocprof::NoAllocationScope scope;
    malloc_free_pairs(100, 10);
    const uint64_t count = scope.count(), bytes = scope.bytes();
    EXPECT_EQ(count, allocprof_loaded() ? 100u : 0u);
    EXPECT_EQ(bytes, allocprof_loaded() ? 1000u : 0u);
}

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::UnitTest::GetInstance()->listeners().Append(new allocprof::GTestListener);
    return RUN_ALL_TESTS();
}
