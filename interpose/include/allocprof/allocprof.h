/*
 * allocprof.h — the marker API a program (or an interpreter adapter) calls to tell
 * allocprof what an operation is and which phase it is in.
 *
 * The functions are defined by liballocprof_preload.so and declared weak here, so a
 * program that includes this header links and runs without allocprof: when the library
 * is not loaded the symbols resolve to NULL and the ALLOCPROF_* macros do nothing.
 * Call the functions through the macros (or check the symbol first yourself).
 *
 *   ALLOCPROF_PHASE_BEGIN("compile");   // phases do not nest: a new begin ends the open one
 *   ...
 *   ALLOCPROF_PHASE_END();
 *   ALLOCPROF_OPS(1);                   // count one operation of the scenario
 *
 * Names are copied (at most 255 bytes are kept); calls are thread-safe and never allocate
 * through the program's allocator.
 *
 * The calling thread's counts, for tests that assert what a piece of code allocates: the
 * allocations allocprof recorded on this thread since tracking began (a realloc is one) and
 * their requested bytes; 0 without allocprof (the macros check the symbol).
 *
 *   uint64_t before = ALLOCPROF_THREAD_ALLOCATIONS();
 *   run_opcode(vm);
 *   assert(ALLOCPROF_THREAD_ALLOCATIONS() - before == 0);
 *
 * In C++, the same as a scope and as an expression (the count of this thread only):
 *
 *   allocprof::NoAllocationScope scope;  ...;  assert(scope.count() == 0);
 *   assert(ALLOCPROF_EXPECT_NO_ALLOCATIONS(run_opcode(vm)) == 0);
 *
 * The measured scope, for test harnesses (the pytest plugin): between allocprof_scope_begin()
 * and allocprof_scope_end(), every allocation recorded on any thread is counted, and its
 * block is followed until it is freed, so allocprof_scope_read() knows the bytes still live
 * and their peak; allocprof_scope_lines() ranks the script lines (Lua, Python) that
 * allocated them. One scope per process: a begin while one is open starts over. Its
 * tables have a fixed size: blocks with no room are counted in `untracked_*` (they are in
 * allocations and bytes, not in the live figures), lines with no room in one row whose
 * function is ALLOCPROF_SCOPE_OTHER_LINES. Without allocprof the functions are NULL; with
 * it, begin returns 0 when the process is not traced.
 */
#ifndef ALLOCPROF_ALLOCPROF_H
#define ALLOCPROF_ALLOCPROF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void allocprof_phase_begin(const char* name) __attribute__((weak));
void allocprof_phase_end(void) __attribute__((weak));
void allocprof_ops(uint64_t n) __attribute__((weak));
uint64_t allocprof_thread_allocations(void) __attribute__((weak));
uint64_t allocprof_thread_bytes(void) __attribute__((weak));

/* What a measured scope counted, all threads. */
struct allocprof_scope_stats {
    uint64_t allocations;           /* recorded while the scope was open (a realloc is one) */
    uint64_t bytes;                 /* their requested bytes */
    uint64_t live_blocks;           /* of those, blocks not freed yet */
    uint64_t live_bytes;            /* and their bytes */
    uint64_t peak_live_bytes;       /* the largest live_bytes while the scope was open */
    uint64_t untracked_allocations; /* blocks the table had no room for: not in live_* */
    uint64_t untracked_bytes;
};

/* One script line of a measured scope: what the allocations it made add up to. */
struct allocprof_scope_line {
    uint32_t function; /* script function id (allocprof_script_function); 0: no script frame */
    uint32_t line;     /* its line in the function's file */
    uint64_t allocations;
    uint64_t bytes;
    uint64_t live_bytes; /* of its blocks, still live */
};

#define ALLOCPROF_SCOPE_OTHER_LINES 0xFFFFFFFFu /* the row of the lines with no room */

enum { ALLOCPROF_BY_BYTES = 0, ALLOCPROF_BY_ALLOCATIONS = 1, ALLOCPROF_BY_LIVE_BYTES = 2 };

int allocprof_scope_begin(void) __attribute__((weak));
void allocprof_scope_end(void) __attribute__((weak));
int allocprof_scope_read(struct allocprof_scope_stats* out) __attribute__((weak));
/* The first `max` lines by `order` (ALLOCPROF_BY_*), largest first; returns how many. */
size_t allocprof_scope_lines(struct allocprof_scope_line* out, size_t max, int order) __attribute__((weak));
/* File, name and first line of a script function id; 0 for an unknown id. */
int allocprof_script_function(uint32_t id, const char** file, const char** name,
                              uint32_t* first_line) __attribute__((weak));

#ifdef __cplusplus
}
#endif

#define ALLOCPROF_PHASE_BEGIN(name)                          \
    do {                                                     \
        if (&allocprof_phase_begin) allocprof_phase_begin(name); \
    } while (0)
#define ALLOCPROF_PHASE_END()                        \
    do {                                             \
        if (&allocprof_phase_end) allocprof_phase_end(); \
    } while (0)
#define ALLOCPROF_OPS(n)                            \
    do {                                            \
        if (&allocprof_ops) allocprof_ops((uint64_t)(n)); \
    } while (0)

#define ALLOCPROF_THREAD_ALLOCATIONS() \
    ((&allocprof_thread_allocations) ? allocprof_thread_allocations() : (uint64_t)0)
#define ALLOCPROF_THREAD_BYTES() ((&allocprof_thread_bytes) ? allocprof_thread_bytes() : (uint64_t)0)

#ifdef __cplusplus
namespace allocprof {

/* Counts what the constructing thread allocates from construction on: count() is 0 for
 * code that allocates nothing, and always 0 without allocprof. */
class NoAllocationScope {
public:
    NoAllocationScope() : start_(ALLOCPROF_THREAD_ALLOCATIONS()), start_bytes_(ALLOCPROF_THREAD_BYTES()) {}
    uint64_t count() const { return ALLOCPROF_THREAD_ALLOCATIONS() - start_; }
    uint64_t bytes() const { return ALLOCPROF_THREAD_BYTES() - start_bytes_; }

private:
    uint64_t start_;
    uint64_t start_bytes_;
};

}  /* namespace allocprof */

/* The number of allocations `stmt` makes on this thread (0 without allocprof). */
#define ALLOCPROF_EXPECT_NO_ALLOCATIONS(stmt) \
    ([&]() -> uint64_t {                      \
        ::allocprof::NoAllocationScope allocprof_scope_; \
        stmt;                                 \
        return allocprof_scope_.count();      \
    }())
#endif

#endif /* ALLOCPROF_ALLOCPROF_H */
