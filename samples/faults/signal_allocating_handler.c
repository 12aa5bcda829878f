/*
 * signal_allocating_handler.c — a SIGALRM handler that allocates, landing inside the
 * allocation hooks. The handler allocates only where that is safe for the C library: when
 * the interrupted instruction is not in libc (so never inside libc's own malloc); then it
 * calls memalign(64, 48) and frees the block, and counts it. The main loop does only
 * malloc/realloc/free, so every memalign of the run is the handler's.
 *
 * An ITIMER_REAL timer fires every 100 us; rounds of 10000 x {malloc(48), realloc 96,
 * free} repeat until kMinHandlerAllocs handler allocations were made. Prints
 * "rounds=R" and "handler_allocs=H". Exit 0.
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <malloc.h>
#include <signal.h>
#include <sys/time.h>
#include <ucontext.h>


enum { kPairsPerRound = 10000, kMinHandlerAllocs = 300 };

static struct fault_text_range g_libc;
static volatile sig_atomic_t g_handler_allocs;

static void on_alarm(int signo, siginfo_t* info, void* context) {
    (void)signo;
    (void)info;
    const uintptr_t ip = (uintptr_t)((ucontext_t*)context)->uc_mcontext.gregs[REG_RIP];
    if (ip >= g_libc.start && ip < g_libc.end) return;
    void* p = memalign(64, 48);
    if (!p) return;
    ((char*)p)[0] = 1;
    free(p);
    g_handler_allocs = g_handler_allocs + 1;
}

int main(void) {
    g_libc = fault_text_of("libc.so");
    if (!g_libc.start) fault_fail("libc not found");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_alarm;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL) != 0) fault_fail("sigaction");
    struct itimerval timer = {{0, 100}, {0, 100}};
    if (setitimer(ITIMER_REAL, &timer, NULL) != 0) fault_fail("setitimer");
    unsigned long long rounds = 0;
    while (g_handler_allocs < kMinHandlerAllocs) {
        for (int i = 0; i < kPairsPerRound; ++i) {
            char* p = malloc(48);
            if (!p) fault_fail("malloc");
            p[0] = 1;
            p = realloc(p, 96);
            if (!p) fault_fail("realloc");
            free(p);
        }
        ++rounds;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    /* Handler allocations end with the timer; the count is final once it is off. */
    fault_report("rounds", rounds);
    fault_report("handler_allocs", (unsigned long long)g_handler_allocs);
    return 0;
}
