// exact_counts_test.cpp — sample programs with known allocation patterns: the summary must
// equal the numbers derived from each program's design (see the header comment of each
// sample), or valgrind memcheck's own count of the same command.
#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class ExactCounts : public E2eTest {};

// samples/c/alloc_patterns.c: every hooked C function once, totals tabulated in the file.
TEST_F(ExactCounts, EveryAllocationFunctionOfC) {
    const std::string program = sample_binary("alloc_patterns").string();
    Recording rec = record_to_db({program});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());

    EXPECT_EQ(run["command"], json::array({program}));
    expect_exited(run, 0);
    EXPECT_EQ(run["truncated"], json(false));
    expect_count(run, "threads", 1);

    // Derived in alloc_patterns.c: 1 kept + 10 malloc + 5 calloc + (1 + 5) growth +
    // 2 shrink + realloc(NULL) + malloc before realloc(p, 0) + posix_memalign +
    // aligned_alloc + memalign + valloc + pvalloc + 2 reallocarray + strdup + strndup.
    expect_count(run, "allocations", 35);
    expect_count(run, "bytes_allocated", 5110);
    expect_count(run, "frees", 34);  // every block but the kept one; realloc(p, 0) is a free
    expect_count(run, "reallocs", 8);  // 5 growth + 2 shrink + 1 reallocarray(p, ...)
    expect_count(run, "unfreed_blocks", 1);
    expect_count(run, "unfreed_bytes", 777);
    expect_count(run, "peak_live_bytes", 1777);  // kept 777 + ten malloc(100) held at once
    expect_count(run, "unmatched_frees", 0);

    // Calls per function (realloc is left out: whether realloc(p, 0), which returns NULL,
    // is a "successful call" is the recorder's choice; its effects are checked above).
    expect_calls(run, "malloc", 15);  // 1 + 10 + 1 + 1 + strdup + strndup
    expect_calls(run, "calloc", 5);
    expect_calls(run, "posix_memalign", 1);
    expect_calls(run, "aligned_alloc", 1);
    expect_calls(run, "memalign", 1);
    expect_calls(run, "valloc", 1);
    expect_calls(run, "pvalloc", 1);
    expect_calls(run, "reallocarray", 2);
}

// samples/cpp/new_delete.cpp: operator new/delete, new[]/delete[], aligned and nothrow
// new, vector growth, std::string — plus libstdc++'s own startup allocation, measured with
// valgrind on the same binary run with --baseline (it stops right after startup).
TEST_F(ExactCounts, CxxNewAndDelete) {
    if (!valgrind_available()) GTEST_SKIP() << "valgrind not installed";
    const std::string program = sample_binary("new_delete").string();
    HeapUsage baseline = valgrind_heap_usage({program, "--baseline"}, dir_.path());
    ASSERT_EQ(baseline.exit_code, 0);
    // The derivation of peak and temporaries below assumes the startup blocks are never
    // freed (libstdc++'s emergency exception pool is not, without valgrind's freeres).
    ASSERT_EQ(baseline.frees, 0u) << "libstdc++ startup freed blocks; the test needs a rework";

    Recording rec = record_to_db({program});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 0);

    // Planted (new_delete.cpp): 38 allocations, 8057 bytes, 37 freed, 1 Widget kept.
    const long long base_allocs = static_cast<long long>(baseline.allocs);
    const long long base_bytes = static_cast<long long>(baseline.bytes_allocated);
    expect_count(run, "allocations", 38 + base_allocs);
    expect_count(run, "bytes_allocated", 8057 + base_bytes);
    expect_count(run, "frees", 37);
    expect_count(run, "reallocs", 0);
    expect_count(run, "unfreed_blocks", 1 + static_cast<long long>(baseline.in_use_blocks));
    expect_count(run, "unfreed_bytes", 48 + static_cast<long long>(baseline.in_use_bytes));
    // The startup blocks stay live; the planted peak is the kept Widget + 5 x char[1000].
    expect_count(run, "peak_live_bytes", 5048 + static_cast<long long>(baseline.in_use_bytes));
    // K=0: 20 Widgets + last char[] + last vector buffer + string + aligned + nothrow[]
    //      + unique_ptr[] = 26. K=1 adds the 4th char[] and the 7 earlier vector buffers
    //      (each freed right after its successor was allocated): 34.
    expect_count(run, "temporary_allocations", 26);
    expect_count(run, "temporary_allocations_k1", 34);
    expect_count(run, "unmatched_frees", 0);
}

