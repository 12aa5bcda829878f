// self_observation_test.cpp — the recorder never sees its own work: an empty program
// records only what libc itself does (valgrind's count), and no recorded stack has a frame
// inside the preload library.
#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class NoSelfObservation : public E2eTest {};

// samples/c/empty.c: `int main(void) { return 0; }` — valgrind: 0 allocations on glibc.
TEST_F(NoSelfObservation, EmptyProgramRecordsWhatValgrindSees) {
    if (!valgrind_available()) GTEST_SKIP() << "valgrind not installed";
    const std::vector<std::string> command = {sample_binary("empty").string()};
    HeapUsage vg = valgrind_heap_usage(command, dir_.path());
    ASSERT_EQ(vg.exit_code, 0);

    Recording rec = record_to_db(command);
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 0);
    expect_count(run, "allocations", static_cast<long long>(vg.allocs));
    expect_count(run, "bytes_allocated", static_cast<long long>(vg.bytes_allocated));
    expect_count(run, "frees", static_cast<long long>(vg.frees));
    expect_count(run, "unfreed_blocks", static_cast<long long>(vg.in_use_blocks));
    expect_count(run, "unfreed_bytes", static_cast<long long>(vg.in_use_bytes));
}

// Recorded stacks of a plain C program: no frame in the preload library, and every frame
// in some module (a frame the module map cannot place would hide the library's frames).
TEST_F(NoSelfObservation, NoStackFrameInThePreloadLibrary) {
    for (const char* sample : {"alloc_patterns", "signal_during_alloc"}) {
        SCOPED_TRACE(sample);
        std::filesystem::remove(db());
        std::filesystem::remove(dir_ / "run.db.old");
        Recording rec = record_to_db({sample_binary(sample).string()});
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();

        RunDatabase database(db());
        const std::string library = preload_library().string();
        const std::string canonical = std::filesystem::canonical(preload_library()).string();
        const std::string is_preload = "(m.path = '" + library + "' OR m.path = '" + canonical +
                                       "' OR m.path LIKE '%liballocprof_preload.so')";
        EXPECT_GE(database.scalar("SELECT COUNT(*) FROM modules m WHERE " + is_preload), 1)
            << "the preload library is loaded, so the module map lists it";
        EXPECT_EQ(database.scalar("SELECT COUNT(*) FROM trace_nodes t JOIN modules m"
                                  " ON m.run_id = t.run_id AND m.module_id = t.module_id"
                                  " WHERE " + is_preload),
                  0)
            << "trace nodes with a frame inside the preload library";
        EXPECT_EQ(database.scalar("SELECT COUNT(*) FROM trace_nodes WHERE module_id IS NULL"), 0)
            << "trace nodes outside every known module";
        EXPECT_GT(database.scalar("SELECT COUNT(*) FROM trace_nodes"), 0);
    }
}

}  // namespace
}  // namespace allocprof::e2e
