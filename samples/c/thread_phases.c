/*
 * thread_phases.c — two threads and two phases with known allocations, for the split of
 * each stack by thread and phase (the HTML flame graph's filters). The markers are weak
 * symbols: it runs as a plain program too.
 *
 * Pattern planted:
 *   outside phases (main thread): 3 x malloc(64) in outside_buffers(), freed
 *   phase "load" (main thread):   10 x malloc(100) in load_records(), freed at the end of it
 *   phase "work":                 a second thread: 20 x malloc(48) in worker_items(), freed;
 *                                 the main thread, after joining it: 5 x malloc(1000) in
 *                                 keep_results(), never freed (5,000 bytes unfreed)
 *   totals of these sites: 38 allocations, 3 * 64 + 1,000 + 960 + 5,000 = 7,152 bytes.
 * Prints "done=38" on stdout. Exit 0.
 */
#include <pthread.h>
#include <stdlib.h>

#include "allocprof/allocprof.h"
#include "sample_util.h"

static void* kept[5];

static __attribute__((noinline)) void outside_buffers(void) {
    for (int i = 0; i < 3; ++i) {
        void* p = sample_check(malloc(64), "malloc");
        touch(p, 64);
        free(p);
    }
}

static __attribute__((noinline)) void load_records(void) {
    void* records[10];
    for (int i = 0; i < 10; ++i) {
        records[i] = sample_check(malloc(100), "malloc");
        touch(records[i], 100);
    }
    for (int i = 0; i < 10; ++i) free(records[i]);
}

static __attribute__((noinline)) void worker_items(void) {
    for (int i = 0; i < 20; ++i) {
        void* p = sample_check(malloc(48), "malloc");
        touch(p, 48);
        free(p);
    }
}

static void* worker(void* arg) {
    (void)arg;
    worker_items();
    return NULL;
}

static __attribute__((noinline)) void keep_results(void) {
    for (int i = 0; i < 5; ++i) {
        kept[i] = sample_check(malloc(1000), "malloc");
        touch(kept[i], 1000);
    }
}

int main(void) {
    outside_buffers();
    ALLOCPROF_PHASE_BEGIN("load");
    load_records();
    ALLOCPROF_PHASE_END();
    ALLOCPROF_PHASE_BEGIN("work");
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0) return 1;
    pthread_join(t, NULL);
    keep_results();
    ALLOCPROF_PHASE_END();
    sample_report("done", 38);
    return 0;
}
