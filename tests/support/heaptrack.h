// heaptrack.h — the peer's own figures for a command: run it under `heaptrack`, then read
// `heaptrack_print`'s summary of the recording.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace allocprof::test_support {

struct HeaptrackSummary {
    std::filesystem::path recording;  // heaptrack's file (.zst or .gz)
    uint64_t allocation_calls = 0;    // "calls to allocation functions: N"
    uint64_t temporary = 0;           // "temporary memory allocations: N"
    int exit_code = -1;               // the command's exit status under heaptrack
    // At exit heaptrack calls libstdc++'s __gnu_cxx::__freeres, which frees the emergency
    // exception pool: a free the program itself never makes. The pool is the run's first
    // allocation info, and by heaptrack's rule a free of the first info right after another
    // free is temporary. 1 when the recording ends with that free and heaptrack counted it.
    uint64_t exit_pool_temporary = 0;
};

bool heaptrack_available();

// Runs `heaptrack -o work_dir/heaptrack command`, then `heaptrack_print` on the recording,
// and parses its summary. Throws std::runtime_error when either fails or a line is missing.
HeaptrackSummary heaptrack_summary(const std::vector<std::string>& command,
                                   const std::filesystem::path& work_dir);

// Parses heaptrack_print's output (exposed for debugging).
HeaptrackSummary parse_heaptrack_print(const std::string& output);

}  // namespace allocprof::test_support
