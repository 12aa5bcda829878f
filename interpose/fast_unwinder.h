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

#include <stddef.h>
#include <stdint.h>

namespace allocprof::interpose {

// One frame of a walk: the state in which the walker reached it.
struct WalkFrame {
    uint64_t ip;        // the return address recorded for this frame
    uint64_t rsp;       // the stack pointer of this frame (the CFA of the frame below it)
    uint64_t rbp;
    uint16_t rbp_slot;  // this frame's rule saves the caller's RBP at CFA - 8*rbp_slot (0: not)
    uint16_t cfa_from_rbp;  // this frame's CFA is RBP + n (so the walk depends on RBP here)
    uint32_t unused;
};

// The previous walk of one thread. Consecutive allocations share most of their stack: when
// a new walk reaches a frame at the same return address and stack pointer as the previous
// walk did, the rest of the walk reads the same stack slots; if every slot still holds
// what it held (and RBP, where a frame's CFA depends on it, is the same), the rest is the
// same, and is copied instead of walked again. Checking a frame is one load; walking it is
// a rule lookup. RBP is a general register in code built without frame pointers, so it is
// compared only where a rule uses it.
struct WalkCache {
    // A small per-thread copy of the rule cache (see fast_unwinder.cpp): the few hundred
    // return addresses a thread's allocations pass through stay in L1 here.
    static constexpr int kLocalRules = 256;
    // Walks kept: a new walk is written over the oldest and compared with the others, so
    // a program that alternates between a few allocation paths finds its whole stack.
    static constexpr int kWalks = 4;
    uint64_t local_rules[kLocalRules];
    uint32_t epoch = 0;
    uint32_t next = 0;  // the slot the next walk is written to
    uint32_t depth[kWalks] = {};
    uint64_t end_slot[kWalks] = {};  // how the walk ended (see fast_unwinder.cpp)
    // The caller's result for each kept walk (the preload library keeps the trie node of
    // the stack here, so an identical stack is not interned again), and the caller's
    // generation of it (the trie's epoch): 0 = none.
    uint32_t result[kWalks] = {};
    uint32_t result_generation[kWalks] = {};
    // The kept walks, kWalks of walk_frames frames each: per-thread memory the caller maps
    // (the walk's depth is the library's --max-frames, up to thousands of frames, which
    // must not be on the stack of the thread being walked).
    uint32_t walk_frames = 0;
    WalkFrame* frames = nullptr;
    WalkFrame* walk(uint32_t slot) { return frames + size_t(slot) * walk_frames; }
};

// Looks up _dl_find_object. Returns false when the fast walker cannot be used at all
// (glibc older than 2.35, or ALLOCPROF_UNWIND=libunwind in the environment).
bool fast_unwinder_init();

// Walks the calling thread's stack. Fills `ips` with return addresses, innermost first,
// starting with the first one outside [own_start, own_end) — the preload library's code,
// which is built with frame pointers and is walked through them, without rule lookups.
// Returns the number of frames (at most max_frames, and at most cache->walk_frames when
// there is a cache), or -1 if this stack needs the
// fallback unwinder. `cache` (may be null) is this thread's previous walks; it is updated.
// `*slot` receives the kept walk this stack now is (-1 if none), and `*same` whether it is
// exactly a walk kept before (so that cache->result[*slot] still describes it).
int fast_unwind(uint64_t* ips, int max_frames, WalkCache* cache, uint64_t own_start,
                uint64_t own_end, int* slot, bool* same);

// The extent [*start, *end) of the function containing code address `ip`, from its FDE in
// .eh_frame (no symbols needed). False when no FDE covers `ip` or _dl_find_object is missing.
// Does not allocate; reads the loader's object list without taking its lock.
bool function_extent(uint64_t ip, uint64_t* start, uint64_t* end);

// Learns the calling thread's stack bounds, once per thread (later calls return at once).
// glibc's pthread_getattr_np may allocate (it reads /proc/self/maps for the main thread):
// the preload library calls this where nested hooks are not recorded, before the walks.
bool know_stack_bounds();

// Forgets every cached rule: after dlclose, another object may be mapped where the
// unloaded one was.
void fast_unwinder_forget();

}  // namespace allocprof::interpose
