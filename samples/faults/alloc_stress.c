/*
 * alloc_stress.c — many threads allocating at random, in the spirit of mimalloc's
 * test-stress: T threads each run K random operations on a shared table of slots —
 * malloc into a slot (freeing what was there, often another thread's block), realloc a
 * slot's block, free a slot's block, or a local malloc/free pair — so frees cross threads
 * and addresses are reused at once. With SIGNALS=1 the main thread also sends SIGUSR1 to
 * random workers every 50 us; the handler allocates (memalign(64, 48), then free) when the
 * interrupted instruction is not in libc, so signals land inside the allocation hooks.
 *
 *   alloc_stress T K SEED SIGNALS
 *
 * Every call is counted; at the end everything is freed and the program prints
 * "malloc=M", "realloc=R", "free=F", "memalign=H" (the handler's) — exactly the calls it
 * made of each. Exit 0.
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <ucontext.h>


enum { kSlots = 4096, kMaxThreads = 64 };

static _Atomic(void*) g_slots[kSlots];
static atomic_ullong g_malloc, g_realloc, g_free, g_memalign;
static atomic_int g_running;
static long g_ops;
static struct fault_text_range g_libc;

struct worker {
    pthread_t thread;
    unsigned long long seed;
};

static unsigned long long next_random(unsigned long long* s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void* counted_malloc(size_t n) {
    atomic_fetch_add_explicit(&g_malloc, 1, memory_order_relaxed);
    void* p = malloc(n);
    if (!p) fault_fail("malloc");
    ((char*)p)[0] = 1;
    return p;
}

static void counted_free(void* p) {
    if (!p) return;
    atomic_fetch_add_explicit(&g_free, 1, memory_order_relaxed);
    free(p);
}

static void on_signal(int signo, siginfo_t* info, void* context) {
    (void)signo;
    (void)info;
    const uintptr_t ip = (uintptr_t)((ucontext_t*)context)->uc_mcontext.gregs[REG_RIP];
    if (ip >= g_libc.start && ip < g_libc.end) return;
    void* p = memalign(64, 48);
    if (!p) return;
    atomic_fetch_add_explicit(&g_memalign, 1, memory_order_relaxed);
    ((char*)p)[0] = 1;
    atomic_fetch_add_explicit(&g_free, 1, memory_order_relaxed);
    free(p);
}

static void* work(void* arg) {
    struct worker* w = arg;
    for (long i = 0; i < g_ops; ++i) {
        unsigned long long r = next_random(&w->seed);
        size_t slot = (size_t)(r >> 8) % kSlots;
        size_t size = 8 + (size_t)((r >> 24) % 500) * ((r >> 40) % 16 == 0 ? 64 : 1);
        switch (r % 5) {
            case 0:
            case 1:
                counted_free(atomic_exchange(&g_slots[slot], counted_malloc(size)));
                break;
            case 2: {
                void* p = atomic_exchange(&g_slots[slot], NULL);
                if (p) {
                    atomic_fetch_add_explicit(&g_realloc, 1, memory_order_relaxed);
                    p = realloc(p, size);
                    if (!p) fault_fail("realloc");
                }
                counted_free(atomic_exchange(&g_slots[slot], p));
                break;
            }
            case 3:
                counted_free(atomic_exchange(&g_slots[slot], NULL));
                break;
            default:
                counted_free(counted_malloc(size));
                break;
        }
    }
    atomic_fetch_sub(&g_running, 1);
    return NULL;
}

int main(int argc, char** argv) {
    if (argc < 5) fault_fail("usage: alloc_stress THREADS OPS SEED SIGNALS");
    int threads = atoi(argv[1]);
    g_ops = atol(argv[2]);
    unsigned long long seed = strtoull(argv[3], NULL, 10) | 1;
    int signals = atoi(argv[4]);
    if (threads < 1 || threads > kMaxThreads) fault_fail("threads");
    g_libc = fault_text_of("libc.so");
    if (signals) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_signal;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGUSR1, &sa, NULL) != 0) fault_fail("sigaction");
    }
    static struct worker workers[kMaxThreads];
    atomic_store(&g_running, threads);
    for (int t = 0; t < threads; ++t) {
        workers[t].seed = seed * (unsigned long long)(t + 1) * 0x9E3779B97F4A7C15ull | 1;
        if (pthread_create(&workers[t].thread, NULL, work, &workers[t]) != 0)
            fault_fail("pthread_create");
    }
    unsigned long long s = seed;
    while (signals && atomic_load(&g_running) > 0) {
        pthread_kill(workers[next_random(&s) % (unsigned)threads].thread, SIGUSR1);
        struct timespec pause = {0, 50 * 1000};
        nanosleep(&pause, NULL);
    }
    for (int t = 0; t < threads; ++t) pthread_join(workers[t].thread, NULL);
    for (size_t i = 0; i < kSlots; ++i) counted_free(atomic_exchange(&g_slots[i], NULL));
    fault_report("malloc", atomic_load(&g_malloc));
    fault_report("realloc", atomic_load(&g_realloc));
    fault_report("free", atomic_load(&g_free));
    fault_report("memalign", atomic_load(&g_memalign));
    return 0;
}
