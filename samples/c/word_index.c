/*
 * word_index.c — a small, fully deterministic C workload: build a text with a growing
 * string buffer, index its words in a chained hash table (strdup'ed keys, per-word
 * position lists grown by realloc, a bucket array rehashed by doubling), rank the words,
 * then free everything except a small "top words" cache that lives until exit.
 *
 * Pattern planted: realloc growth chains (the text buffer, the position lists), many small
 * short-lived strings, a rehash (calloc new buckets + free old), one posix_memalign'ed
 * scratch buffer, and 1 + kTopWords blocks that are never freed.
 *
 * Counts: not written by hand — the test compares `allocprof summary` with valgrind
 * memcheck's "total heap usage" and "in use at exit" for the same command. The program
 * avoids everything valgrind counts differently from glibc (realloc(p, 0), new of size 0)
 * and everything that would depend on the environment (stdio, locale, time).
 * Arguments: [rounds] (default 20) — how many times the base text is repeated.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sample_util.h"

enum { kTopWords = 5 };

static const char* const kBaseText =
    "the quick brown fox jumps over the lazy dog while the profiler counts every "
    "allocation that the program makes and the program makes many of them because "
    "interpreters allocate strings tables closures and frames for almost every step ";

/* ---- a growing string buffer ------------------------------------------------------ */

typedef struct {
    char* data;
    size_t length;
    size_t capacity;
} StringBuilder;

static void sb_append(StringBuilder* sb, const char* s, size_t n) {
    if (sb->length + n + 1 > sb->capacity) {
        size_t capacity = sb->capacity ? sb->capacity : 64;
        while (sb->length + n + 1 > capacity) capacity *= 2;
        sb->data = sample_check(realloc(sb->data, capacity), "realloc text");
        sb->capacity = capacity;
    }
    memcpy(sb->data + sb->length, s, n);
    sb->length += n;
    sb->data[sb->length] = '\0';
}

static void sb_append_number(StringBuilder* sb, unsigned value) {
    char digits[16];
    int i = (int)sizeof digits;
    do {
        digits[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    sb_append(sb, digits + i, sizeof digits - (size_t)i);
}

/* ---- the word index ----------------------------------------------------------------- */

typedef struct Word {
    struct Word* next;
    char* text;
    uint32_t* positions;
    size_t count;
    size_t capacity;
} Word;

typedef struct {
    Word** buckets;
    size_t bucket_count;
    size_t word_count;
} WordIndex;

static uint64_t hash_word(const char* s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a: deterministic, no per-process seed */
    for (size_t i = 0; i < n; ++i) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static void index_rehash(WordIndex* index) {
    size_t new_count = index->bucket_count * 2;
    Word** buckets = sample_check(calloc(new_count, sizeof(Word*)), "calloc buckets");
    for (size_t b = 0; b < index->bucket_count; ++b) {
        Word* w = index->buckets[b];
        while (w != NULL) {
            Word* next = w->next;
            size_t slot = hash_word(w->text, strlen(w->text)) % new_count;
            w->next = buckets[slot];
            buckets[slot] = w;
            w = next;
        }
    }
    free(index->buckets);
    index->buckets = buckets;
    index->bucket_count = new_count;
}

static void index_add(WordIndex* index, const char* s, size_t n, uint32_t position) {
    size_t slot = hash_word(s, n) % index->bucket_count;
    Word* w = index->buckets[slot];
    while (w != NULL && !(strlen(w->text) == n && memcmp(w->text, s, n) == 0)) w = w->next;
    if (w == NULL) {
        w = sample_check(malloc(sizeof(Word)), "malloc word");
        w->text = sample_check(strndup(s, n), "strndup");
        w->positions = NULL;
        w->count = w->capacity = 0;
        w->next = index->buckets[slot];
        index->buckets[slot] = w;
        if (++index->word_count * 4 > index->bucket_count * 3) index_rehash(index);
    }
    if (w->count == w->capacity) {
        w->capacity = w->capacity ? w->capacity + w->capacity / 2 + 1 : 2;
        w->positions =
            sample_check(realloc(w->positions, w->capacity * sizeof(uint32_t)), "realloc pos");
    }
    w->positions[w->count++] = position;
}

static int by_count_then_text(const void* a, const void* b) {
    const Word* x = *(const Word* const*)a;
    const Word* y = *(const Word* const*)b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->text, y->text);
}

int main(int argc, char** argv) {
    unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20;

    StringBuilder text = {NULL, 0, 0};
    for (unsigned r = 0; r < rounds; ++r) {
        sb_append(&text, kBaseText, strlen(kBaseText));
        sb_append(&text, "round", 5);
        sb_append_number(&text, r % 7);
        sb_append(&text, " ", 1);
    }

    WordIndex index = {NULL, 8, 0};
    index.buckets = sample_check(calloc(index.bucket_count, sizeof(Word*)), "calloc buckets");
    uint32_t position = 0;
    for (const char* p = text.data; *p != '\0';) {
        while (*p == ' ') ++p;
        const char* start = p;
        while (*p != ' ' && *p != '\0') ++p;
        if (p > start) index_add(&index, start, (size_t)(p - start), position++);
    }

    /* Rank the words (64-byte aligned scratch array, like a SIMD-friendly buffer). */
    void* scratch = NULL;
    if (posix_memalign(&scratch, 64, index.word_count * sizeof(Word*)) != 0)
        sample_fail("posix_memalign");
    Word** ranked = scratch;
    size_t k = 0;
    for (size_t b = 0; b < index.bucket_count; ++b)
        for (Word* w = index.buckets[b]; w != NULL; w = w->next) ranked[k++] = w;
    qsort(ranked, k, sizeof(Word*), by_count_then_text);

    /* The top words are cached for the rest of the process: never freed. */
    char** top = sample_check(malloc(kTopWords * sizeof(char*)), "malloc top");
    for (int i = 0; i < kTopWords && (size_t)i < k; ++i)
        top[i] = sample_check(strdup(ranked[i]->text), "strdup top");
    __asm__ volatile("" : : "r"(top) : "memory");

    for (size_t i = 0; i < k; ++i) {
        free(ranked[i]->positions);
        free(ranked[i]->text);
        free(ranked[i]);
    }
    free(scratch);
    free(index.buckets);
    free(text.data);

    sample_report("words", k);
    sample_report("positions", position);
    return 0;
}
