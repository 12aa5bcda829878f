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

#endif /* ALLOCPROF_ALLOCPROF_H */
