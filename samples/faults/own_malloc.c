/*
 * own_malloc.c — a program that brings its own malloc: a bump allocator over mmap, in the
 * executable, so it takes precedence over the preload library's malloc (the executable
 * comes first in the dynamic linker's search order). Its chunks come from mmap, which the
 * preload library does hook: that hook runs before anything else of the library, from the
 * first allocation of the C library's start-up, when nothing has been resolved yet.
 *
 * Frees are no-ops; realloc copies. Allocates kBlocks blocks and prints "sum=S"
 * (a checksum of what it wrote) and "chunks=C". Exit 0.
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>


enum { kChunk = 1 << 20, kBlocks = 20000 };

static char* g_chunk;
static size_t g_used = kChunk;
static unsigned long long g_chunks;

struct header {
    size_t size;
    size_t pad;
};

static void* bump(size_t size, size_t alignment) {
    if (alignment < 16) alignment = 16;
    size_t start = (g_used + sizeof(struct header) + alignment - 1) & ~(alignment - 1);
    if (size > kChunk / 2) {
        char* big = mmap(NULL, size + alignment + sizeof(struct header), PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (big == MAP_FAILED) return NULL;
        ++g_chunks;
        char* p = (char*)(((uintptr_t)big + sizeof(struct header) + alignment - 1) & ~(alignment - 1));
        ((struct header*)p)[-1].size = size;
        return p;
    }
    if (start + size > kChunk) {
        g_chunk = mmap(NULL, kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (g_chunk == MAP_FAILED) {
            g_chunk = NULL;
            return NULL;
        }
        ++g_chunks;
        g_used = 0;
        start = (sizeof(struct header) + alignment - 1) & ~(alignment - 1);
    }
    char* p = g_chunk + start;
    ((struct header*)p)[-1].size = size;
    g_used = start + size;
    return p;
}

void* malloc(size_t size) { return bump(size, 16); }
void free(void* p) { (void)p; }
void* calloc(size_t n, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) return NULL;
    return bump(total, 16);  /* mmap memory is zeroed and never reused */
}
void* realloc(void* old, size_t size) {
    void* p = bump(size, 16);
    if (p && old) {
        size_t old_size = ((struct header*)old)[-1].size;
        memcpy(p, old, old_size < size ? old_size : size);
    }
    return p;
}
void* memalign(size_t alignment, size_t size) { return bump(size, alignment); }
void* aligned_alloc(size_t alignment, size_t size) { return bump(size, alignment); }
int posix_memalign(void** out, size_t alignment, size_t size) {
    *out = bump(size, alignment);
    return *out ? 0 : ENOMEM;
}
void* valloc(size_t size) { return bump(size, 4096); }
size_t malloc_usable_size(void* p) { return p ? ((struct header*)p)[-1].size : 0; }

int main(void) {
    unsigned long long sum = 0;
    for (int i = 0; i < kBlocks; ++i) {
        unsigned char* p = malloc(16 + (size_t)(i % 64));
        if (!p) fault_fail("malloc");
        p[0] = (unsigned char)i;
        sum += p[0];
        free(p);
    }
    fault_report("sum", sum);
    fault_report("chunks", g_chunks);
    return 0;
}
