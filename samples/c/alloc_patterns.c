/*
 * alloc_patterns.c — one call of every hooked allocation function, with sizes chosen so
 * the totals can be written down in advance. tests/e2e checks `allocprof summary` against
 * these numbers exactly.
 *
 * Counting rules (docs/definitions.md, "Recording"; valgrind counts the same way): realloc(NULL, n)
 * is an allocation; realloc(p, n > 0) is one allocation of n bytes plus one free of p;
 * realloc(p, 0) is a free (glibc frees p and returns NULL); free(NULL) counts nothing;
 * strdup/strndup reach malloc; sizes are the requested sizes (pvalloc's rounding ignored).
 *
 *   section                        allocations  bytes               frees  live after
 *   kept block, never freed        1 malloc     777                 0      777
 *   10 x malloc(100), all held     10 malloc    1000                10     777 (peak 1777)
 *   5 x calloc(4, 25), all held    5 calloc     500                 5      777
 *   realloc growth 16->...->512    1 malloc +   16+32+64+128+       5      777+512
 *                                  5 realloc    256+512 = 1008
 *   realloc shrink 512->128->8     2 realloc    128+8 = 136         2+1    777
 *   realloc(NULL, 48)              1            48                  1      777
 *   malloc(24), realloc(p, 0)      1 malloc     24                  1      777
 *   posix_memalign(64, 200)        1            200                 1      777
 *   aligned_alloc(128, 256)        1            256                 1      777
 *   memalign(32, 100)              1            100                 1      777
 *   valloc(300)                    1            300                 1      777
 *   pvalloc(500)                   1            500                 1      777
 *   reallocarray(NULL,10,8) then   2            80+160 = 240        1+1    777
 *   reallocarray(p,20,8)
 *   strdup (16 chars), strndup(,3) 2 malloc     17+4 = 21           2      777
 *   3 x free(NULL)                 0            0                   0      777
 *   ------------------------------------------------------------------------------
 *   total                          35           5110                34
 *
 *   reallocs (p != NULL, n > 0): 5 + 2 + 1 = 8.   unfreed at exit: 1 block, 777 bytes.
 *   peak live: 777 + 1000 = 1777 (every other section stays below 1000 even counting a
 *   realloc's old and new block together).
 *   calls reaching malloc: 1 + 10 + 1 + 1 + strdup 1 + strndup 1 = 15; calloc 5;
 *   posix_memalign, aligned_alloc, memalign, valloc, pvalloc 1 each; reallocarray 2.
 *
 * Nothing else allocates: no stdio, no locale, exit status 0 on success.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "sample_util.h"

static void* kept_block;

static void section_malloc(void) {
    void* blocks[10];
    for (int i = 0; i < 10; ++i) {
        blocks[i] = sample_check(malloc(100), "malloc");
        touch(blocks[i], 100);
    }
    for (int i = 0; i < 10; ++i) free(blocks[i]);
}

static void section_calloc(void) {
    void* blocks[5];
    for (int i = 0; i < 5; ++i) {
        blocks[i] = sample_check(calloc(4, 25), "calloc");
        touch(blocks[i], 100);
    }
    for (int i = 0; i < 5; ++i) free(blocks[i]);
}

/* Grows a buffer by doubling (16 -> 512), then shrinks it (512 -> 128 -> 8) and frees it. */
static void section_realloc_chain(void) {
    char* p = sample_check(malloc(16), "malloc");
    touch(p, 16);
    for (size_t n = 32; n <= 512; n *= 2) {
        p = sample_check(realloc(p, n), "realloc grow");
        touch(p, n);
    }
    p = sample_check(realloc(p, 128), "realloc shrink");
    touch(p, 128);
    p = sample_check(realloc(p, 8), "realloc shrink");
    touch(p, 8);
    free(p);
}

static void section_realloc_edges(void) {
    void* p = sample_check(realloc(NULL, 48), "realloc(NULL)");
    touch(p, 48);
    free(p);

    void* q = sample_check(malloc(24), "malloc");
    touch(q, 24);
    /* glibc: realloc(q, 0) frees q and returns NULL. */
    void* r = realloc(q, 0);
    if (r != NULL) sample_fail("realloc(p, 0) did not free");
}

static void section_aligned(void) {
    void* p = NULL;
    if (posix_memalign(&p, 64, 200) != 0) sample_fail("posix_memalign");
    touch(p, 200);
    free(p);

    p = sample_check(aligned_alloc(128, 256), "aligned_alloc");
    touch(p, 256);
    free(p);

    p = sample_check(memalign(32, 100), "memalign");
    touch(p, 100);
    free(p);

    p = sample_check(valloc(300), "valloc");
    touch(p, 300);
    free(p);

    p = sample_check(pvalloc(500), "pvalloc");
    touch(p, 500);
    free(p);
}

static void section_reallocarray(void) {
    long* a = sample_check(reallocarray(NULL, 10, sizeof(long)), "reallocarray(NULL)");
    touch(a, 10 * sizeof(long));
    a = sample_check(reallocarray(a, 20, sizeof(long)), "reallocarray grow");
    touch(a, 20 * sizeof(long));
    free(a);
}

static void section_strings(void) {
    char* s = sample_check(strdup("hello, allocprof"), "strdup"); /* 16 chars + NUL */
    char* t = sample_check(strndup("abcdefgh", 3), "strndup");    /* 3 chars + NUL */
    touch(s, strlen(s));
    touch(t, strlen(t));
    free(s);
    free(t);
}

static void section_free_null(void) {
    void* volatile nothing = NULL;
    for (int i = 0; i < 3; ++i) free(nothing);
}

int main(void) {
    kept_block = sample_check(malloc(777), "malloc");
    touch(kept_block, 777);

    section_malloc();
    section_calloc();
    section_realloc_chain();
    section_realloc_edges();
    section_aligned();
    section_reallocarray();
    section_strings();
    section_free_null();
    return 0;
}
