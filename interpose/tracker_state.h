// tracker_state.h — what the tracker's files (tracker.cpp, stack_interning.cpp,
// left_out.cpp, ticker.cpp, recorders.cpp) share: the tracking state of the process, the
// per-thread state, and the clocks. Private to interpose/; the hooks see tracker.h only.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>

#include "interpose/ids.h"
#include "interpose/module_map.h"
#include "interpose/trace_trie.h"
#include "wire/wire_format.h"

namespace allocprof::interpose {

// The lifecycle of tracking in one process (tracker.cpp):
//   NotStarted --first hook / constructor--> Active   (this is the pid allocprof launched)
//                                        \-> Passive  (any other process: forward only)
//   Active --exit()--> Finished (End record sent)   Active --fork (child)--> Passive
//   Active --profiler gone--> the writer switches itself off; hooks keep forwarding.
enum : int { kNotStarted = 0, kStarting = 1, kActive = 2, kPassive = 3, kFinished = 4 };
extern std::atomic<int> g_state;

struct ThreadCache;    // stack_interning.cpp
struct DeferredQueue;  // interrupted_hooks.cpp

// What a hook entered while another hook runs on the same thread may do. Such a call
// comes from one of two places: the library's own work (libunwind, dlsym, pthread, a
// binding's calls into its interpreter), which must never be recorded, or a signal
// handler that interrupted the hook, whose allocations are the program's. The outer hook
// says which by the part it is in: Closed around every piece of its own work that may
// allocate, and around the real call (glibc's reallocarray calls realloc through the
// hooked symbol; a replacement allocator calls mmap; and a handler that interrupts the
// real allocator must not allocate anyway: malloc is not async-signal-safe); Open
// elsewhere (the fast stack walk, interning, appending: none of it calls a hooked
// function, so a nested call there can only be a signal handler's).
enum Nesting : uint8_t { kNestingClosed = 0, kNestingOpen = 1 };

// Per-thread state. __thread with initial-exec: no TLS wrapper call, and the dynamic TLS
// path (__tls_get_addr) may allocate.
struct ThreadState {
    bool in_hook;      // a hook (HookScope) is running on this thread
    bool exited;       // the thread's cache is gone (its TLS destructors ran); do not map another
    uint8_t nesting;   // Nesting: what a call nested in the running hook may do
    bool nested;       // a nested hook (a signal handler's) is recording on this thread
    uint32_t thread_number;
    ThreadCache* cache;
    DeferredQueue* deferred;  // events of nested hooks waiting for the stream lock
    uint64_t allocations;     // recorded on this thread (a realloc is one): allocprof_thread_allocations()
    uint64_t bytes;           // their requested bytes: allocprof_thread_bytes()
};

// While alive, the running hook is in the given part (see Nesting).
class NestingWindow {
public:
    explicit NestingWindow(Nesting nesting);
    ~NestingWindow();
    NestingWindow(const NestingWindow&) = delete;
    NestingWindow& operator=(const NestingWindow&) = delete;

private:
    uint8_t previous_;
};
extern __thread ThreadState t_state __attribute__((tls_model("initial-exec")));

// Set once when tracking starts, read-only afterwards.
extern TraceTrie g_trie;                  // guarded by the stream lock
extern CodeRange g_own_code;              // the preload library's code, dropped from stacks
extern bool g_fast_unwinder;              // fast_unwinder_init() succeeded
extern int g_max_frames;                  // the deepest native stack taken (wire::kEnvMaxFrames)
extern uint64_t g_start_monotonic_ns;     // HelloRecord::start_monotonic_ns
extern uint64_t g_page_size;
extern std::atomic<uint64_t> g_fallback_stacks;  // stacks the fast walker left to libunwind

uint64_t monotonic_ns();
// Nanoseconds since tracking started, as TickRecord::time_ns.
inline uint64_t elapsed_ns() { return monotonic_ns() - g_start_monotonic_ns; }

// This thread's number, assigned on its first event.
ThreadNumber thread_number();

// The recorders' second halves, for events whose stack was taken already (the queued
// events of interrupted_hooks.cpp). recorders.cpp.
struct CapturedStack;
void record_alloc_with_stack(wire::HookFn fn, void* ptr, size_t size, const CapturedStack& stack);
void record_realloc_with_stack(wire::HookFn fn, void* old_ptr, void* new_ptr, size_t size,
                               const CapturedStack& stack);
void record_mmap_with_stack(void* addr, size_t length, const CapturedStack& stack);

inline NestingWindow::NestingWindow(Nesting nesting) : previous_(t_state.nesting) {
    t_state.nesting = nesting;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}
inline NestingWindow::~NestingWindow() {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    t_state.nesting = previous_;
}

}  // namespace allocprof::interpose
