/*
 * exit_when_told.c — a program whose end a test controls: N malloc/free pairs, then its
 * pid into PIDFILE, then it waits (at most 60 s) for GATE to exist and exits 0.
 *
 *   exit_when_told N PIDFILE GATE
 *
 * The test puts work for the profiler to do after the program has gone (a large JIT perf
 * map under the program's pid), opens the gate and, once the program is reaped, sends the
 * profiler SIGTERM: it must stop, keeping the complete recording, not swallow the signal.
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>

static void* __attribute__((noinline)) leaf(unsigned long i) { return malloc(16 + (i % 7) * 16); }

int main(int argc, char** argv) {
    if (argc != 4) fault_fail("usage: exit_when_told N PIDFILE GATE");
    const unsigned long n = strtoul(argv[1], NULL, 10);
    for (unsigned long i = 0; i < n; ++i) free(leaf(i));
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fault_fail("open PIDFILE");
    char pid[24];
    snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    fault_write(fd, pid);
    close(fd);
    if (rename(tmp, argv[2]) != 0) fault_fail("rename PIDFILE");
    for (int waited = 0; access(argv[3], F_OK) != 0; ++waited) {
        if (waited > 60 * 100) fault_fail("no gate within 60 s");
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return 0;
}
