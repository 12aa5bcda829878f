/*
 * signal_during_alloc.c — allocation-heavy work while a SIGALRM interval timer (every
 * 200 us of wall time, ITIMER_REAL) keeps interrupting it, so signals land inside
 * malloc/free and inside the recorder's hooks. The handler only bumps a counter (it must
 * not allocate: malloc is not async-signal-safe).
 *
 * Pattern planted, per round (kPairsPerRound = 10000):
 *   10000 x { malloc(48); realloc to 96; free }
 *   = 20000 allocations (10000 malloc + 10000 realloc), 10000 * (48 + 96) = 1,440,000
 *     bytes, 20000 frees (the realloc's old block + the final free), 10000 reallocs.
 * Rounds repeat until at least kMinSignals alarms were delivered and at least kMinRounds
 * rounds ran, so the count of rounds depends on speed: the program prints
 * "rounds=R" and "signals=S" on stdout (write(2), no stdio) and the test multiplies.
 * Nothing is live at exit. Exit 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>

#include "sample_util.h"

enum { kPairsPerRound = 10000, kMinRounds = 5, kMinSignals = 20 };

static volatile sig_atomic_t alarms;

static void on_alarm(int signo) {
    (void)signo;
    alarms = alarms + 1;
}

static void one_round(void) {
    for (int i = 0; i < kPairsPerRound; ++i) {
        char* p = sample_check(malloc(48), "malloc");
        touch(p, 48);
        p = sample_check(realloc(p, 96), "realloc");
        touch(p, 96);
        free(p);
    }
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGALRM, &sa, NULL) != 0) sample_fail("sigaction");

    struct itimerval timer = {{0, 200}, {0, 200}};
    if (setitimer(ITIMER_REAL, &timer, NULL) != 0) sample_fail("setitimer");

    unsigned long long rounds = 0;
    while (rounds < kMinRounds || alarms < kMinSignals) {
        one_round();
        ++rounds;
    }

    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    sample_report("rounds", rounds);
    sample_report("signals", (unsigned long long)alarms);
    return 0;
}
