/*
 * thread_counters.c — the calling thread's counts (allocprof/allocprof.h,
 * ALLOCPROF_THREAD_ALLOCATIONS / ALLOCPROF_THREAD_BYTES), as a unit test would use them.
 *
 * Usage: thread_counters. Prints "pairs=A", "bytes=B", "idle=C", "second_thread_start=S",
 * "second_thread=D", one per line; exit 0:
 *   A, B: the counts made by ten malloc(24 + i)/free pairs (10 and 285 under allocprof);
 *   C: the counts of a loop that allocates nothing (0);
 *   S, D: a second thread's count when it starts (0, whatever the first thread allocated)
 *      and over its own 5 allocations (5): counts are per thread.
 * Without allocprof every count is 0 and the program runs the same.
 */
#include <pthread.h>
#include <stdlib.h>

#include "allocprof/allocprof.h"
#include "sample_util.h"

static uint64_t g_second_start, g_second_thread;

static void* five_allocations(void* arg) {
    (void)arg;
    const uint64_t start = ALLOCPROF_THREAD_ALLOCATIONS();
    for (int i = 0; i < 5; ++i) free(sample_check(malloc(16), "malloc"));
    g_second_start = start;
    g_second_thread = ALLOCPROF_THREAD_ALLOCATIONS() - start;
    return NULL;
}

int main(void) {
    const uint64_t a0 = ALLOCPROF_THREAD_ALLOCATIONS(), b0 = ALLOCPROF_THREAD_BYTES();
    for (int i = 0; i < 10; ++i) {
        char* p = sample_check(malloc((size_t)(24 + i)), "malloc");
        p[0] = (char)i;
        free(p);
    }
    const uint64_t pairs = ALLOCPROF_THREAD_ALLOCATIONS() - a0, bytes = ALLOCPROF_THREAD_BYTES() - b0;

    const uint64_t i0 = ALLOCPROF_THREAD_ALLOCATIONS();
    volatile unsigned long sum = 0;
    for (unsigned long i = 0; i < 100000; ++i) sum = sum + i;
    const uint64_t idle = ALLOCPROF_THREAD_ALLOCATIONS() - i0;

    pthread_t t;
    if (pthread_create(&t, NULL, five_allocations, NULL) != 0) return 1;
    pthread_join(t, NULL);

    sample_report("pairs", pairs);
    sample_report("bytes", bytes);
    sample_report("idle", idle);
    sample_report("second_thread_start", g_second_start);
    sample_report("second_thread", g_second_thread);
    return 0;
}
