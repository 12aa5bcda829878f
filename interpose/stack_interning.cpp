// stack_interning.cpp — see stack_interning.h.
#include "interpose/stack_interning.h"

#include <pthread.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "interpose/fast_unwinder.h"
#include "interpose/internal_memory.h"
#include "interpose/records.h"
#include "interpose/stream_writer.h"
#include "interpose/tracker_state.h"

namespace allocprof::interpose {

// The larger per-thread caches. Not in TLS: static TLS is carved out of every thread's
// stack, and 20 KB more of it would make pthread_create fail for programs that ask for
// small stacks.
struct ThreadCache {
    // The last interned stack, outermost frame first, and its trie nodes: consecutive
    // allocations on a thread share most of their stack, and the shared part needs no
    // hash lookups.
    uint32_t cached_depth;
    uint32_t cached_epoch;
    uint64_t cached_ips[kMaxFrames];
    TraceNode cached_nodes[kMaxFrames];
    // Recently interned edges of this thread, direct-mapped: the leaf frames that differ
    // between consecutive stacks come from a handful of call sites, and the shared trie is
    // too large to stay in cache.
    struct Edge {
        uint64_t ip;
        TraceNode parent;
        TraceNode node;
    };
    static constexpr int kEdges = 512;
    Edge edges[kEdges];
    WalkCache walk;  // the fast unwinder's previous walk
};

namespace {

pthread_key_t g_cache_key;
bool g_cache_key_ready = false;

void release_thread_cache(void* cache) {
    internal_unmap(cache, sizeof(ThreadCache));
    t_state.cache = nullptr;
    t_state.exited = true;
}

// This thread's caches, or null (out of memory, or the thread is exiting). A nested hook
// (a signal handler's) never makes them: pthread_setspecific is not async-signal-safe.
ThreadCache* thread_cache() {
    if (t_state.cache || t_state.exited || !g_cache_key_ready || t_state.nested) return t_state.cache;
    NestingWindow own_work(kNestingClosed);  // pthread_setspecific may allocate
    auto* cache = static_cast<ThreadCache*>(internal_map(sizeof(ThreadCache)));
    if (!cache) {
        t_state.exited = true;  // do not retry on every event
        return nullptr;
    }
    t_state.cache = cache;
    pthread_setspecific(g_cache_key, cache);  // runs release_thread_cache at thread exit
    if (g_fast_unwinder) know_stack_bounds();  // may allocate: here, where that is ours
    return cache;
}

// Interns (parent, ip) in the shared trie; sends the edge if it is new. 0 when the trie
// cannot grow.
TraceNode intern_in_trie_locked(TraceNode parent, uint64_t ip) {
    bool created = false;
    TraceNode child = g_trie.intern(parent, ip, &created);
    if (child.valid() && created) {
        auto edge = records::trace_edge(child, parent, ip);
        g_writer.append(&edge, sizeof(edge));
    }
    return child;
}

// Interns (parent, ip) through the thread's edge cache.
TraceNode intern_edge_locked(ThreadCache& cache, TraceNode parent, uint64_t ip) {
    auto& e = cache.edges[((ip ^ (uint64_t(parent.value) << 20)) * 0x9E3779B97F4A7C15ull) >> 55];
    if (e.node.valid() && e.ip == ip && e.parent == parent) return e.node;
    TraceNode child = intern_in_trie_locked(parent, ip);
    if (!child.valid()) return child;
    e = {ip, parent, child};
    return child;
}

// Interns (parent, ip), through the thread's edge cache when it has one.
TraceNode intern_frame_locked(ThreadCache* cache, TraceNode parent, uint64_t ip) {
    return cache ? intern_edge_locked(*cache, parent, ip) : intern_in_trie_locked(parent, ip);
}

TraceNode intern_new_stack_locked(const CapturedStack& stack) {
    ThreadCache* cache = thread_cache();
    if (!cache) {  // no cache: intern frame by frame
        TraceNode node;
        for (int i = stack.depth - 1; i >= 0; --i) {
            TraceNode child = intern_in_trie_locked(node, stack.ip(i));
            if (!child.valid()) break;
            node = child;
        }
        return node;
    }
    ThreadCache& ts = *cache;
    if (ts.cached_epoch != g_trie.epoch()) {
        ts.cached_depth = 0;
        ts.cached_epoch = g_trie.epoch();
        for (auto& e : ts.edges) e = {};
    }
    const int n = stack.depth;
    uint32_t common = 0;
    const uint32_t limit = uint32_t(n) < ts.cached_depth ? uint32_t(n) : ts.cached_depth;
    while (common < limit && ts.cached_ips[common] == stack.ip(n - 1 - int(common))) ++common;
    TraceNode node = common ? ts.cached_nodes[common - 1] : TraceNode();
    uint32_t depth = common;
    for (int i = int(common); i < n; ++i) {
        uint64_t ip = stack.ip(n - 1 - i);
        TraceNode child = intern_edge_locked(ts, node, ip);
        if (!child.valid()) break;  // out of memory: keep the stack truncated at this depth
        node = child;
        ts.cached_ips[depth] = ip;
        ts.cached_nodes[depth] = node;
        ++depth;
    }
    ts.cached_depth = depth;
    return node;
}

// Interns the native part. A stack the fast walker found identical to one it kept is not
// interned again: the node interned for it then is kept next to the walk.
TraceNode intern_native_locked(const CapturedStack& stack) {
    ThreadCache* cache = t_state.cache;
    if (!cache || stack.walk_slot < 0) return intern_new_stack_locked(stack);
    WalkCache& walk = cache->walk;
    const auto slot = size_t(stack.walk_slot);
    if (stack.same_walk && walk.result_generation[slot] == g_trie.epoch() && walk.result[slot] != 0)
        return TraceNode(walk.result[slot]);
    TraceNode node = intern_new_stack_locked(stack);
    walk.result[slot] = node.value;
    walk.result_generation[slot] = g_trie.epoch();
    return node;
}

}  // namespace

void stack_interning_init() {
    g_cache_key_ready = pthread_key_create(&g_cache_key, release_thread_cache) == 0;
}

// A nested hook's stack: a signal handler's, so the walk crosses a signal frame, which
// only libunwind follows; and the fast walker's cache may be mid-update by the hook it
// interrupted. The interrupted hook's own frames (below the signal frame) are dropped.
static void capture_nested_stack(CapturedStack& stack) {
    uint64_t* raw = stack.raw;
    int n = unw_backtrace(reinterpret_cast<void**>(raw), kMaxFrames + 8);
    int first = 0;
    while (first < n && first < 12 && !g_own_code.contains(raw[first])) ++first;
    if (first == n || first == 12) first = 0;
    while (first < n && g_own_code.contains(raw[first])) ++first;
    int kept = first;
    for (int i = first; i < n; ++i)
        if (!g_own_code.contains(raw[i])) raw[kept++] = raw[i];
    stack.frames = raw + first;
    stack.depth = kept - first < kMaxFrames ? kept - first : kMaxFrames;
    stack.script_depth = 0;
    stack.walk_slot = -1;
}

void capture_stack(CapturedStack& stack) {
    if (t_state.nested) return capture_nested_stack(stack);
    uint64_t* raw = stack.raw;
    ThreadCache* cache = g_fast_unwinder ? thread_cache() : nullptr;
    int n = g_fast_unwinder ? fast_unwind(raw, kMaxFrames + 8, cache ? &cache->walk : nullptr,
                                          g_own_code.start, g_own_code.end, &stack.walk_slot,
                                          &stack.same_walk)
                            : -1;
    int first = 0;
    if (n < 0) {
        if (g_fast_unwinder) g_fallback_stacks.fetch_add(1, std::memory_order_relaxed);
        NestingWindow own_work(kNestingClosed);  // libunwind may map memory for its caches
        n = unw_backtrace(reinterpret_cast<void**>(raw), kMaxFrames + 8);
        // Skip libunwind's frames and then ours at the top. Frames of ours further down
        // stay: the target's code called from the library's interpreter hooks allocates too.
        while (first < n && first < 12 && !g_own_code.contains(raw[first])) ++first;
        if (first == n || first == 12) first = 0;  // none of ours near the top
        while (first < n && g_own_code.contains(raw[first])) ++first;
    }
    stack.frames = raw + first;
    stack.depth = n - first < kMaxFrames ? n - first : kMaxFrames;
    stack.script_depth = script::capture(stack.script, script::kMaxFrames);
}

TraceNode intern_stack_locked(const CapturedStack& stack) {
    TraceNode node = intern_native_locked(stack);
    if (stack.script_depth == 0 || !node.valid()) return node;
    // Script frames go on top of the native leaf: the native part keeps its cached node
    // however the script line changes (wire_format.h, script_frame_ip).
    script::announce_functions_locked(stack.script, stack.script_depth);
    ThreadCache* cache = thread_cache();
    for (int i = 0; i < stack.script_depth; ++i) {
        TraceNode child = intern_frame_locked(
            cache, node,
            wire::script_frame_ip(stack.script[i].function, stack.script[i].line));
        if (!child.valid()) break;
        node = child;
    }
    return node;
}

}  // namespace allocprof::interpose
