/*
 * sigkill_self.c — allocates in a loop for about argv[1] milliseconds (default 300), with
 * blocks both freed and kept, then raise(SIGKILL): nothing in the process gets a chance
 * to flush or say goodbye. The run database must still open, be marked truncated, and
 * hold what reached the recorder before the kill (allocations > 0).
 *
 * Pattern: per iteration malloc(64) freed at once, and every 16th iteration one
 * malloc(128) kept in a ring of 1024 slots (the old occupant freed). Counts depend on
 * speed; the test checks only what a kill allows it to check.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "sample_util.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void* kept[1024];

int main(int argc, char** argv) {
    double run_ms = argc > 1 ? strtod(argv[1], NULL) : 300.0;
    double start = now_ms();
    for (unsigned long i = 0;; ++i) {
        void* p = sample_check(malloc(64), "malloc");
        touch(p, 64);
        free(p);
        if (i % 16 == 0) {
            size_t slot = (i / 16) % 1024;
            free(kept[slot]);
            kept[slot] = sample_check(malloc(128), "malloc");
            touch(kept[slot], 128);
        }
        if (i % 1024 == 0 && now_ms() - start >= run_ms) break;
    }
    raise(SIGKILL);
    return 0;
}
