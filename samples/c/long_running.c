/*
 * long_running.c — allocates steadily for about argv[1] milliseconds (default 1500) and
 * then exits with status 7. Used to kill the recorder while the target runs: the target
 * must notice the recorder is gone, print one "allocprof: ..." line, carry on untraced and
 * still finish with its own exit status 7 — not hang, not die of SIGPIPE.
 *
 * Pattern: a working set of 256 blocks of 16..4096 bytes, one replaced per iteration.
 * Counts depend on speed. Prints "done" on stdout at the end (write(2)).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <time.h>

#include "sample_util.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void* working_set[256];

int main(int argc, char** argv) {
    double run_ms = argc > 1 ? strtod(argv[1], NULL) : 1500.0;
    double start = now_ms();
    for (unsigned long i = 0;; ++i) {
        size_t slot = (i * 37) % 256;
        size_t size = 16 + (i * 131) % 4081;
        free(working_set[slot]);
        working_set[slot] = sample_check(malloc(size), "malloc");
        touch(working_set[slot], size);
        if (i % 4096 == 0 && now_ms() - start >= run_ms) break;
    }
    for (size_t s = 0; s < 256; ++s) free(working_set[s]);
    sample_write(1, "done\n");
    return 7;
}
