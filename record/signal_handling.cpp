// signal_handling.cpp — see signal_handling.h.
#include "record/signal_handling.h"

#include <atomic>
#include <csignal>

namespace allocprof::record {
namespace {

// Passed on to the target while it runs.
constexpr int kForwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
// Sent by the terminal to the whole process group: the target gets them itself.
constexpr int kGroupSignals[] = {SIGINT, SIGQUIT};
// Every signal whose disposition allocprof changes, and so restores in the target.
constexpr int kChanged[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGINT, SIGQUIT, SIGCHLD};

std::atomic<pid_t> g_target{0};
volatile sig_atomic_t g_pending = 0;
bool g_inherited_ignored[NSIG] = {};

bool is_group_signal(int sig) {
    for (int s : kGroupSignals)
        if (s == sig) return true;
    return false;
}

void on_signal(int sig) {
    if (pid_t pid = g_target.load(); pid > 0) {
        if (!is_group_signal(sig)) kill(pid, sig);
        return;
    }
    if (g_pending == 0) {
        g_pending = sig;  // acted on once the run is written
        return;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void set_disposition(int sig, void (*handler)(int)) {
    struct sigaction sa {};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(sig, &sa, nullptr);
}

}  // namespace

void install_recording_signals() {
    for (int sig : kChanged) {
        struct sigaction old {};
        sigaction(sig, nullptr, &old);
        g_inherited_ignored[sig] = old.sa_handler == SIG_IGN;
    }
    for (int sig : kForwarded)
        if (!g_inherited_ignored[sig]) set_disposition(sig, on_signal);
    for (int sig : kGroupSignals)
        if (!g_inherited_ignored[sig]) set_disposition(sig, on_signal);
    set_disposition(SIGCHLD, SIG_DFL);  // also clears an inherited SA_NOCLDWAIT
}

void set_signal_target(pid_t pid) { g_target.store(pid); }

void restore_inherited_signals_in_child() {
    for (int sig : kChanged) signal(sig, g_inherited_ignored[sig] ? SIG_IGN : SIG_DFL);
}

int end_recording_signals() {
    g_target.store(0);
    const int pending = g_pending;
    for (int sig : kChanged)
        if (sig != SIGCHLD) signal(sig, g_inherited_ignored[sig] ? SIG_IGN : SIG_DFL);
    return pending;
}

}  // namespace allocprof::record
