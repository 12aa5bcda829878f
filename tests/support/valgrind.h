// valgrind.h — the reference counts: valgrind memcheck's heap summary for a command.
//
// Always run with --run-libc-freeres=no and --run-cxx-freeres=no: by default valgrind
// calls glibc's and libstdc++'s cleanup hooks at exit, which free buffers the program
// itself never frees (stdio buffers, libstdc++'s emergency exception pool), and its
// "in use at exit" would then be lower than what the program really left.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace allocprof::test_support {

struct HeapUsage {
    uint64_t allocs = 0;           // "total heap usage: N allocs"
    uint64_t frees = 0;            // "..., N frees"
    uint64_t bytes_allocated = 0;  // "..., N bytes allocated"
    uint64_t in_use_bytes = 0;     // "in use at exit: N bytes in M blocks"
    uint64_t in_use_blocks = 0;
    int exit_code = -1;            // the command's exit status under valgrind
};

bool valgrind_available();

// Runs `valgrind --tool=memcheck ... command` with its log in work_dir and parses the
// summary of the command's own process. Throws std::runtime_error when valgrind fails or
// the summary lines are missing.
HeapUsage valgrind_heap_usage(const std::vector<std::string>& command,
                              const std::filesystem::path& work_dir);

// Parses a memcheck log (exposed for the support library's own use and debugging).
HeapUsage parse_memcheck_log(const std::string& log);

}  // namespace allocprof::test_support
