// tracker.h — the preload library's core, as the hooks and the language bindings see it:
// who may record (HookScope), and the record_* functions the hooks call after (or, for
// frees, before) the real call.
//
// Re-entrancy lives in named parts:
//  - HookScope: the thread-local guard. Only the outermost hook on a thread records; any
//    allocation made while it runs (by libunwind, by dlsym, by a signal handler that
//    interrupts it) goes straight to the real function, unrecorded.
//  - the bootstrap allocator (bootstrap_allocator.h) for dlsym during resolution;
//  - fork handlers: a forked child is never traced and never writes to the stream;
//  - the tracker's own thread (the 10 ms ticker) is permanently guarded.
//
// The tracker's files: tracker.cpp (start, fork and exit, HookScope), recorders.cpp (the
// record_* functions), stack_interning.cpp, left_out.cpp, ticker.cpp, notes.cpp.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "interpose/left_out.h"
#include "wire/wire_format.h"

namespace allocprof::interpose {

// What a HookScope does when it is entered inside another hook of the same thread (see
// Nesting in tracker_state.h): Skip it (the default, for everything but the heap and
// mapping hooks), or Record it where a nested call can only be a signal handler's.
enum class NestedCalls : uint8_t { Skip, Record };

class HookScope {
public:
    explicit HookScope(NestedCalls nested = NestedCalls::Skip);
    ~HookScope();
    HookScope(const HookScope&) = delete;
    HookScope& operator=(const HookScope&) = delete;
    // True when this call records: the outermost hook on its thread, or one of a signal
    // handler that interrupted it where that is safe, and tracking is active.
    bool recording() const { return recording_; }

private:
    bool owner_;
    bool nested_;
    bool recording_;
    uint8_t saved_nesting_ = 0;
};

// While alive, hooks on this thread forward without recording: for a binding's own work
// (dlsym, libunwind, calls into its interpreter) outside or inside a hook.
class OwnWorkScope {
public:
    OwnWorkScope();
    ~OwnWorkScope();
    OwnWorkScope(const OwnWorkScope&) = delete;
    OwnWorkScope& operator=(const OwnWorkScope&) = delete;

private:
    bool previous_in_hook_;
    uint8_t previous_nesting_;
};

// Whether this process records (tracking active, the profiler still there); for the
// bindings' entry points, outside any hook.
bool recording_now();

// Recorders; callers are inside a recording HookScope.
// record_free and record_munmap return true when the real call was taken over: a signal
// handler's free, recorded later (interrupted_hooks.h), must not reach the real free
// before its record is in the stream. The caller then skips the real call.
void record_alloc(wire::HookFn fn, void* ptr, size_t size);
bool record_free(wire::HookFn fn, void* ptr);
void record_mmap(void* addr, size_t length);
bool record_munmap(void* addr, size_t length);

// realloc-like calls: the real call runs with the stream lock held, so that no other
// thread can reuse the old address and report it before this realloc is reported.
// `call` performs the real call and returns its result.
using ReallocCall = void* (*)(void* ptr, size_t a, size_t b);
void* tracked_realloc(wire::HookFn fn, ReallocCall call, void* ptr, size_t a, size_t b,
                      size_t requested);

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
