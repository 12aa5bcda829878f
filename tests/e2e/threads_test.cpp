// threads_test.cpp — 8 threads allocating and freeing each other's blocks
// (samples/c/threads_exchange.c): exact totals over ~2 M events, every free seen after
// its allocation, nothing live at the end.
#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class Threads : public E2eTest {};

TEST_F(Threads, EightThreadsFreeEachOthersBlocks) {
    Recording rec = record_to_db({sample_binary("threads_exchange").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    ASSERT_EQ(rec.process.out, "blocks=1048576\n");
    json run = single_run(db());
    expect_exited(run, 0);
    EXPECT_EQ(run["truncated"], json(false));

    // Planted (threads_exchange.c): 8 threads x 131072 mallocs of 16 * (1 + k % 16) bytes,
    // each freed by the next thread: 1,048,576 allocations + 1,048,576 frees = 2,097,152
    // events; bytes = 8 * 8192 * 16 * (1 + ... + 16) = 142,606,336.
    const long long planted_allocs = 8LL * 131072;
    const long long planted_bytes = 8LL * 8192 * 16 * 136;
    static_assert(8LL * 8192 * 16 * 136 == 142606336);
    // glibc adds exactly one calloc per pthread_create (the thread's DTV), freed at join
    // because the threads run on program-provided stacks. Its size depends on the number
    // of TLS modules loaded (the recorder's library is one), so take it from the database.
    expect_calls(run, "malloc", planted_allocs);
    expect_calls(run, "calloc", 8);
    RunDatabase database(db());
    const long long dtv_bytes =
        database.scalar("SELECT COALESCE(SUM(bytes), 0) FROM function_calls "
                        "WHERE function = 'calloc'");
    EXPECT_GE(dtv_bytes, 8 * 16 * 17) << "a DTV has at least 17 slots of 16 bytes";

    expect_count(run, "allocations", planted_allocs + 8);
    expect_count(run, "frees", planted_allocs + 8);
    expect_count(run, "bytes_allocated", planted_bytes + dtv_bytes);
    expect_count(run, "reallocs", 0);
    expect_count(run, "unmatched_frees", 0);  // no free seen before its allocation
    expect_count(run, "unfreed_blocks", 0);
    expect_count(run, "unfreed_bytes", 0);
    // The 8 workers plus the main thread (pthread_create's calloc, join's free).
    expect_count(run, "threads", 9);
}

}  // namespace
}  // namespace allocprof::e2e
