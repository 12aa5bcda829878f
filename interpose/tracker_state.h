// tracker_state.h — what the tracker's files (tracker.cpp, stack_interning.cpp,
// left_out.cpp, ticker.cpp, recorders.cpp) share: the tracking state of the process, the
// per-thread state, and the clocks. Private to interpose/; the hooks see tracker.h only.
#pragma once

#include <stdint.h>

#include <atomic>

#include "interpose/ids.h"
#include "interpose/module_map.h"
#include "interpose/trace_trie.h"

namespace allocprof::interpose {

// The lifecycle of tracking in one process (tracker.cpp):
//   NotStarted --first hook / constructor--> Active   (this is the pid allocprof launched)
//                                        \-> Passive  (any other process: forward only)
//   Active --exit()--> Finished (End record sent)   Active --fork (child)--> Passive
//   Active --profiler gone--> the writer switches itself off; hooks keep forwarding.
enum : int { kNotStarted = 0, kStarting = 1, kActive = 2, kPassive = 3, kFinished = 4 };
extern std::atomic<int> g_state;

struct ThreadCache;  // stack_interning.cpp

// Per-thread state. __thread with initial-exec: no TLS wrapper call, and the dynamic TLS
// path (__tls_get_addr) may allocate.
struct ThreadState {
    bool in_hook;
    bool exited;  // the thread's cache is gone (its TLS destructors ran); do not map another
    uint32_t thread_number;
    ThreadCache* cache;
};
extern __thread ThreadState t_state __attribute__((tls_model("initial-exec")));

// Set once when tracking starts, read-only afterwards.
extern TraceTrie g_trie;                  // guarded by the stream lock
extern CodeRange g_own_code;              // the preload library's code, dropped from stacks
extern bool g_fast_unwinder;              // fast_unwinder_init() succeeded
extern uint64_t g_start_monotonic_ns;     // HelloRecord::start_monotonic_ns
extern uint64_t g_page_size;
extern std::atomic<uint64_t> g_fallback_stacks;  // stacks the fast walker left to libunwind

uint64_t monotonic_ns();
// Nanoseconds since tracking started, as TickRecord::time_ns.
inline uint64_t elapsed_ns() { return monotonic_ns() - g_start_monotonic_ns; }

// This thread's number, assigned on its first event.
ThreadNumber thread_number();

}  // namespace allocprof::interpose
