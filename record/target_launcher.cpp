// target_launcher.cpp — see target_launcher.h.
#include "record/target_launcher.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "record/signal_handling.h"
#include "wire/wire_format.h"

extern char** environ;

namespace allocprof::record {
namespace {

bool is_executable_file(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string self_directory() {
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) return ".";
    buf[n] = '\0';
    return std::filesystem::path(buf).parent_path().string();
}

}  // namespace

std::string resolve_command(const std::string& name) {
    if (name.empty()) throw LaunchError(127, "empty command");
    if (name.find('/') != std::string::npos) {
        struct stat st;
        if (stat(name.c_str(), &st) != 0)
            throw LaunchError(127, "cannot run '" + name + "': " + std::strerror(errno));
        if (!S_ISREG(st.st_mode) || access(name.c_str(), X_OK) != 0)
            throw LaunchError(126, "cannot run '" + name + "': not an executable file");
        return name;
    }
    const char* path_env = std::getenv("PATH");
    std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
    bool found_not_executable = false;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (is_executable_file(candidate)) return candidate;
        if (access(candidate.c_str(), F_OK) == 0) found_not_executable = true;
        start = end + 1;
    }
    if (found_not_executable)
        throw LaunchError(126, "cannot run '" + name + "': permission denied");
    throw LaunchError(127, "cannot run '" + name + "': command not found");
}

std::string find_preload_library() {
    if (const char* env = std::getenv("ALLOCPROF_PRELOAD"); env && *env) {
        if (access(env, R_OK) != 0)
            throw LaunchError(125, std::string("ALLOCPROF_PRELOAD=") + env + ": " +
                                       std::strerror(errno));
        return std::filesystem::absolute(env).string();
    }
    const std::string dir = self_directory();
    for (const char* relative : {ALLOCPROF_PRELOAD_BUILD_PATH, ALLOCPROF_PRELOAD_INSTALL_PATH}) {
        std::filesystem::path candidate = std::filesystem::path(dir) / relative;
        if (access(candidate.c_str(), R_OK) == 0)
            return std::filesystem::weakly_canonical(candidate).string();
    }
    throw LaunchError(125, "cannot find liballocprof_preload.so next to " + dir +
                               " (set ALLOCPROF_PRELOAD to its path)");
}

TargetProcess::TargetProcess(const std::vector<std::string>& argv,
                             const std::string& preload_library, int ring_fd,
                             const std::vector<std::pair<std::string, std::string>>& extra_env) {
    const std::string executable = resolve_command(argv.at(0));

    int sockets[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
        throw LaunchError(125, std::string("cannot create the stream socket: ") +
                                   std::strerror(errno));
    // Reports a failed exec to the parent; closed by a successful exec.
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) {
        close(sockets[0]);
        close(sockets[1]);
        throw LaunchError(125, std::string("cannot create a pipe: ") + std::strerror(errno));
    }

    // Everything the child needs is prepared before fork: after it, only async-signal-safe
    // calls are allowed in a multi-threaded parent.
    std::string preload = preload_library;
    if (const char* existing = std::getenv("LD_PRELOAD"); existing && *existing)
        preload += std::string(":") + existing;
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        std::string_view entry(*e);
        auto name = entry.substr(0, entry.find('='));
        if (name == "LD_PRELOAD" || name == wire::kEnvFd || name == wire::kEnvPid ||
            name == wire::kEnvRingFd)
            continue;
        bool overridden = false;
        for (const auto& [key, value] : extra_env) overridden |= (name == key);
        if (!overridden) env_strings.emplace_back(entry);
    }
    for (const auto& [key, value] : extra_env) env_strings.push_back(key + "=" + value);
    env_strings.push_back("LD_PRELOAD=" + preload);
    env_strings.push_back(std::string(wire::kEnvFd) + "=" + std::to_string(sockets[1]));
    env_strings.push_back(std::string(wire::kEnvRingFd) + "=" + std::to_string(ring_fd));
    const size_t pid_slot = env_strings.size();
    env_strings.push_back(std::string(wire::kEnvPid) + "=0000000000");
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> argp;
    for (auto& s : args) argp.push_back(s.data());
    argp.push_back(nullptr);
    char* pid_value = env_strings[pid_slot].data() + std::strlen(wire::kEnvPid) + 1;

    pid_t pid = fork();
    if (pid < 0) {
        int error = errno;
        close(sockets[0]);
        close(sockets[1]);
        close(status_pipe[0]);
        close(status_pipe[1]);
        throw LaunchError(125, std::string("cannot fork: ") + std::strerror(error));
    }
    if (pid == 0) {
        // Child: write our pid into ALLOCPROF_PID (fixed width, no allocation), keep the
        // stream socket across exec, exec.
        pid_t self = getpid();
        for (int i = 9; i >= 0; --i) {
            pid_value[i] = static_cast<char>('0' + self % 10);
            self /= 10;
        }
        fcntl(sockets[1], F_SETFD, 0);
        fcntl(ring_fd, F_SETFD, 0);
        close(sockets[0]);
        close(status_pipe[0]);
        restore_inherited_signals_in_child();
        execve(executable.c_str(), argp.data(), envp.data());
        int error = errno;
        ssize_t ignored = write(status_pipe[1], &error, sizeof(error));
        (void)ignored;
        _exit(error == ENOENT ? 127 : 126);
    }
    close(sockets[1]);
    close(status_pipe[1]);
    pid_ = pid;
    liveness_fd_ = sockets[0];
    int exec_error = 0;
    ssize_t n;
    do {
        n = read(status_pipe[0], &exec_error, sizeof(exec_error));
    } while (n < 0 && errno == EINTR);
    close(status_pipe[0]);
    if (n == sizeof(exec_error)) {
        reap();
        throw LaunchError(exec_error == ENOENT ? 127 : 126,
                          "cannot run '" + argv[0] + "': " + std::strerror(exec_error));
    }
}

TargetProcess::~TargetProcess() { close_liveness(); }

void TargetProcess::close_liveness() {
    if (int fd = liveness_fd_.exchange(-1); fd >= 0) close(fd);
}

static TargetExit to_exit(int status, const rusage& usage) {
    TargetExit e;
    e.usage = usage;
    if (WIFEXITED(status)) {
        e.exited = true;
        e.exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        e.term_signal = WTERMSIG(status);
    }
    return e;
}

void TargetProcess::ended(const TargetExit& exit) {
    // From now on a signal for the target is allocprof's own (its pid may be reused).
    set_signal_target(0);
    exit_ = exit;
}

std::optional<TargetExit> TargetProcess::try_reap() {
    if (exit_) return exit_;
    int status = 0;
    rusage usage{};
    pid_t r = wait4(pid_, &status, WNOHANG, &usage);
    if (r == pid_) ended(to_exit(status, usage));
    return exit_;
}

bool TargetProcess::has_ended() const {
    if (exit_) return true;
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_;
}

TargetExit TargetProcess::reap() {
    while (!exit_) {
        int status = 0;
        rusage usage{};
        pid_t r = wait4(pid_, &status, 0, &usage);
        if (r == pid_) {
            ended(to_exit(status, usage));
        } else if (r < 0 && errno != EINTR) {
            TargetExit lost;  // lost the child (SIGCHLD is kept at its default, so not expected)
            lost.exited = true;
            lost.exit_status = 125;
            ended(lost);
        }
    }
    return *exit_;
}

}  // namespace allocprof::record
