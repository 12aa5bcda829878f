/*
 * jemalloc_static.c — a program linked with jemalloc statically
 * (-Wl,-Bstatic -ljemalloc_pic -Wl,-Bdynamic): jemalloc's malloc is the executable's own,
 * ahead of the preload library's in the search order, and jemalloc maps its memory with
 * mmap from its first allocation on, early in the C library's start-up.
 *
 * Allocates and frees kBlocks blocks of 16..1039 bytes, keeps every 10th, prints "sum=S"
 * and "kept=K". Exit 0.
 */
#include "fault_util.h"

enum { kBlocks = 50000 };

int main(void) {
    static void* kept[kBlocks / 10];
    unsigned long long sum = 0, n_kept = 0;
    for (int i = 0; i < kBlocks; ++i) {
        unsigned char* p = malloc(16 + (size_t)(i % 1024));
        if (!p) fault_fail("malloc");
        p[0] = (unsigned char)i;
        sum += p[0];
        if (i % 10 == 0) kept[n_kept++] = p;
        else free(p);
    }
    for (unsigned long long i = 0; i < n_kept; ++i) free(kept[i]);
    fault_report("sum", sum);
    fault_report("kept", n_kept);
    return 0;
}
