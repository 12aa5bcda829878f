// process.h — runs a command as a child process for the end-to-end tests: argv in,
// stdout/stderr/exit status out, with a timeout that kills the whole process group.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace allocprof::test_support {

struct ProcessOptions {
    // The child is killed (its whole process group, SIGKILL) when it runs longer.
    std::chrono::milliseconds timeout{std::chrono::seconds(90)};
    // Environment changes on top of the test's own environment.
    std::vector<std::pair<std::string, std::string>> set_env;
    std::vector<std::string> unset_env;
    // Working directory of the child; empty = the test's.
    std::filesystem::path cwd;
};

struct ProcessResult {
    int exit_code = -1;    // WEXITSTATUS when the process exited, else -1
    int term_signal = 0;   // WTERMSIG when a signal killed it, else 0
    bool timed_out = false;
    std::string out;
    std::string err;

    bool exited_with(int code) const { return term_signal == 0 && exit_code == code; }
    // One line for assertion messages: the status and the tail of stderr.
    std::string describe() const;
};

// A started child. wait() reads stdout and stderr until both reach end-of-file (that is,
// until every process holding them — the child and anything it started — has closed
// them), then reaps the child itself. Not copyable; a running child is killed and reaped
// by the destructor.
class RunningProcess {
public:
    RunningProcess(pid_t pid, int out_fd, int err_fd, std::chrono::milliseconds timeout);
    RunningProcess(const RunningProcess&) = delete;
    RunningProcess& operator=(const RunningProcess&) = delete;
    RunningProcess(RunningProcess&& other) noexcept;
    ~RunningProcess();

    pid_t pid() const { return pid_; }
    ProcessResult wait();

private:
    pid_t pid_;
    int out_fd_;
    int err_fd_;
    std::chrono::steady_clock::time_point deadline_;
    bool reaped_ = false;
};

// Starts argv[0] (searched on PATH when it has no '/') in a new process group, stdin from
// /dev/null, stdout and stderr to pipes. Throws std::runtime_error when fork fails; a
// failing exec shows up as exit status 127 with the reason on stderr.
RunningProcess start_process(const std::vector<std::string>& argv,
                             const ProcessOptions& options = {});

// start_process + wait.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const ProcessOptions& options = {});

// Decodes a wait status into exit_code/term_signal.
void decode_wait_status(int status, ProcessResult& result);

// The absolute path of an executable found on PATH, if any.
std::optional<std::filesystem::path> find_on_path(const std::string& name);

// Runs a reference tool (valgrind, heaptrack) with a 120 s timeout; throws
// std::runtime_error naming `what` when it timed out or was killed by a signal. Its exit
// status is the caller's to judge (the tools exit with the program's).
ProcessResult run_reference_tool(const std::vector<std::string>& argv, const std::string& what);

}  // namespace allocprof::test_support
