/*
 * exit_in_signal_handler.c — a SIGALRM handler calls exit(0) while the main loop reallocs
 * and frees. Under a profiler, the signal often lands inside the allocation hook, and
 * exit() then runs the profiler's exit handler on the same thread, inside that hook: the
 * exit path must not wait for anything the interrupted hook holds.
 *
 * To land inside the hook more often than by chance, the handler exits only when the
 * interrupted instruction is in liballocprof_preload.so or libc (never in this loop's own
 * code), and otherwise re-arms the timer for 100 us. Prints nothing; exit 0, within a
 * few milliseconds of the first alarm (20 ms in).
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <signal.h>
#include <sys/time.h>
#include <ucontext.h>


static struct fault_text_range g_preload, g_libc;

static void arm(long usec) {
    struct itimerval t = {{0, 0}, {0, usec}};
    setitimer(ITIMER_REAL, &t, NULL);
}

static void on_alarm(int signo, siginfo_t* info, void* context) {
    (void)signo;
    (void)info;
    const uintptr_t ip = (uintptr_t)((ucontext_t*)context)->uc_mcontext.gregs[REG_RIP];
    if ((ip >= g_preload.start && ip < g_preload.end) || (ip >= g_libc.start && ip < g_libc.end))
        exit(0);
    arm(100);
}

int main(void) {
    g_preload = fault_text_of("liballocprof_preload");
    g_libc = fault_text_of("libc.so");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_alarm;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL) != 0) fault_fail("sigaction");
    arm(20000);
    for (;;) {
        char* p = malloc(24);
        if (!p) fault_fail("malloc");
        p[0] = 1;
        p = realloc(p, 200);
        if (!p) fault_fail("realloc");
        free(p);
    }
}
