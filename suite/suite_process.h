// suite_process.h — runs allocprof itself as a child process (`allocprof record ...`,
// `allocprof analyze ...`) for suite and compare: each recording gets its own process,
// working directory and environment, exactly as a user's command line would.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace allocprof::suite {

struct SelfRunOptions {
    std::string cwd;  // empty: ours
    std::vector<std::pair<std::string, std::string>> env;  // set on top of ours
    bool stdout_to_stderr = false;  // else stdout goes to /dev/null
};

// Runs `allocprof ARGS...` (this very binary) and waits. Returns its exit status, or
// 128 + N when signal N killed it. Throws std::runtime_error when it cannot start.
int run_self(const std::vector<std::string>& args, const SelfRunOptions& options = {});

}  // namespace allocprof::suite
