// stack_interning.h — from the calling thread's stack to one trie node: take the stack
// (the fast walker, libunwind when it gives up, the script frames of a language binding),
// then intern it in the trie (trace_trie.h), sending each new (parent, ip) edge once.
//
// Consecutive allocations on a thread share most of their stack, so each thread keeps its
// last interned stack and a small cache of the edges it interned recently (ThreadCache),
// in memory mapped on the thread's first event and unmapped when it exits.
//
// How deep a stack is taken is set when tracking starts (g_max_frames: record's
// --max-frames, wire::kEnvMaxFrames). The frames of a capture live in the thread's
// ThreadCache, never on the hook's stack: at thousands of frames that would overflow a
// thread made with a small stack. A deeper stack keeps its innermost frames and is marked
// truncated: it is interned under a root-most pseudo frame (wire::truncated_frame_ip).
#pragma once

#include <stdint.h>

#include "interpose/ids.h"
#include "interpose/script_frames.h"

namespace allocprof::interpose {

// A capture without a thread buffer (a thread whose cache is gone or could not be
// mapped, a queued event of a signal handler) holds at most this many frames, on the stack.
inline constexpr int kFallbackFrames = 64;
// Room beyond the limit: libunwind's walk starts with its own frames and ours (skipped),
// and one frame more than the limit says the stack is deeper.
inline constexpr int kFrameSlack = 16;

// The calling thread's stack without the preload library's own frames: ip(0) is the
// innermost frame. Addresses are return addresses minus one (they point into the call).
// When the thread runs a script, its script frames come too (outermost first); they are
// interned after the native frames, on top of the native leaf (wire_format.h).
struct CapturedStack {
    int depth = 0;
    int script_depth = 0;
    // 0: the whole native stack; else the stack had more than this many native frames and
    // only the innermost ones are in `frames` (the limit: g_max_frames, or kFallbackFrames).
    int truncated_beyond = 0;
    script::Frame script[script::kMaxFrames];
    int walk_slot = -1;       // the fast walker's kept walk for this stack (-1: none)
    bool same_walk = false;   // identical to that kept walk: its trie node may be reused
    const uint64_t* frames = fallback;  // return addresses, innermost first
    uint64_t fallback[kFallbackFrames + kFrameSlack];  // when the thread has no buffer of its own
    uint64_t ip(int i) const { return frames[i] - 1; }
};

// Once, when tracking starts: the key whose destructor unmaps a thread's cache at its exit.
void stack_interning_init();

void capture_stack(CapturedStack& stack);

// Under the stream lock: the stack's leaf node (node 0 if the trie cannot grow at all; a
// stack is cut where the trie stops growing). Sends the new edges and script functions.
TraceNode intern_stack_locked(const CapturedStack& stack);

}  // namespace allocprof::interpose
