// tracker.h — the preload library's core: when tracking starts and stops, who may record,
// and the record_* functions the hooks call after (or, for frees, before) the real call.
//
// Re-entrancy lives here, in named parts:
//  - HookScope: the thread-local guard. Only the outermost hook on a thread records; any
//    allocation made while it runs (by libunwind, by dlsym, by a signal handler that
//    interrupts it) goes straight to the real function, unrecorded.
//  - the bootstrap allocator (bootstrap_allocator.h) for dlsym during resolution;
//  - fork handlers: a forked child is never traced and never writes to the stream;
//  - the tracker's own thread (the 10 ms ticker) is permanently guarded.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "interpose/script_frames.h"
#include "wire/wire_format.h"

namespace allocprof::interpose {

inline constexpr int kMaxFrames = 256;

// The calling thread's stack without the preload library's own frames: ip(0) is the
// innermost frame. Addresses are return addresses minus one (they point into the call).
// When the thread runs a script, its script frames come too (outermost first); they are
// interned after the native frames, on top of the native leaf (wire_format.h).
struct CapturedStack {
    int depth = 0;
    int script_depth = 0;
    script::Frame script[script::kMaxFrames];
    int walk_slot = -1;       // the fast walker's kept walk for this stack (-1: none)
    bool same_walk = false;   // identical to that kept walk: its trie node may be reused
    const uint64_t* frames = raw;  // return addresses, innermost first
    uint64_t raw[kMaxFrames + 8];
    uint64_t ip(int i) const { return frames[i] - 1; }
};

class HookScope {
public:
    HookScope();
    ~HookScope();
    HookScope(const HookScope&) = delete;
    HookScope& operator=(const HookScope&) = delete;
    // True when this call is the outermost hook on its thread and tracking is active.
    bool recording() const { return recording_; }

private:
    bool owner_;
    bool recording_;
};

// Whether this process records (tracking active, the profiler still there); for the
// bindings' entry points, outside any hook.
bool recording_now();

void capture_stack(CapturedStack& stack);

// Recorders; callers are inside a recording HookScope.
void record_alloc(wire::HookFn fn, void* ptr, size_t size);
void record_free(wire::HookFn fn, void* ptr);
void record_mmap(void* addr, size_t length);
void record_munmap(void* addr, size_t length);

// realloc-like calls: the real call runs with the stream lock held, so that no other
// thread can reuse the old address and report it before this realloc is reported.
// `call` performs the real call and returns its result.
using ReallocCall = void* (*)(void* ptr, size_t a, size_t b);
void* tracked_realloc(wire::HookFn fn, ReallocCall call, void* ptr, size_t a, size_t b,
                      size_t requested);

// Allocations a language binding leaves out: the work its interpreter does only because the
// binding is profiling it (CPython's frame objects for the profiling hook). `filter` is asked
// about every allocation (any thread, no lock held, must not allocate) with its native
// stack, return addresses innermost first; when it says yes, the block is not recorded, its
// free (or realloc) is not reported either, and the run's notes say how many were left
// out. Set once; null (the default) costs one predictable branch per allocation.
using AllocFilter = bool (*)(const uint64_t* return_addresses, int depth);
void set_alloc_filter(AllocFilter filter);
// While alive, what this thread allocates is left out the same way: for a binding's own
// calls into the target (Lua's GC sentinel, its module table), which the script did not
// ask for.
class LeaveOutScope {
public:
    LeaveOutScope();
    ~LeaveOutScope();
    LeaveOutScope(const LeaveOutScope&) = delete;
    LeaveOutScope& operator=(const LeaveOutScope&) = delete;
};

// After a successful mremap (rare in targets; recorded after the call).
void record_mremap(void* old_addr, size_t old_length, void* new_addr, size_t new_length);

// After dlopen/dlclose: send a fresh module map (and, after dlclose, forget the trie).
void modules_changed(bool unloaded);

// An interpreter finished a garbage collection (language bindings).
void record_gc_cycle(wire::ScriptLanguage language, uint8_t generation);

// Marker API backends.
void record_phase_begin(const char* name);
void record_phase_end();
void record_ops(uint64_t n);

}  // namespace allocprof::interpose
