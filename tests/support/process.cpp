// process.cpp — fork/exec with pipes, a poll loop and a deadline (see process.h).
#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace allocprof::test_support {

namespace {

// Everything the child needs after fork is prepared before it: only async-signal-safe
// calls happen between fork and exec (the test process may have threads).
struct ExecPlan {
    std::vector<std::string> argv_storage;
    std::vector<char*> argv;
    std::vector<std::string> env_storage;
    std::vector<char*> envp;
    std::string cwd;
};

ExecPlan make_plan(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) throw std::invalid_argument("run_process: empty argv");
    ExecPlan plan;
    plan.argv_storage = argv;
    if (argv[0].find('/') == std::string::npos) {
        if (auto found = find_on_path(argv[0])) plan.argv_storage[0] = found->string();
    }
    for (auto& a : plan.argv_storage) plan.argv.push_back(a.data());
    plan.argv.push_back(nullptr);

    auto overridden = [&](const std::string& entry) {
        std::string name = entry.substr(0, entry.find('='));
        for (const auto& u : options.unset_env)
            if (u == name) return true;
        for (const auto& [k, v] : options.set_env)
            if (k == name) return true;
        return false;
    };
    for (char** e = environ; *e != nullptr; ++e)
        if (!overridden(*e)) plan.env_storage.emplace_back(*e);
    for (const auto& [k, v] : options.set_env) plan.env_storage.push_back(k + "=" + v);
    for (auto& e : plan.env_storage) plan.envp.push_back(e.data());
    plan.envp.push_back(nullptr);
    plan.cwd = options.cwd.string();
    return plan;
}

void write_all(int fd, const char* s) {
    size_t n = std::strlen(s);
    while (n > 0) {
        ssize_t w = ::write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= static_cast<size_t>(w);
    }
}

}  // namespace

std::string ProcessResult::describe() const {
    std::string s;
    if (timed_out) s += "TIMED OUT, ";
    if (term_signal != 0)
        s += "killed by signal " + std::to_string(term_signal);
    else
        s += "exit status " + std::to_string(exit_code);
    std::string tail = err.size() > 2000 ? "..." + err.substr(err.size() - 2000) : err;
    s += "; stderr: <<" + tail + ">>";
    return s;
}

void decode_wait_status(int status, ProcessResult& result) {
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
        result.term_signal = 0;
    } else if (WIFSIGNALED(status)) {
        result.exit_code = -1;
        result.term_signal = WTERMSIG(status);
    }
}

std::optional<std::filesystem::path> find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return std::nullopt;
    std::string all = path;
    size_t start = 0;
    while (start <= all.size()) {
        size_t end = all.find(':', start);
        if (end == std::string::npos) end = all.size();
        std::string dir = all.substr(start, end - start);
        if (dir.empty()) dir = ".";
        std::filesystem::path candidate = std::filesystem::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate))
            return std::filesystem::absolute(candidate);
        start = end + 1;
    }
    return std::nullopt;
}

RunningProcess::RunningProcess(pid_t pid, int out_fd, int err_fd,
                               std::chrono::milliseconds timeout)
    : pid_(pid),
      out_fd_(out_fd),
      err_fd_(err_fd),
      deadline_(std::chrono::steady_clock::now() + timeout) {}

RunningProcess::RunningProcess(RunningProcess&& other) noexcept
    : pid_(other.pid_),
      out_fd_(other.out_fd_),
      err_fd_(other.err_fd_),
      deadline_(other.deadline_),
      reaped_(other.reaped_) {
    other.pid_ = -1;
    other.out_fd_ = other.err_fd_ = -1;
    other.reaped_ = true;
}

RunningProcess::~RunningProcess() {
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
    if (!reaped_ && pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

ProcessResult RunningProcess::wait() {
    ProcessResult result;
    std::string* sinks[2] = {&result.out, &result.err};
    int fds[2] = {out_fd_, err_fd_};
    bool killed = false;
    char buffer[65536];
    while (fds[0] >= 0 || fds[1] >= 0) {
        auto now = std::chrono::steady_clock::now();
        int wait_ms = -1;
        if (!killed) {
            if (now >= deadline_) {
                // Kill the group (the recorder and its target) and keep draining: the
                // pipes reach end-of-file once every holder is dead.
                result.timed_out = true;
                killed = true;
                ::kill(-pid_, SIGKILL);
                ::kill(pid_, SIGKILL);
                continue;
            }
            wait_ms = static_cast<int>(
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now).count() +
                1);
        } else {
            wait_ms = 5000;  // a process outside the group may still hold a pipe
        }
        pollfd pfds[2];
        nfds_t n = 0;
        int which[2];
        for (int i = 0; i < 2; ++i) {
            if (fds[i] < 0) continue;
            pfds[n] = {fds[i], POLLIN, 0};
            which[n++] = i;
        }
        int ready = ::poll(pfds, n, wait_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (ready == 0) {
            if (killed) break;
            continue;
        }
        for (nfds_t k = 0; k < n; ++k) {
            if (pfds[k].revents == 0) continue;
            int i = which[k];
            ssize_t got = ::read(fds[i], buffer, sizeof buffer);
            if (got > 0) {
                sinks[i]->append(buffer, static_cast<size_t>(got));
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                ::close(fds[i]);
                fds[i] = -1;
            }
        }
    }
    for (int& fd : fds)
        if (fd >= 0) ::close(fd);
    out_fd_ = err_fd_ = -1;

    // The pipes are closed; the child itself may still be running (it closed or passed on
    // its stdout/stderr). Wait for it under the same deadline.
    int status = 0;
    for (;;) {
        pid_t r = ::waitpid(pid_, &status, killed ? 0 : WNOHANG);
        if (r == pid_) break;
        if (r < 0 && errno != EINTR) {
            status = 0;
            break;
        }
        if (r == 0) {
            if (std::chrono::steady_clock::now() >= deadline_) {
                result.timed_out = true;
                killed = true;
                ::kill(-pid_, SIGKILL);
                ::kill(pid_, SIGKILL);
            } else {
                ::usleep(2000);
            }
        }
    }
    reaped_ = true;
    decode_wait_status(status, result);
    return result;
}

RunningProcess start_process(const std::vector<std::string>& argv,
                             const ProcessOptions& options) {
    ExecPlan plan = make_plan(argv, options);
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw std::runtime_error("pipe2 failed");
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        // Default dispositions for the signals tests rely on.
        ::signal(SIGPIPE, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        if (!plan.cwd.empty() && ::chdir(plan.cwd.c_str()) != 0) {
            write_all(2, "run_process: chdir failed\n");
            ::_exit(127);
        }
        ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
        write_all(2, "run_process: exec ");
        write_all(2, plan.argv[0]);
        write_all(2, " failed: ");
        write_all(2, std::strerror(errno));
        write_all(2, "\n");
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also from the parent: no race with kill(-pid)
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    return RunningProcess(pid, out_pipe[0], err_pipe[0], options.timeout);
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    return start_process(argv, options).wait();
}

ProcessResult run_reference_tool(const std::vector<std::string>& argv, const std::string& what) {
    ProcessOptions options;
    options.timeout = std::chrono::seconds(120);
    ProcessResult p = run_process(argv, options);
    if (p.timed_out || p.term_signal != 0) throw std::runtime_error(what + " did not finish: " + p.describe());
    return p;
}

}  // namespace allocprof::test_support
