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
// small stacks. One mapping per thread: this header, then the arrays its pointers name,
// sized by g_max_frames (mostly untouched, so mostly never backed by memory).
struct ThreadCache {
    // The last interned stack, outermost frame first (the truncation frame included), and
    // its trie nodes: consecutive allocations on a thread share most of their stack, and
    // the shared part needs no hash lookups. g_max_frames + 1 entries each.
    uint32_t cached_depth;
    uint32_t cached_epoch;
    uint64_t* cached_ips;
    TraceNode* cached_nodes;
    // The frames of the capture in progress (g_max_frames + kFrameSlack each): the outer
    // hook's, and a signal handler's hook's, which may interrupt the outer hook's capture.
    uint64_t* frames;
    uint64_t* nested_frames;
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
    WalkCache walk;  // the fast unwinder's previous walks
};

int g_max_frames = wire::kDefaultMaxFrames;

namespace {

pthread_key_t g_cache_key;
bool g_cache_key_ready = false;

// Where each array of a thread's cache mapping starts, and the mapping's size.
struct CacheLayout {
    size_t cached_ips, cached_nodes, frames, nested_frames, walk, size;
};

constexpr size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

CacheLayout cache_layout() {
    const size_t depth = size_t(g_max_frames) + 1;
    const size_t capture = size_t(g_max_frames) + kFrameSlack;
    CacheLayout l{};
    size_t at = align_up(sizeof(ThreadCache), 64);
    l.cached_ips = at;
    at += depth * sizeof(uint64_t);
    l.cached_nodes = at;
    at = align_up(at + depth * sizeof(TraceNode), 64);
    l.frames = at;
    at += capture * sizeof(uint64_t);
    l.nested_frames = at;
    at = align_up(at + capture * sizeof(uint64_t), 64);
    l.walk = at;
    at += size_t(WalkCache::kWalks) * depth * sizeof(WalkFrame);
    l.size = at;
    return l;
}

void release_thread_cache(void* cache) {
    // Forgotten before it is unmapped: a signal handler's hook in between must not use it.
    t_state.cache = nullptr;
    t_state.exited = true;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    internal_unmap(cache, cache_layout().size);
}

// This thread's caches, or null (out of memory, or the thread is exiting). A nested hook
// (a signal handler's) never makes them: pthread_setspecific is not async-signal-safe.
ThreadCache* thread_cache() {
    if (t_state.cache || t_state.exited || !g_cache_key_ready || t_state.nested) return t_state.cache;
    NestingWindow own_work(kNestingClosed);  // pthread_setspecific may allocate
    const CacheLayout l = cache_layout();
    auto* base = static_cast<char*>(internal_map(l.size));
    if (!base) {
        t_state.exited = true;  // do not retry on every event
        return nullptr;
    }
    auto* cache = reinterpret_cast<ThreadCache*>(base);
    cache->cached_ips = reinterpret_cast<uint64_t*>(base + l.cached_ips);
    cache->cached_nodes = reinterpret_cast<TraceNode*>(base + l.cached_nodes);
    cache->frames = reinterpret_cast<uint64_t*>(base + l.frames);
    cache->nested_frames = reinterpret_cast<uint64_t*>(base + l.nested_frames);
    cache->walk.walk_frames = uint32_t(g_max_frames) + 1;
    cache->walk.frames = reinterpret_cast<WalkFrame*>(base + l.walk);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);  // complete before a signal handler's hook sees it
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

// The native frame `k` of a stack counted from the outermost: the truncation frame first
// when the stack was cut.
struct OutermostFirst {
    const CapturedStack& stack;
    int count() const { return stack.depth + (stack.truncated_beyond ? 1 : 0); }
    uint64_t ip(int k) const {
        if (!stack.truncated_beyond) return stack.ip(stack.depth - 1 - k);
        if (k == 0) return wire::truncated_frame_ip(uint32_t(stack.truncated_beyond));
        return stack.ip(stack.depth - k);
    }
};

TraceNode intern_new_stack_locked(const CapturedStack& stack) {
    const OutermostFirst frames{stack};
    const int n = frames.count();
    ThreadCache* cache = thread_cache();
    if (!cache) {  // no cache: intern frame by frame
        TraceNode node;
        for (int k = 0; k < n; ++k) {
            TraceNode child = intern_in_trie_locked(node, frames.ip(k));
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
    uint32_t common = 0;
    const uint32_t limit = uint32_t(n) < ts.cached_depth ? uint32_t(n) : ts.cached_depth;
    while (common < limit && ts.cached_ips[common] == frames.ip(int(common))) ++common;
    TraceNode node = common ? ts.cached_nodes[common - 1] : TraceNode();
    uint32_t depth = common;
    for (int k = int(common); k < n; ++k) {
        uint64_t ip = frames.ip(k);
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

// The buffer a capture writes its frames to, and the stack limit that goes with it: the
// thread's own (g_max_frames deep), else the stack's fallback (kFallbackFrames).
static uint64_t* capture_buffer(CapturedStack& stack, ThreadCache* cache, bool nested, int* limit) {
    if (cache) {
        *limit = g_max_frames;
        return nested ? cache->nested_frames : cache->frames;
    }
    *limit = g_max_frames < kFallbackFrames ? g_max_frames : kFallbackFrames;
    return stack.fallback;
}

// Keeps the innermost `limit` of the `n` frames from `first` on, and says whether any
// were left out. `full`: the walk filled its buffer, so there may be more than it saw.
static void keep_frames(CapturedStack& stack, const uint64_t* raw, int first, int n, int limit,
                        bool full) {
    stack.frames = raw + first;
    const int found = n - first;
    const bool cut = found > limit || full;
    stack.depth = found < limit ? found : limit;
    stack.truncated_beyond = cut ? limit : 0;
}

// A nested hook's stack: a signal handler's, so the walk crosses a signal frame, which
// only libunwind follows; and the fast walker's cache may be mid-update by the hook it
// interrupted. The interrupted hook's own frames (below the signal frame) are dropped.
static void capture_nested_stack(CapturedStack& stack) {
    int limit = 0;
    uint64_t* raw = capture_buffer(stack, t_state.cache, true, &limit);
    const int room = limit + kFrameSlack;
    int n = unw_backtrace(reinterpret_cast<void**>(raw), room);
    int first = 0;
    while (first < n && first < 12 && !g_own_code.contains(raw[first])) ++first;
    if (first == n || first == 12) first = 0;
    while (first < n && g_own_code.contains(raw[first])) ++first;
    int kept = first;
    for (int i = first; i < n; ++i)
        if (!g_own_code.contains(raw[i])) raw[kept++] = raw[i];
    keep_frames(stack, raw, first, kept, limit, n == room);
    stack.script_depth = 0;
    stack.walk_slot = -1;
}

void capture_stack(CapturedStack& stack) {
    if (t_state.nested) return capture_nested_stack(stack);
    ThreadCache* cache = thread_cache();
    int limit = 0;
    uint64_t* raw = capture_buffer(stack, cache, false, &limit);
    // One frame more than the limit: a walk that finds it knows the stack is deeper.
    int n = g_fast_unwinder ? fast_unwind(raw, limit + 1, cache ? &cache->walk : nullptr,
                                          g_own_code.start, g_own_code.end, &stack.walk_slot,
                                          &stack.same_walk)
                            : -1;
    int first = 0;
    bool full = false;
    if (n < 0) {
        if (g_fast_unwinder) g_fallback_stacks.fetch_add(1, std::memory_order_relaxed);
        NestingWindow own_work(kNestingClosed);  // libunwind may map memory for its caches
        const int room = limit + kFrameSlack;
        n = unw_backtrace(reinterpret_cast<void**>(raw), room);
        full = n == room;
        // Skip libunwind's frames and then ours at the top. Frames of ours further down
        // stay: the target's code called from the library's interpreter hooks allocates too.
        while (first < n && first < 12 && !g_own_code.contains(raw[first])) ++first;
        if (first == n || first == 12) first = 0;  // none of ours near the top
        while (first < n && g_own_code.contains(raw[first])) ++first;
    }
    keep_frames(stack, raw, first, n, limit, full);
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
