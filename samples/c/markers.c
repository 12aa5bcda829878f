/*
 * markers.c — uses the marker API (interpose/include/allocprof/allocprof.h): phases and
 * operation counts. The markers are weak symbols, so this program links without allocprof
 * and runs as a plain program too (the macros then do nothing).
 *
 * Pattern planted:
 *   phase "setup":    1 x calloc(64, 8) = 512 bytes (the table, freed in "teardown")
 *   phase "work":     100 ops, each malloc(32) + malloc(64) + malloc(128), all freed,
 *                     ALLOCPROF_OPS(1) per op => ops 100, 300 allocations, 22,400 bytes
 *   phase "batch":    begun while "work" is open (phases do not nest: this ends "work"),
 *                     3 x malloc(256) + free, then ALLOCPROF_OPS(3) once
 *                     => ops 3, 3 allocations, 768 bytes; ended explicitly
 *   outside phases:   2 x malloc(10) + free, ALLOCPROF_OPS(2)
 *   phase "teardown": frees the table: 0 allocations, 0 ops
 *   totals: ops = 105, allocations = 306, bytes = 512 + 22,400 + 768 + 20 = 23,700,
 *   frees = 306, nothing unfreed.
 * Prints "ops=105" on stdout. Exit 0.
 */
#include <stdlib.h>

#include "allocprof/allocprof.h"
#include "sample_util.h"

static unsigned long long ops_counted;

static void count_ops(unsigned long long n) {
    ALLOCPROF_OPS(n);
    ops_counted += n;
}

/* One operation: three short-lived buffers of different sizes. */
static void one_op(void) {
    void* a = sample_check(malloc(32), "malloc");
    void* b = sample_check(malloc(64), "malloc");
    void* c = sample_check(malloc(128), "malloc");
    touch(a, 32);
    touch(b, 64);
    touch(c, 128);
    free(c);
    free(b);
    free(a);
}

int main(void) {
    ALLOCPROF_PHASE_BEGIN("setup");
    long* table = sample_check(calloc(64, sizeof(long)), "calloc");
    touch(table, 64 * sizeof(long));
    ALLOCPROF_PHASE_END();

    ALLOCPROF_PHASE_BEGIN("work");
    for (int i = 0; i < 100; ++i) {
        one_op();
        count_ops(1);
    }

    ALLOCPROF_PHASE_BEGIN("batch");
    for (int i = 0; i < 3; ++i) {
        void* p = sample_check(malloc(256), "malloc");
        touch(p, 256);
        free(p);
    }
    count_ops(3);
    ALLOCPROF_PHASE_END();

    for (int i = 0; i < 2; ++i) {
        void* p = sample_check(malloc(10), "malloc");
        touch(p, 10);
        free(p);
    }
    count_ops(2);

    ALLOCPROF_PHASE_BEGIN("teardown");
    free(table);
    ALLOCPROF_PHASE_END();

    sample_report("ops", ops_counted);
    return 0;
}
