// test_budgets_test.cpp — budgets where tests live: the measured scope of the preload
// library (samples/c/measured_scope.c) under `allocprof record`, with figures known by
// construction, and without allocprof, where it must run the same.
#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class TestBudgets : public E2eTest {};

// The measured scope's figures are exact: blocks followed through free and realloc, a
// block made before the scope ignored, nothing counted after the end, a new scope from 0,
// and a full block table counting its overflow instead of growing.
TEST_F(TestBudgets, MeasuredScopeFollowsEveryBlock) {
    Recording rec = record_to_db({sample_binary("measured_scope").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    const std::string first =
        "allocations=4 bytes=750 live_blocks=1 live_bytes=400 peak=450 untracked=0 untracked_bytes=0";
    EXPECT_EQ(rec.process.out,
              "began=1\n"
              "first: " + first + "\n"
              "after: " + first + "\n"
              "fresh: allocations=0 bytes=0 live_blocks=0 live_bytes=0 peak=0 untracked=0 untracked_bytes=0\n"
              "full: allocations=100000 bytes=800000 live_blocks=98304 live_bytes=786432 peak=786432 "
              "untracked=1696 untracked_bytes=13568\n"
              "freed: allocations=100000 bytes=800000 live_blocks=0 live_bytes=0 peak=786432 "
              "untracked=1696 untracked_bytes=13568\n"
              "lines=1 function=0 line=0 allocations=100000 bytes=800000 live=0\n");
    // The run records the same blocks: the program's 100,007 and stdout's buffer, the one
    // block never freed.
    json run = single_run(db());
    expect_count(run, "allocations", 100008);
    expect_count(run, "unfreed_blocks", 1);

    ProcessResult plain = run_process({sample_binary("measured_scope").string()});
    ASSERT_TRUE(plain.exited_with(0)) << plain.describe();
    const std::string zero =
        "allocations=0 bytes=0 live_blocks=0 live_bytes=0 peak=0 untracked=0 untracked_bytes=0\n";
    EXPECT_EQ(plain.out, "began=0\nfirst: " + zero + "after: " + zero + "fresh: " + zero +
                             "full: " + zero + "freed: " + zero + "lines=0\n");
}

}  // namespace
}  // namespace allocprof::e2e
