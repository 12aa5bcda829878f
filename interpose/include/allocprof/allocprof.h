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
 */
#ifndef ALLOCPROF_ALLOCPROF_H
#define ALLOCPROF_ALLOCPROF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void allocprof_phase_begin(const char* name) __attribute__((weak));
void allocprof_phase_end(void) __attribute__((weak));
void allocprof_ops(uint64_t n) __attribute__((weak));
uint64_t allocprof_thread_allocations(void) __attribute__((weak));
uint64_t allocprof_thread_bytes(void) __attribute__((weak));

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

#endif /* ALLOCPROF_ALLOCPROF_H */
