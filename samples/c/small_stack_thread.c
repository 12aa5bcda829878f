/*
 * small_stack_thread.c — allocations on a thread with a 64 KiB stack, 50 frames below the
 * thread's start: the profiler's hook runs on that small stack, whatever stack depth it
 * was asked to record (record --max-frames 8192 must not overflow it).
 *
 *   thread     allocations          bytes  frees
 *   worker     7 x malloc(24)       168    7    (site allocate_on_small_stack)
 * plus what pthread_create/join allocate for the thread itself (glibc's DTV calloc).
 */
#include <pthread.h>

#include "sample_util.h"

#define ALLOCATIONS 7
#define BLOCK_SIZE 24
#define DEPTH 50
#define STACK_BYTES (64 * 1024)

__attribute__((noipa)) static int allocate_on_small_stack(void) {
    for (int i = 0; i < ALLOCATIONS; ++i) {
        void* p = sample_check(malloc(BLOCK_SIZE), "malloc");  // on the small stack
        touch(p, BLOCK_SIZE);
        free(p);
    }
    return ALLOCATIONS;
}

__attribute__((noipa)) static int descend(int depth) {
    volatile int frame = depth;  // read after the call: the recursion stays real frames
    int r = depth > 0 ? descend(depth - 1) : allocate_on_small_stack();
    return r + frame - frame;
}

static void* worker(void* result) {
    *(int*)result = descend(DEPTH);
    return NULL;
}

int main(void) {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, STACK_BYTES) != 0)
        sample_fail("pthread_attr_setstacksize");
    pthread_t thread;
    int result = 0;
    if (pthread_create(&thread, &attr, worker, &result) != 0) sample_fail("pthread_create");
    if (pthread_join(thread, NULL) != 0) sample_fail("pthread_join");
    sample_report("allocations", (unsigned long long)result);
    return 0;
}
