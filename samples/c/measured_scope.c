/*
 * measured_scope.c — the preload library's measured scope (allocprof/allocprof.h,
 * allocprof_scope_begin/end/read/lines), with figures known by construction.
 *
 * Usage: measured_scope. Prints "began=B" and one line per reading; exit 0.
 *   first:    malloc(100) kept; malloc(200) freed; the 100 realloc'ed to 400; a block made
 *             before the scope freed (not the scope's); calloc(10, 5) freed:
 *             4 allocations, 750 B, 1 live block of 400 B, peak 450 B.
 *   after:    allocations after allocprof_scope_end() are not counted: the same figures.
 *   fresh:    a new scope starts at 0.
 *   full:     100000 blocks of 8 B kept: the block table holds 98304 of them (3/4 of its
 *             131072 slots), the other 1696 (13568 B) are untracked: counted in
 *             allocations and bytes, left out of the live figures.
 *   freed:    all of them freed: nothing live, the peak stays.
 *   lines:    one line, no script frame (function 0): 100000 allocations, 800000 B, 0 live.
 * Nothing is printed while a scope is open (stdout's buffer would be the scope's).
 * Without allocprof every figure is 0 (began=0) and the program runs the same.
 */
#include <stdio.h>
#include <stdlib.h>

#include "allocprof/allocprof.h"
#include "sample_util.h"

enum { kBlocks = 100000 };

static struct allocprof_scope_stats read_scope(void) {
    struct allocprof_scope_stats s = {0};
    if (&allocprof_scope_read) allocprof_scope_read(&s);
    return s;
}

static void print_stats(const char* label, const struct allocprof_scope_stats* s) {
    printf("%s: allocations=%llu bytes=%llu live_blocks=%llu live_bytes=%llu peak=%llu "
           "untracked=%llu untracked_bytes=%llu\n",
           label, (unsigned long long)s->allocations, (unsigned long long)s->bytes,
           (unsigned long long)s->live_blocks, (unsigned long long)s->live_bytes,
           (unsigned long long)s->peak_live_bytes, (unsigned long long)s->untracked_allocations,
           (unsigned long long)s->untracked_bytes);
}

int main(void) {
    void** blocks = sample_check(calloc(kBlocks, sizeof(void*)), "calloc");
    void* before = sample_check(malloc(1000), "malloc");

    const int began = &allocprof_scope_begin ? allocprof_scope_begin() : 0;
    void* a = sample_check(malloc(100), "malloc");
    void* b = sample_check(malloc(200), "malloc");
    free(b);
    a = sample_check(realloc(a, 400), "realloc");
    free(before);
    free(sample_check(calloc(10, 5), "calloc"));
    const struct allocprof_scope_stats first = read_scope();
    if (&allocprof_scope_end) allocprof_scope_end();
    free(sample_check(malloc(64), "malloc"));
    const struct allocprof_scope_stats after = read_scope();

    if (&allocprof_scope_begin) allocprof_scope_begin();
    const struct allocprof_scope_stats fresh = read_scope();
    for (int i = 0; i < kBlocks; ++i) blocks[i] = sample_check(malloc(8), "malloc");
    const struct allocprof_scope_stats full = read_scope();
    for (int i = 0; i < kBlocks; ++i) free(blocks[i]);
    const struct allocprof_scope_stats freed = read_scope();
    struct allocprof_scope_line lines[4] = {{0}};
    const size_t n = &allocprof_scope_lines ? allocprof_scope_lines(lines, 4, ALLOCPROF_BY_BYTES) : 0;
    if (&allocprof_scope_end) allocprof_scope_end();

    printf("began=%d\n", began);
    print_stats("first", &first);
    print_stats("after", &after);
    print_stats("fresh", &fresh);
    print_stats("full", &full);
    print_stats("freed", &freed);
    printf("lines=%zu", n);
    for (size_t i = 0; i < n; ++i)
        printf(" function=%u line=%u allocations=%llu bytes=%llu live=%llu", lines[i].function,
               lines[i].line, (unsigned long long)lines[i].allocations,
               (unsigned long long)lines[i].bytes, (unsigned long long)lines[i].live_bytes);
    printf("\n");
    free(a);
    free(blocks);
    return 0;
}
