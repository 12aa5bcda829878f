/*
 * sample_util.h — small helpers shared by the C sample programs.
 *
 * The samples must allocate exactly what their header comment says, so these helpers
 * never allocate: output goes through write(2) (stdio would allocate a buffer on first
 * use), and numbers are formatted by hand into a stack buffer.
 *
 * The samples are built with -fno-builtin and -fno-allocation-dce: without them the
 * compiler is allowed to delete a malloc/free pair whose block is never used, and the
 * planted pattern would silently disappear. touch() also writes into every block and
 * hides the pointer from the optimizer, so each block is really used.
 */
#ifndef ALLOCPROF_SAMPLE_UTIL_H
#define ALLOCPROF_SAMPLE_UTIL_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes a NUL-terminated string to fd, ignoring short writes on a broken pipe. */
static inline void sample_write(int fd, const char* s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/* Writes "label=value\n" to stdout; value formatted without stdio. */
static inline void sample_report(const char* label, unsigned long long value) {
    char digits[24];
    int i = (int)sizeof digits;
    digits[--i] = '\0';
    do {
        digits[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0 && i > 0);
    sample_write(1, label);
    sample_write(1, "=");
    sample_write(1, digits + i);
    sample_write(1, "\n");
}

/* Aborts the sample with a message (exit 1, never a signal, so tests see a clear status). */
static inline void sample_fail(const char* what) {
    sample_write(2, "sample: ");
    sample_write(2, what);
    sample_write(2, "\n");
    _exit(1);
}

/* Returns p, or fails the sample when an allocation that must succeed returned NULL. */
static inline void* sample_check(void* p, const char* what) {
    if (p == NULL) sample_fail(what);
    return p;
}

/* Writes into the first n bytes of p and makes p escape, so the block cannot be elided. */
static inline void touch(void* p, size_t n) {
    if (n > 0) memset(p, 0xA5, n);
    __asm__ volatile("" : : "r"(p) : "memory");
}

#endif /* ALLOCPROF_SAMPLE_UTIL_H */
