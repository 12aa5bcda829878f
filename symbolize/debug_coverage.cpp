// debug_coverage.cpp — see debug_coverage.h.
#include "symbolize/debug_coverage.h"

#include <mutex>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <set>
#include <sstream>

extern char** environ;

namespace allocprof::symbolize {
namespace {

// The same file under the other half of a merged /usr ("/lib/x" <-> "/usr/lib/x").
std::string merged_usr_twin(const std::string& path) {
    for (const char* dir : {"/lib/", "/lib64/", "/bin/", "/sbin/"}) {
        if (path.rfind(dir, 0) == 0) return "/usr" + path;
        if (path.rfind(std::string("/usr") + dir, 0) == 0) return path.substr(4);
    }
    return "";
}

// Runs argv, returns its standard output (stderr discarded); "" if it cannot run.
std::string capture_output(const std::vector<std::string>& argv) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return "";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    std::string out;
    if (rc == 0) {
        char buf[4096];
        for (;;) {
            ssize_t n = read(pipe_fds[0], buf, sizeof buf);
            if (n > 0) {
                out.append(buf, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                break;
            }
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    close(pipe_fds[0]);
    return out;
}

}  // namespace

void CoverageCounts::add(SymbolQuality quality) {
    switch (quality) {
        case SymbolQuality::FileLine:
            ++file_line;
            break;
        case SymbolQuality::SymbolOnly:
            ++symbol_only;
            break;
        case SymbolQuality::Unknown:
            ++unknown;
            break;
    }
}

std::string coverage_fix(const ModuleDebugInfo& info, const std::string& package) {
    switch (info.status) {
        case ModuleStatus::Dwarf:
            return "";
        case ModuleStatus::Missing:
            return "the file is gone since the run";
        case ModuleStatus::BuildIdMismatch:
            return "rebuilt since the run: record again";
        case ModuleStatus::NotElf:
            return "not a readable ELF file: nothing to symbolize";
        case ModuleStatus::SymbolTable:
        case ModuleStatus::NoSymbols:
            if (!package.empty())
                return "install " + package + "-dbgsym (or " + package + "-dbg) for file:line";
            return "rebuild with -g (and do not strip)";
    }
    return "";
}

namespace {

// Asks dpkg, one process for all of `paths`.
std::map<std::string, std::string> query_debian_owners(const std::vector<std::string>& paths) {
    std::map<std::string, std::string> owners;
    if (paths.empty()) return owners;
    // Every name dpkg may know the file by -> the path we were asked about.
    std::map<std::string, std::string> asked;
    for (const std::string& path : paths) {
        asked.emplace(path, path);
        std::string twin = merged_usr_twin(path);
        if (!twin.empty()) asked.emplace(twin, path);
        char resolved[PATH_MAX];
        if (realpath(path.c_str(), resolved) != nullptr) {
            asked.emplace(resolved, path);
            std::string resolved_twin = merged_usr_twin(resolved);
            if (!resolved_twin.empty()) asked.emplace(resolved_twin, path);
        }
    }
    std::vector<std::string> argv = {"dpkg-query", "-S"};
    for (const auto& [name, path] : asked) argv.push_back(name);
    // Lines: "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6" ("pkg1, pkg2: path" when
    // shared; "diversion by ..." lines are skipped).
    std::istringstream lines(capture_output(argv));
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("diversion ", 0) == 0) continue;
        size_t sep = line.find(": /");
        if (sep == std::string::npos) continue;
        auto it = asked.find(line.substr(sep + 2));
        if (it == asked.end()) continue;
        std::string package = line.substr(0, sep);
        package = package.substr(0, package.find(','));
        package = package.substr(0, package.find(':'));
        owners.emplace(it->second, package);
    }
    return owners;
}

// Answers already given in this process (a dpkg-query takes tens of milliseconds, and the
// recorder asks while the target runs, then again when writing the coverage). An empty
// string records "no package owns it".
std::mutex g_owner_memo_mutex;
std::map<std::string, std::string> g_owner_memo;

}  // namespace

std::map<std::string, std::string> debian_owners(const std::vector<std::string>& paths) {
    std::vector<std::string> unknown;
    {
        std::lock_guard lock(g_owner_memo_mutex);
        for (const std::string& path : paths)
            if (!g_owner_memo.count(path)) unknown.push_back(path);
    }
    std::map<std::string, std::string> found = query_debian_owners(unknown);
    std::lock_guard lock(g_owner_memo_mutex);
    for (const std::string& path : unknown) {
        auto it = found.find(path);
        g_owner_memo[path] = it == found.end() ? std::string() : it->second;
    }
    std::map<std::string, std::string> owners;
    for (const std::string& path : paths) {
        const std::string& package = g_owner_memo[path];
        if (!package.empty()) owners.emplace(path, package);
    }
    return owners;
}

}  // namespace allocprof::symbolize
