/*
 * call_every_hook.c — calls every function of the hook table (wire/hooked_functions.def)
 * N times, through the dynamic symbol of the row's name (so free_sized is reached even
 * where libc lacks it: the preload library defines it), and prints how many calls of each
 * hooked function it made, one "event NAME COUNT" line per hook event name. The table
 * drives the loop: a row without a call_<name> function below does not compile.
 *
 *   call_every_hook heap N       every row that records an event
 *   call_every_hook loader N PLUGIN   the rows that record none (dlopen, dlclose)
 *
 * Every block and mapping is released again, so nothing is live at exit. Exit 0.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>

enum { kMaxNames = 32 };
static const char* g_names[kMaxNames];
static long g_counts[kMaxNames];
static const char* g_plugin;

static void count(const char* name) {
    int i = 0;
    while (i < kMaxNames && g_names[i] && strcmp(g_names[i], name) != 0) ++i;
    if (i == kMaxNames) abort();
    g_names[i] = name;
    ++g_counts[i];
}

static void* sym(const char* name) {
    void* f = dlsym(RTLD_DEFAULT, name);
    if (!f) {
        fprintf(stderr, "call_every_hook: no symbol %s\n", name);
        exit(2);
    }
    return f;
}

/* The functions the calls below use besides the one under test, resolved before anything
 * is counted so that both runs of the test resolve the same symbols. */
static void* (*p_malloc)(size_t);
static void (*p_free)(void*);
static void* (*p_aligned_alloc)(size_t, size_t);
static void* (*p_mmap)(void*, size_t, int, int, int, off_t);
static int (*p_munmap)(void*, size_t);
static void* (*p_dlopen)(const char*, int);
static int (*p_dlclose)(void*);

static void* block(void) { count("malloc"); return p_malloc(40); }
static void release(void* p) { count("free"); p_free(p); }
static void* mapping(void) {
    count("mmap");
    void* p = p_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) abort();
    return p;
}
static void unmap(void* p, size_t n) { count("munmap"); p_munmap(p, n); }
static void* must(void* p) { if (!p) abort(); return p; }

static void call_malloc(void* f) { count("malloc"); release(must(((void* (*)(size_t))f)(24))); }
static void call_calloc(void* f) { count("calloc"); release(must(((void* (*)(size_t, size_t))f)(3, 8))); }
static void call_realloc(void* f) {
    void* p = block();
    count("realloc");
    release(must(((void* (*)(void*, size_t))f)(p, 4000)));
}
static void call_reallocarray(void* f) {
    void* p = block();
    count("reallocarray");
    release(must(((void* (*)(void*, size_t, size_t))f)(p, 100, 40)));
}
static void call_free(void* f) { void* p = block(); count("free"); ((void (*)(void*))f)(p); }
static void call_posix_memalign(void* f) {
    void* p = NULL;
    count("posix_memalign");
    if (((int (*)(void**, size_t, size_t))f)(&p, 64, 100) != 0) abort();
    release(p);
}
static void call_aligned_alloc(void* f) { count("aligned_alloc"); release(must(((void* (*)(size_t, size_t))f)(64, 128))); }
static void call_memalign(void* f) { count("memalign"); release(must(((void* (*)(size_t, size_t))f)(64, 100))); }
static void call_valloc(void* f) { count("valloc"); release(must(((void* (*)(size_t))f)(100))); }
static void call_pvalloc(void* f) { count("pvalloc"); release(must(((void* (*)(size_t))f)(100))); }
static void call_free_sized(void* f) { void* p = block(); count("free_sized"); ((void (*)(void*, size_t))f)(p, 40); }
static void call_free_aligned_sized(void* f) {
    count("aligned_alloc");
    void* p = must(p_aligned_alloc(64, 128));
    count("free_aligned_sized");
    ((void (*)(void*, size_t, size_t))f)(p, 64, 128);
}
static void call_mmap(void* f) {
    count("mmap");
    void* p = ((void* (*)(void*, size_t, int, int, int, off_t))f)(NULL, 8192, PROT_READ | PROT_WRITE,
                                                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) abort();
    unmap(p, 8192);
}
static void call_mmap64(void* f) {
    count("mmap");  /* mmap64 shares mmap's event */
    void* p = ((void* (*)(void*, size_t, int, int, int, off_t))f)(NULL, 8192, PROT_READ | PROT_WRITE,
                                                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) abort();
    unmap(p, 8192);
}
static void call_munmap(void* f) { void* p = mapping(); count("munmap"); ((int (*)(void*, size_t))f)(p, 4096); }
static void call_mremap(void* f) {
    void* p = mapping();
    count("mremap");
    void* q = ((void* (*)(void*, size_t, size_t, int, ...))f)(p, 4096, 3 * 4096, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) abort();
    unmap(q, 3 * 4096);
}
static void call_dlopen(void* f) {
    count("dlopen");
    void* h = ((void* (*)(const char*, int))f)(g_plugin, RTLD_NOW);
    if (!h) abort();
    count("dlclose");
    p_dlclose(h);
}
static void call_dlclose(void* f) {
    count("dlopen");
    void* h = must(p_dlopen(g_plugin, RTLD_NOW));
    count("dlclose");
    if (((int (*)(void*))f)(h) != 0) abort();
}

struct Row {
    const char* name;
    const char* event;  /* the hook event name its calls are counted under; NULL: none */
    void (*call)(void*);
};
static const struct Row kRows[] = {
#define ALLOCPROF_HOOK(name, id, value, ret, params, kind) {#name, #name, call_##name},
#define ALLOCPROF_HOOK_SHARING(name, id, ret, params, kind) {#name, "shared", call_##name},
#define ALLOCPROF_HOOK_NO_EVENT(name, ret, params, kind) {#name, NULL, call_##name},
#include "wire/hooked_functions.def"
#undef ALLOCPROF_HOOK
#undef ALLOCPROF_HOOK_SHARING
#undef ALLOCPROF_HOOK_NO_EVENT
};

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: call_every_hook heap|loader N [PLUGIN]\n");
        return 2;
    }
    const int loader = strcmp(argv[1], "loader") == 0;
    const long n = atol(argv[2]);
    g_plugin = argc > 3 ? argv[3] : "";
    p_malloc = sym("malloc");
    p_free = sym("free");
    p_aligned_alloc = sym("aligned_alloc");
    p_mmap = sym("mmap");
    p_munmap = sym("munmap");
    p_dlopen = sym("dlopen");
    p_dlclose = sym("dlclose");
    void* fns[sizeof kRows / sizeof kRows[0]];
    for (size_t r = 0; r < sizeof kRows / sizeof kRows[0]; ++r) fns[r] = sym(kRows[r].name);
    /* Every name is listed, its count 0 when unused, so both runs print the same lines. */
    for (size_t r = 0; r < sizeof kRows / sizeof kRows[0]; ++r)
        if (kRows[r].event && strcmp(kRows[r].event, "shared") != 0) count(kRows[r].event);
    count("dlopen");
    count("dlclose");
    memset(g_counts, 0, sizeof g_counts);
    for (long i = 0; i < n; ++i)
        for (size_t r = 0; r < sizeof kRows / sizeof kRows[0]; ++r)
            if ((kRows[r].event == NULL) == loader) kRows[r].call(fns[r]);
    for (size_t r = 0; r < sizeof kRows / sizeof kRows[0]; ++r)
        if ((kRows[r].event == NULL) == loader) printf("called %s\n", kRows[r].name);
    for (int i = 0; i < kMaxNames && g_names[i]; ++i) printf("event %s %ld\n", g_names[i], g_counts[i]);
    return 0;
}
