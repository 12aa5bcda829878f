// target_launcher.h — starts the target with the preload library and the stream socket,
// and reaps it.
//
// The target inherits the shared ring (ALLOCPROF_RING_FD), one end of a socketpair whose
// hang-up tells it the profiler died (ALLOCPROF_FD), and learns its own pid as
// ALLOCPROF_PID: the preload library writes only when getpid() matches, so children of
// the target (forked or spawned) never write into the stream.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace allocprof::record {

// allocprof's own failure to start the target; exit_code is 125, 126 or 127.
class LaunchError : public std::runtime_error {
public:
    LaunchError(int exit_code, const std::string& message)
        : std::runtime_error(message), exit_code_(exit_code) {}
    int exit_code() const { return exit_code_; }

private:
    int exit_code_;
};

struct TargetExit {
    bool exited = false;  // exited normally (exit_status valid) vs killed (term_signal valid)
    int exit_status = 0;
    int term_signal = 0;
    rusage usage{};
    // The conventional status for allocprof to exit with: the target's, or 128+signal.
    int shell_status() const { return exited ? exit_status : 128 + term_signal; }
};

// Resolves argv[0] like execvp would; throws LaunchError (127 not found, 126 not
// executable) before anything is started.
std::string resolve_command(const std::string& name);

// Finds liballocprof_preload.so: $ALLOCPROF_PRELOAD, else next to this executable as
// installed or in the build tree. Throws LaunchError(125) if there is none.
std::string find_preload_library();

class TargetProcess {
public:
    // Starts argv with the preload library. Throws LaunchError.
    TargetProcess(const std::vector<std::string>& argv, const std::string& preload_library,
                  int ring_fd,
                  const std::vector<std::pair<std::string, std::string>>& extra_env);
    ~TargetProcess();
    TargetProcess(const TargetProcess&) = delete;
    TargetProcess& operator=(const TargetProcess&) = delete;

    pid_t pid() const { return pid_; }

    // Reaps the target if it has ended (non-blocking).
    std::optional<TargetExit> try_reap();
    // Whether the target has ended, without reaping it (non-blocking).
    bool has_ended() const;
    // Waits for the target to end.
    TargetExit reap();
    // Tells the target the profiler is gone (it hangs up the socketpair): the preload
    // library stops tracking and the program carries on untraced.
    void close_liveness();

private:
    void ended(const TargetExit& exit);

    pid_t pid_ = -1;
    // Our end of the socketpair; never read, closed when we die or give up recording (by
    // the reading thread or the ingesting one, whichever comes first).
    std::atomic<int> liveness_fd_{-1};
    std::optional<TargetExit> exit_;
};

}  // namespace allocprof::record
