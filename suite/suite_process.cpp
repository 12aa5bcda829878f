// suite_process.cpp — see suite_process.h.
#include "suite/suite_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace allocprof::suite {

int run_self(const std::vector<std::string>& args, const SelfRunOptions& options) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) throw std::runtime_error("cannot find the allocprof binary (/proc/self/exe)");
    exe[n] = '\0';
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        // Child: only async-signal-safe calls matter little here (single-threaded parent).
        if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) {
            const char* msg = "allocprof: error: cannot change to the scenario's cwd\n";
            (void)!write(2, msg, std::strlen(msg));
            _exit(126);
        }
        for (const auto& [k, v] : options.env) setenv(k.c_str(), v.c_str(), 1);
        if (options.stdout_to_stderr) {
            dup2(2, 1);
        } else {
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0) dup2(null, 1);
        }
        std::vector<char*> argv;
        argv.push_back(exe);
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(exe, argv.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 125;
}

}  // namespace allocprof::suite
