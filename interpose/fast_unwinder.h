// fast_unwinder.h — a stack walker for the common case, with libunwind as the fallback.
//
// Unwinding is most of what recording costs (a third of a C++ target's time with
// libunwind's unw_backtrace). Almost every x86-64 frame follows one of two rules from
// its .eh_frame CFI: CFA = RSP + n or CFA = RBP + n, the return address at CFA - 8, and
// RBP either untouched or saved at CFA - 8k. This walker reads the CFI of each new return
// address once (through _dl_find_object and the .eh_frame_hdr search table), caches the
// rule in one 64-bit word, and then walks a frame with a table lookup and one or two
// loads. Anything else (a signal frame, a CFA expression as in PLT stubs, a register
// rule it does not model, a stack outside the thread's bounds) makes it give up on the
// whole stack, and the caller unwinds with libunwind instead: fidelity never depends on
// this walker, only speed does. tests/e2e compares both walkers' stacks on the samples.
#pragma once

#include <stdint.h>

namespace allocprof::interpose {

// Looks up _dl_find_object. Returns false when the fast walker cannot be used at all
// (glibc older than 2.35, or ALLOCPROF_UNWIND=libunwind in the environment).
bool fast_unwinder_init();

// Walks the calling thread's stack. Fills `ips` with return addresses, innermost first,
// starting with the caller of the function that called fast_unwind (which must be
// compiled with frame pointers, as the preload library is). Returns the number of
// frames, or -1 if this stack needs the fallback unwinder.
int fast_unwind(uint64_t* ips, int max_frames);

// Forgets every cached rule: after dlclose, another object may be mapped where the
// unloaded one was.
void fast_unwinder_forget();

}  // namespace allocprof::interpose
