/*
 * threads_exchange.c — 8 threads in a ring, each allocating blocks and handing them to the
 * next thread, which frees them. Blocks freed by thread t+1 go back into t+1's malloc
 * caches and are soon handed out again, so the same address is freed on one thread and
 * re-allocated on another within microseconds: a recorder that orders events per thread
 * instead of globally sees a free before its allocation ("unmatched free").
 *
 * Pattern planted (kThreads = 8, kBlocksPerThread = 131072 unless argv[1] overrides it):
 *   thread t, block k: malloc(16 * (1 + k % 16)) bytes, freed by thread (t + 1) % 8.
 *   allocations (planted) = 8 * 131072 = 1,048,576 mallocs, frees = the same
 *   => 2,097,152 events; bytes = 8 * (131072 / 16) * 16 * (1 + 2 + ... + 16)
 *                              = 8 * 8192 * 16 * 136 = 142,606,336.
 *   Nothing planted is live at exit.
 * glibc itself: pthread_create callocs one DTV per thread (_dl_allocate_tls); the threads
 * run on stacks the program provides (pthread_attr_setstack), so glibc does not cache them
 * and frees each DTV when the thread is joined. Hence exactly 8 extra calloc calls, all
 * freed (their size depends on how many loaded modules use TLS).
 * The hand-off uses one single-producer/single-consumer ring of pointers per thread
 * (C11 atomics, no locks, no allocation). Output: "blocks=<total planted>" via write(2).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "sample_util.h"

enum { kThreads = 8, kRingSize = 1024, kStackSize = 256 * 1024 };

/* Thread t pushes into rings[t]; thread (t + 1) % kThreads pops from it. */
typedef struct {
    void* slots[kRingSize];
    _Alignas(64) atomic_size_t head; /* next slot to pop (consumer) */
    _Alignas(64) atomic_size_t tail; /* next slot to push (producer) */
} Ring;

static Ring rings[kThreads];
static size_t blocks_per_thread = 131072;

static int ring_push(Ring* r, void* p) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail - head == kRingSize) return 0;
    r->slots[tail % kRingSize] = p;
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return 1;
}

static void* ring_pop(Ring* r) {
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head == tail) return NULL;
    void* p = r->slots[head % kRingSize];
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return p;
}

/* Frees whatever the previous thread has handed over; returns how many blocks it freed. */
static size_t drain(Ring* incoming) {
    size_t freed = 0;
    for (void* p; (p = ring_pop(incoming)) != NULL; ++freed) free(p);
    return freed;
}

static void* worker(void* arg) {
    size_t t = (size_t)(uintptr_t)arg;
    Ring* outgoing = &rings[t];
    Ring* incoming = &rings[(t + kThreads - 1) % kThreads];
    size_t freed = 0;
    for (size_t k = 0; k < blocks_per_thread; ++k) {
        size_t size = 16 * (1 + k % 16);
        void* p = sample_check(malloc(size), "malloc");
        touch(p, size);
        while (!ring_push(outgoing, p)) {
            size_t n = drain(incoming);
            freed += n;
            if (n == 0) sched_yield();
        }
        if (k % 8 == 7) freed += drain(incoming);
    }
    while (freed < blocks_per_thread) {
        size_t n = drain(incoming);
        freed += n;
        if (n == 0) sched_yield();
    }
    return NULL;
}

int main(int argc, char** argv) {
    if (argc > 1) blocks_per_thread = strtoul(argv[1], NULL, 10);

    pthread_t threads[kThreads];
    void* stacks[kThreads];
    for (size_t t = 0; t < kThreads; ++t) {
        stacks[t] = mmap(NULL, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
        if (stacks[t] == MAP_FAILED) sample_fail("mmap stack");
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstack(&attr, stacks[t], kStackSize);
        if (pthread_create(&threads[t], &attr, worker, (void*)(uintptr_t)t) != 0)
            sample_fail("pthread_create");
        pthread_attr_destroy(&attr);
    }
    for (size_t t = 0; t < kThreads; ++t) {
        pthread_join(threads[t], NULL);
        munmap(stacks[t], kStackSize);
    }
    sample_report("blocks", kThreads * blocks_per_thread);
    return 0;
}