// samples/c/never_free.c: 100 x malloc(1..100) + 10 x calloc(3, 100), nothing freed.
TEST_F(ExactCounts, ProgramThatNeverFrees) {
    Recording rec = record_to_db({sample_binary("never_free").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 0);
    expect_count(run, "allocations", 110);
    expect_count(run, "bytes_allocated", 5050 + 3000);
    expect_count(run, "frees", 0);
    expect_count(run, "unfreed_blocks", 110);
    expect_count(run, "unfreed_bytes", 8050);
    expect_count(run, "peak_live_bytes", 8050);
    expect_count(run, "temporary_allocations", 0);
    expect_count(run, "temporary_allocations_k1", 0);
    expect_calls(run, "malloc", 100);
    expect_calls(run, "calloc", 10);
}

// Compares a recording of `command` with valgrind memcheck's heap summary of it.
void expect_matches_valgrind(const json& run, const HeapUsage& vg) {
    expect_count(run, "allocations", static_cast<long long>(vg.allocs));
    expect_count(run, "bytes_allocated", static_cast<long long>(vg.bytes_allocated));
    expect_count(run, "frees", static_cast<long long>(vg.frees));
    expect_count(run, "unfreed_blocks", static_cast<long long>(vg.in_use_blocks));
    expect_count(run, "unfreed_bytes", static_cast<long long>(vg.in_use_bytes));
    expect_count(run, "unmatched_frees", 0);
}

// samples/c/word_index.c: a deterministic C workload, counted by valgrind.
TEST_F(ExactCounts, CWorkloadMatchesValgrind) {
    if (!valgrind_available()) GTEST_SKIP() << "valgrind not installed";
    const std::vector<std::string> command = {sample_binary("word_index").string(), "20"};
    HeapUsage vg = valgrind_heap_usage(command, dir_.path());
    ASSERT_EQ(vg.exit_code, 0);
    ASSERT_GT(vg.allocs, 100u);
    ASSERT_GT(vg.in_use_blocks, 0u);

    Recording rec = record_to_db(command);
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 0);
    expect_matches_valgrind(run, vg);
}

// lua5.4 on samples/lua/churn.lua, counted by valgrind.
TEST_F(ExactCounts, LuaScriptMatchesValgrind) {
    if (!valgrind_available()) GTEST_SKIP() << "valgrind not installed";
    auto lua = find_on_path("lua5.4");
    if (!lua) GTEST_SKIP() << "lua5.4 not installed";
    const std::vector<std::string> command = {
        lua->string(), (samples_source_dir() / "lua" / "churn.lua").string(), "200"};
    HeapUsage vg = valgrind_heap_usage(command, dir_.path());
    ASSERT_EQ(vg.exit_code, 0);
    ASSERT_GT(vg.allocs, 1000u);

    // Native only: with script frames on, the interpreter also runs allocprof's LUA_INIT
    // chunk and GC sentinel, which valgrind's run does not.
    Recording rec = record_to_db(command, {"--no-script-frames"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 0);
    expect_matches_valgrind(run, vg);
}

// heaptrack's own figures for the same workloads: its "calls to allocation functions" is
// our allocations, and runs.temporary_heaptrack follows its rule for "temporary memory
// allocations" (docs/definitions.md), so both equal heaptrack_print's lines but for what
// heaptrack itself adds to the target: at exit it frees libstdc++'s emergency pool
// (__gnu_cxx::__freeres), which its rule may count as temporary (exit_pool_temporary), and in
// a C program its own libstdc++ allocates that pool, one allocation the program never makes.
void expect_matches_heaptrack(const json& run, const HeaptrackSummary& ht, bool c_program) {
    const auto own_pool = static_cast<long long>(c_program ? 1 : 0);
    expect_count(run, "allocations", static_cast<long long>(ht.allocation_calls) - own_pool);
    expect_count(run, "temporary_heaptrack", static_cast<long long>(ht.temporary - ht.exit_pool_temporary));
}

TEST_F(ExactCounts, CppBenchmarkMatchesHeaptrack) {
    if (!heaptrack_available()) GTEST_SKIP() << "heaptrack not installed";
    const std::vector<std::string> command = {sample_binary("interpreter").string(), "1000"};
    HeaptrackSummary ht = heaptrack_summary(command, dir_.path());
    ASSERT_EQ(ht.exit_code, 0);
    // 131 boxed results and frames per op die right after they are made: the rule is exercised.
    ASSERT_GT(ht.temporary, 100000u);

    Recording rec = record_to_db(command);
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_matches_heaptrack(run, ht, false);
    // Not temp_K: heaptrack's rule compares the freed block with the last allocation's size
    // and stack, whichever block that was.
    EXPECT_NE(run["temporary_heaptrack"], run["temporary_allocations"]);
}

TEST_F(ExactCounts, CWorkloadMatchesHeaptrack) {
    if (!heaptrack_available()) GTEST_SKIP() << "heaptrack not installed";
    const std::vector<std::string> command = {sample_binary("word_index").string(), "20"};
    HeaptrackSummary ht = heaptrack_summary(command, dir_.path());
    ASSERT_EQ(ht.exit_code, 0);
    ASSERT_GE(ht.temporary, 5u);  // the text buffer's realloc chain, at least

    Recording rec = record_to_db(command);
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    expect_matches_heaptrack(single_run(db()), ht, true);
}

TEST_F(ExactCounts, LuaScriptMatchesHeaptrack) {
    if (!heaptrack_available()) GTEST_SKIP() << "heaptrack not installed";
    auto lua = find_on_path("lua5.4");
    if (!lua) GTEST_SKIP() << "lua5.4 not installed";
    const std::vector<std::string> command = {
        lua->string(), (samples_source_dir() / "lua" / "churn.lua").string(), "200"};
    HeaptrackSummary ht = heaptrack_summary(command, dir_.path());
    ASSERT_EQ(ht.exit_code, 0);
    ASSERT_GT(ht.temporary, 100u);

    Recording rec = record_to_db(command, {"--no-script-frames"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    expect_matches_heaptrack(single_run(db()), ht, true);
}

}  // namespace
}  // namespace allocprof::e2e
