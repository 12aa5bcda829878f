/*
 * ring_scribbler.c — a second writer in the profiler's shared ring: maps the memfd named
 * in ALLOCPROF_RING_FD itself (as a child made with the raw clone system call, or a stray
 * store into shared memory, would write into it) and, for 200 ms, keeps storing into the
 * header a head that claims more bytes than the ring holds. Then it allocates and frees
 * kBlocks blocks, prints "blocks=N" and exits 0. Without ALLOCPROF_RING_FD it only
 * allocates. A profiler must end such a run as broken, let the program finish, and return.
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

enum { kBlocks = 1000 };

/* The ring header's layout (wire/wire_format.h): magic, version, capacity, then head and
 * tail each on their own 64-byte line. */
struct ring_header {
    uint32_t magic;
    uint16_t version;
    uint16_t reserved;
    uint64_t capacity;
    _Alignas(64) uint64_t head;
    _Alignas(64) uint64_t tail;
};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void) {
    const char* ring = getenv("ALLOCPROF_RING_FD");
    if (ring) {
        struct stat st;
        int fd = atoi(ring);
        if (fstat(fd, &st) != 0 || st.st_size < 4096) fault_fail("ALLOCPROF_RING_FD is not the ring");
        struct ring_header* h = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (h == MAP_FAILED) fault_fail("mmap of the ring");
        const double until = now_s() + 0.2;
        while (now_s() < until) {
            uint64_t tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
            __atomic_store_n(&h->head, tail + 4 * h->capacity, __ATOMIC_RELEASE);
        }
        munmap(h, 4096);
    }
    for (int i = 0; i < kBlocks; ++i) free(malloc(64));
    fault_report("blocks", kBlocks);
    return 0;
}
