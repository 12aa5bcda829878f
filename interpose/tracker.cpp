// tracker.cpp — see tracker.h. Lifecycle of tracking in one process:
//
//   NotStarted --first hook / constructor--> Active   (this is the pid allocprof launched)
//                                        \-> Passive  (any other process: forward only)
//   Active --exit()--> Finished (End record sent)   Active --fork (child)--> Passive
//   Active --profiler gone--> the writer switches itself off; hooks keep forwarding.
#include "interpose/tracker.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <atomic>
#include <initializer_list>

#include "interpose/fast_unwinder.h"
#include "interpose/internal_memory.h"
#include "interpose/module_map.h"
#include "interpose/real_functions.h"
#include "interpose/stream_writer.h"
#include "interpose/trace_trie.h"

extern char** environ;

namespace allocprof::interpose {
namespace {

using namespace allocprof::wire;

enum : int { kNotStarted = 0, kStarting = 1, kActive = 2, kPassive = 3, kFinished = 4 };
std::atomic<int> g_state{kNotStarted};
std::atomic<uint32_t> g_next_thread{1};
TraceTrie g_trie;
CodeRange g_own_code;
uint64_t g_start_monotonic_ns = 0;
uint64_t g_page_size = 4096;
bool g_timer_started = false;
bool g_fast_unwinder = false;
std::atomic<uint64_t> g_fallback_stacks{0};  // stacks the fast walker left to libunwind
std::atomic<uint64_t> g_last_rss{0};         // the ticker's last reading of the resident set

// The larger per-thread caches, in memory mapped on a thread's first recorded event and
// unmapped when it exits. Not in TLS: static TLS is carved out of every thread's stack,
// and 20 KB more of it would make pthread_create fail for programs that ask for small
// stacks.
struct ThreadCache {
    // The last interned stack, outermost frame first, and its trie nodes: consecutive
    // allocations on a thread share most of their stack, and the shared part needs no
    // hash lookups.
    uint32_t cached_depth;
    uint32_t cached_epoch;
    uint64_t cached_ips[kMaxFrames];
    uint32_t cached_nodes[kMaxFrames];
    // Recently interned edges of this thread, direct-mapped: the leaf frames that differ
    // between consecutive stacks come from a handful of call sites, and the shared trie is
    // too large to stay in cache.
    struct Edge {
        uint64_t ip;
        uint32_t parent;
        uint32_t node;
    };
    static constexpr int kEdges = 512;
    Edge edges[kEdges];
    WalkCache walk;  // the fast unwinder's previous walk
};

// Interns (parent, ip) through the thread's edge cache; sends the edge if it is new.
uint32_t intern_edge_locked(ThreadCache& cache, uint32_t parent, uint64_t ip) {
    auto& e = cache.edges[((ip ^ (uint64_t(parent) << 20)) * 0x9E3779B97F4A7C15ull) >> 55];
    if (e.node != 0 && e.ip == ip && e.parent == parent) return e.node;
    bool created = false;
    uint32_t child = g_trie.intern(parent, ip, &created);
    if (child == 0) return 0;
    if (created) {
        TraceEdgeRecord edge{RecordType::TraceEdge, child, parent, ip};
        g_writer.append(&edge, sizeof(edge));
    }
    e = {ip, parent, child};
    return child;
}

// ---- blocks left out (set_alloc_filter) ----------------------------------------------------
// Their addresses, so that their frees are not reported: an open-addressing set (linear
// probing, deletion by backward shift) in internal_map memory, under the stream lock, which
// every free takes anyway. It grows by doubling at half load; when it cannot, the block is
// recorded after all.
std::atomic<AllocFilter> g_alloc_filter{nullptr};
struct LeftOutSet {
    uint64_t* slots = nullptr;
    size_t capacity = 0;  // a power of two
    size_t size = 0;
    uint64_t total = 0;   // allocations left out in the run

    size_t home(uint64_t p) const { return size_t((p * 0x9E3779B97F4A7C15ull) >> 20) & (capacity - 1); }
    bool grow() {
        const size_t new_capacity = capacity ? capacity * 2 : 4096;
        auto* fresh = static_cast<uint64_t*>(internal_map(new_capacity * sizeof(uint64_t)));
        if (!fresh) return false;
        uint64_t* old = slots;
        const size_t old_capacity = capacity;
        slots = fresh;
        capacity = new_capacity;
        for (size_t i = 0; i < old_capacity; ++i)
            if (old[i]) {
                size_t j = home(old[i]);
                while (slots[j]) j = (j + 1) & (capacity - 1);
                slots[j] = old[i];
            }
        if (old) internal_unmap(old, old_capacity * sizeof(uint64_t));
        return true;
    }
    bool insert(uint64_t p) {
        if ((size + 1) * 2 > capacity && !grow()) return false;
        size_t j = home(p);
        while (slots[j] && slots[j] != p) j = (j + 1) & (capacity - 1);
        if (!slots[j]) ++size;
        slots[j] = p;
        return true;
    }
    bool erase(uint64_t p) {
        if (size == 0 || p == 0) return false;
        size_t j = home(p);
        while (slots[j] != p) {
            if (!slots[j]) return false;
            j = (j + 1) & (capacity - 1);
        }
        // Backward shift: move up every later entry of the run that may live at j.
        for (size_t k = (j + 1) & (capacity - 1); slots[k]; k = (k + 1) & (capacity - 1)) {
            const size_t h = home(slots[k]);
            if (((k - h) & (capacity - 1)) >= ((k - j) & (capacity - 1))) {
                slots[j] = slots[k];
                j = k;
            }
        }
        slots[j] = 0;
        --size;
        return true;
    }
};
LeftOutSet g_left_out;

// How deep this thread is in a binding's own calls into the target (LeaveOutScope).
__attribute__((tls_model("initial-exec"))) thread_local int t_binding_work;

// Whether the allocation with this stack is left out: made in a LeaveOutScope, or one the
// filter recognizes.
inline bool left_out(const CapturedStack& stack) {
    if (__builtin_expect(t_binding_work != 0, 0)) return true;
    AllocFilter filter = g_alloc_filter.load(std::memory_order_acquire);
    return __builtin_expect(filter != nullptr, 0) && filter(stack.frames, stack.depth);
}

// Per-thread state. initial-exec: the dynamic TLS path (__tls_get_addr) may allocate.
struct ThreadState {
    bool in_hook;
    bool exited;  // the thread's cache is gone (its TLS destructors ran); do not map another
    uint32_t thread_number;
    ThreadCache* cache;
};
__attribute__((tls_model("initial-exec"))) thread_local ThreadState t_state;
pthread_key_t g_cache_key;
bool g_cache_key_ready = false;

void release_thread_cache(void* cache) {
    internal_unmap(cache, sizeof(ThreadCache));
    t_state.cache = nullptr;
    t_state.exited = true;
}

// This thread's caches, or null (out of memory, or the thread is exiting).
ThreadCache* thread_cache() {
    if (t_state.cache || t_state.exited || !g_cache_key_ready) return t_state.cache;
    auto* cache = static_cast<ThreadCache*>(internal_map(sizeof(ThreadCache)));
    if (!cache) {
        t_state.exited = true;  // do not retry on every event
        return nullptr;
    }
    t_state.cache = cache;
    pthread_setspecific(g_cache_key, cache);  // runs release_thread_cache at thread exit
    return cache;
}

uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

uint64_t realtime_ns() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

uint32_t thread_number() {
    if (t_state.thread_number == 0)
        t_state.thread_number = g_next_thread.fetch_add(1, std::memory_order_relaxed);
    return t_state.thread_number;
}

// Parses a decimal number without strtol (locale-free, allocation-free).
bool parse_decimal(const char* s, long* out) {
    if (!s || !*s) return false;
    long v = 0;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9') return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

uint64_t read_rss_bytes(int statm_fd) {
    if (statm_fd < 0) return 0;
    char buf[128];
    ssize_t n = pread(statm_fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    // "size resident shared ...", in pages
    const char* p = buf;
    while (*p && *p != ' ') ++p;
    while (*p == ' ') ++p;
    uint64_t pages = 0;
    for (; *p >= '0' && *p <= '9'; ++p) pages = pages * 10 + uint64_t(*p - '0');
    return pages * g_page_size;
}

void append_note_locked(const char* a, const char* b = nullptr, const char* c = nullptr) {
    char text[kMaxNameLength + 1];
    size_t n = 0;
    for (const char* part : {a, b, c}) {
        if (!part) continue;
        size_t len = strnlen(part, kMaxNameLength - n);
        memcpy(text + n, part, len);
        n += len;
    }
    NameRecord header{RecordType::Note, static_cast<uint16_t>(n)};
    g_writer.append2(&header, sizeof(header), text, n);
}

// "N<text>" as a note, when N is not 0 (decimal digits without printf: no allocation).
void append_count_note_locked(uint64_t n, const char* text) {
    if (n == 0) return;
    char digits[24];
    int i = sizeof(digits) - 1;
    digits[i] = '\0';
    do {
        digits[--i] = char('0' + n % 10);
        n /= 10;
    } while (n && i > 0);
    append_note_locked(digits + i, text);
}

// Says which unwinder took the stacks: users comparing runs should know.
void append_unwinder_note_locked() {
    if (!g_fast_unwinder) {
        append_note_locked("stacks unwound with libunwind only");
        return;
    }
    append_count_note_locked(g_fallback_stacks.load(std::memory_order_relaxed),
                             " stacks needed libunwind (frames the fast unwinder does not model)");
}

// How many allocations the filter left out (set_alloc_filter), if any.
void append_left_out_note_locked() {
    append_count_note_locked(g_left_out.total, " allocations made only for allocprof's interpreter hooks "
                                   "(CPython's frame objects and bound methods for the profiling "
                                   "hook, Lua's GC sentinel) were not recorded");
}

void append_module_map_locked(const ModuleMapSnapshot& snapshot) {
    g_writer.append(snapshot.data(), snapshot.size());
}

// ---- fork and exit ---------------------------------------------------------------------

void before_fork() { g_writer.lock().lock(); }
void after_fork_in_parent() { g_writer.lock().unlock(); }
void after_fork_in_child() {
    // The child inherited the held lock and the shared ring: it may use neither.
    g_writer.lock().reset();
    g_writer.abandon();
    g_state.store(kPassive, std::memory_order_release);
}

void finish_tracking() {
    if (g_state.load(std::memory_order_acquire) != kActive) return;
    bool was_in_hook = t_state.in_hook;
    t_state.in_hook = true;
    {
        StreamLock lock;
        g_state.store(kFinished, std::memory_order_release);
        append_unwinder_note_locked();
        append_left_out_note_locked();
        int statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        TickRecord end{RecordType::End, monotonic_ns() - g_start_monotonic_ns, read_rss_bytes(statm)};
        if (statm >= 0) close(statm);
        g_writer.append(&end, sizeof(end));
        g_writer.abandon();
    }
    t_state.in_hook = was_in_hook;
}

// ---- the ticker thread -------------------------------------------------------------------

void* ticker_main(void*) {
    t_state.in_hook = true;  // permanently: nothing this thread does is the target's
    int statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    while (g_state.load(std::memory_order_acquire) == kActive) {
        timespec delay{0, 10 * 1000 * 1000};
        while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
        }
        uint64_t rss = read_rss_bytes(statm);
        g_last_rss.store(rss, std::memory_order_relaxed);
        bool alive = g_writer.profiler_alive();  // a system call: not under the lock
        StreamLock lock;
        if (g_state.load(std::memory_order_acquire) != kActive || !g_writer.active()) break;
        if (!alive) {
            g_writer.disable("the profiler is gone");
            break;
        }
        TickRecord tick{RecordType::Tick, monotonic_ns() - g_start_monotonic_ns, rss};
        g_writer.append(&tick, sizeof(tick));
    }
    if (statm >= 0) close(statm);
    return nullptr;
}

void start_ticker() {
    if (g_timer_started || g_state.load(std::memory_order_acquire) != kActive) return;
    g_timer_started = true;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_t thread;
    // Signals stay with the target's threads.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_create(&thread, &attr, ticker_main, nullptr) != 0) {
        write_stderr_line("allocprof: cannot start the sampling thread; memory-over-time "
                          "samples will be missing");
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    pthread_attr_destroy(&attr);
}

// Facts the user should know: who provides malloc and operator new in this process.
void send_allocator_notes() {
    BootstrapScope loader_state_stays_ours;
    Dl_info info;
    const char* missing = unresolved_required_functions();
    StreamLock lock;
    if (missing && *missing) append_note_locked("functions not found in libc, not hooked: ", missing);
    if (g_real.malloc && dladdr(reinterpret_cast<void*>(g_real.malloc), &info) && info.dli_fname &&
        !strstr(info.dli_fname, "libc.so")) {
        append_note_locked("malloc is provided by ", info.dli_fname,
                           " (a replacement allocator), not libc");
    }
    void* new_fn = dlsym(RTLD_DEFAULT, "_Znwm");
    if (new_fn && dladdr(new_fn, &info) && info.dli_fname && !strstr(info.dli_fname, "libstdc++")) {
        append_note_locked("operator new is replaced by ", info.dli_fname,
                           "; its allocations are seen only where it calls malloc");
    }
}

// Decides whether this process is the one allocprof launched, and if so opens the stream.
void start_tracking() {
    int expected = kNotStarted;
    if (!g_state.compare_exchange_strong(expected, kStarting, std::memory_order_acq_rel)) return;
    if (!environ) {  // too early in process start-up to read the environment: try later
        g_state.store(kNotStarted, std::memory_order_release);
        return;
    }
    long fd = -1, ring_fd = -1, pid = -1;
    if (!parse_decimal(getenv(kEnvFd), &fd) || !parse_decimal(getenv(kEnvRingFd), &ring_fd) ||
        !parse_decimal(getenv(kEnvPid), &pid) || pid != getpid() ||
        fcntl(int(fd), F_GETFD) < 0 || fcntl(int(ring_fd), F_GETFD) < 0) {
        g_state.store(kPassive, std::memory_order_release);
        return;
    }
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0) g_page_size = uint64_t(page);
    ModuleMapSnapshot snapshot;
    if (!g_trie.init() || !g_writer.open(int(ring_fd), int(fd)) || !snapshot.collect()) {
        write_stderr_line("allocprof: cannot set up recording (out of memory, or the ring from "
                          "the profiler is not valid); the program runs untraced");
        g_writer.abandon();
        g_state.store(kPassive, std::memory_order_release);
        return;
    }
    g_own_code = find_own_code_range();
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
    g_fast_unwinder = fast_unwinder_init();

    g_start_monotonic_ns = monotonic_ns();
    HelloRecord hello{};
    hello.type = RecordType::Hello;
    hello.magic = kMagic;
    hello.version = kWireVersion;
    hello.pid = uint32_t(getpid());
    hello.pointer_size = sizeof(void*);
    hello.start_unix_ns = realtime_ns();
    hello.start_monotonic_ns = g_start_monotonic_ns;
    hello.page_size = g_page_size;
    {
        StreamLock lock;
        g_writer.append(&hello, sizeof(hello));
        append_module_map_locked(snapshot);
    }
    g_cache_key_ready = pthread_key_create(&g_cache_key, release_thread_cache) == 0;
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
    // Registered before main() registers anything, so it runs after every other exit
    // handler and library destructor: allocations made by those are still recorded.
    atexit(finish_tracking);
    g_state.store(kActive, std::memory_order_release);
}

uint32_t intern_new_stack_locked(const CapturedStack& stack);

// Interns the stack under the stream lock; sends the new edges. Returns the leaf node.
// A stack the fast walker found identical to one it kept is not interned again: the node
// interned for it then is kept next to the walk.
uint32_t intern_native_locked(const CapturedStack& stack) {
    ThreadCache* cache = t_state.cache;
    if (!cache || stack.walk_slot < 0) return intern_new_stack_locked(stack);
    WalkCache& walk = cache->walk;
    const auto slot = size_t(stack.walk_slot);
    if (stack.same_walk && walk.result_generation[slot] == g_trie.epoch() && walk.result[slot] != 0)
        return walk.result[slot];
    uint32_t node = intern_new_stack_locked(stack);
    walk.result[slot] = node;
    walk.result_generation[slot] = g_trie.epoch();
    return node;
}

// Interns (parent, ip), through the thread's edge cache when it has one; sends the edge if
// it is new. 0 when the trie cannot grow.
uint32_t intern_frame_locked(ThreadCache* cache, uint32_t parent, uint64_t ip) {
    if (cache) return intern_edge_locked(*cache, parent, ip);
    bool created = false;
    uint32_t child = g_trie.intern(parent, ip, &created);
    if (child != 0 && created) {
        TraceEdgeRecord edge{RecordType::TraceEdge, child, parent, ip};
        g_writer.append(&edge, sizeof(edge));
    }
    return child;
}

uint32_t intern_stack_locked(const CapturedStack& stack) {
    uint32_t node = intern_native_locked(stack);
    if (stack.script_depth == 0 || node == 0) return node;
    // Script frames go on top of the native leaf: the native part keeps its cached node
    // however the script line changes (wire_format.h, script_frame_ip).
    script::announce_functions_locked(stack.script, stack.script_depth);
    ThreadCache* cache = thread_cache();
    for (int i = 0; i < stack.script_depth; ++i) {
        uint32_t child = intern_frame_locked(
            cache, node, script_frame_ip(stack.script[i].function, stack.script[i].line));
        if (child == 0) break;
        node = child;
    }
    return node;
}

uint32_t intern_new_stack_locked(const CapturedStack& stack) {
    ThreadCache* cache = thread_cache();
    if (!cache) {  // no cache: intern frame by frame
        uint32_t node = 0;
        for (int i = stack.depth - 1; i >= 0; --i) {
            uint32_t child = intern_frame_locked(nullptr, node, stack.ip(i));
            if (child == 0) break;
            node = child;
        }
        return node;
    }
    ThreadCache& ts = *cache;
    if (ts.cached_epoch != g_trie.epoch()) {
        ts.cached_depth = 0;
        ts.cached_epoch = g_trie.epoch();
        memset(ts.edges, 0, sizeof(ts.edges));
    }
    const int n = stack.depth;
    uint32_t common = 0;
    const uint32_t limit = uint32_t(n) < ts.cached_depth ? uint32_t(n) : ts.cached_depth;
    while (common < limit && ts.cached_ips[common] == stack.ip(n - 1 - int(common))) ++common;
    uint32_t node = common ? ts.cached_nodes[common - 1] : 0;
    uint32_t depth = common;
    for (int i = int(common); i < n; ++i) {
        uint64_t ip = stack.ip(n - 1 - i);
        uint32_t child = intern_edge_locked(ts, node, ip);
        if (child == 0) break;  // out of memory: keep the stack truncated at this depth
        node = child;
        ts.cached_ips[depth] = ip;
        ts.cached_nodes[depth] = node;
        ++depth;
    }
    ts.cached_depth = depth;
    return node;
}

}  // namespace

// ---- HookScope ----------------------------------------------------------------------------

HookScope::HookScope() : owner_(!t_state.in_hook), recording_(false) {
    if (!owner_) return;
    t_state.in_hook = true;
    int state = g_state.load(std::memory_order_acquire);
    if (state == kNotStarted) {
        start_tracking();
        state = g_state.load(std::memory_order_acquire);
    }
    recording_ = state == kActive && g_writer.active();
}

HookScope::~HookScope() {
    if (owner_) t_state.in_hook = false;
}

bool recording_now() {
    HookScope scope;
    return scope.recording();
}

void capture_stack(CapturedStack& stack) {
    uint64_t* raw = stack.raw;
    ThreadCache* cache = g_fast_unwinder ? thread_cache() : nullptr;
    int n = g_fast_unwinder ? fast_unwind(raw, kMaxFrames + 8, cache ? &cache->walk : nullptr,
                                          g_own_code.start, g_own_code.end, &stack.walk_slot,
                                          &stack.same_walk)
                            : -1;
    int first = 0;
    if (n < 0) {
        if (g_fast_unwinder) g_fallback_stacks.fetch_add(1, std::memory_order_relaxed);
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

void set_alloc_filter(AllocFilter filter) { g_alloc_filter.store(filter, std::memory_order_release); }

LeaveOutScope::LeaveOutScope() { ++t_binding_work; }
LeaveOutScope::~LeaveOutScope() { --t_binding_work; }

void record_alloc(HookFn fn, void* ptr, size_t size) {
    CapturedStack stack;
    capture_stack(stack);
    const bool leave_out = left_out(stack);
    StreamLock lock;
    const auto address = reinterpret_cast<uint64_t>(ptr);
    if (leave_out && g_left_out.insert(address)) {
        ++g_left_out.total;
        return;
    }
    g_left_out.erase(address);  // a left-out block whose free we did not see: its address is reused
    AllocRecord r{RecordType::Alloc, fn, thread_number(), intern_stack_locked(stack),
                  reinterpret_cast<uint64_t>(ptr), size};
    g_writer.append(&r, sizeof(r));
}

void record_free(HookFn fn, void* ptr) {
    uint32_t thread = thread_number();
    StreamLock lock;
    if (g_left_out.erase(reinterpret_cast<uint64_t>(ptr))) return;
    FreeRecord r{RecordType::Free, fn, thread, reinterpret_cast<uint64_t>(ptr)};
    g_writer.append(&r, sizeof(r));
}

void* tracked_realloc(HookFn fn, ReallocCall call, void* ptr, size_t a, size_t b,
                      size_t requested) {
    CapturedStack stack;
    capture_stack(stack);
    uint32_t thread = thread_number();
    const bool leave_out = left_out(stack);
    StreamLock lock;
    void* result = call(ptr, a, b);
    const auto old_address = reinterpret_cast<uint64_t>(ptr);
    const auto new_address = reinterpret_cast<uint64_t>(result);
    if (result) {
        // A new block (realloc(NULL, n)) is left out like a malloc; a left-out block stays
        // left out when the filter's work resizes it; resized by anyone else, it becomes a
        // plain allocation from here on.
        const bool was_left_out = g_left_out.erase(old_address);
        g_left_out.erase(new_address);
        if (leave_out && (was_left_out || old_address == 0) && g_left_out.insert(new_address)) {
            ++g_left_out.total;
            return result;
        }
        if (was_left_out) {
            AllocRecord r{RecordType::Alloc, fn, thread, intern_stack_locked(stack), new_address,
                          requested};
            g_writer.append(&r, sizeof(r));
            return result;
        }
        ReallocRecord r{RecordType::Realloc, fn, thread, intern_stack_locked(stack),
                        old_address, new_address, requested};
        g_writer.append(&r, sizeof(r));
    } else if (requested == 0) {
        // glibc's realloc(p, 0) frees p and returns NULL.
        if (g_left_out.erase(old_address)) return result;
        FreeRecord r{RecordType::Free, fn, thread, old_address};
        g_writer.append(&r, sizeof(r));
    }
    return result;
}

void record_mmap(void* addr, size_t length) {
    CapturedStack stack;
    capture_stack(stack);
    StreamLock lock;
    MmapRecord r{RecordType::Mmap, thread_number(), intern_stack_locked(stack),
                 reinterpret_cast<uint64_t>(addr), length};
    g_writer.append(&r, sizeof(r));
}

void record_munmap(void* addr, size_t length) {
    uint32_t thread = thread_number();
    StreamLock lock;
    MunmapRecord r{RecordType::Munmap, thread, reinterpret_cast<uint64_t>(addr), length};
    g_writer.append(&r, sizeof(r));
}

void record_mremap(void* old_addr, size_t old_length, void* new_addr, size_t new_length) {
    uint32_t thread = thread_number();
    StreamLock lock;
    MremapRecord r{RecordType::Mremap, thread, reinterpret_cast<uint64_t>(old_addr), old_length,
                   reinterpret_cast<uint64_t>(new_addr), new_length};
    g_writer.append(&r, sizeof(r));
}

void modules_changed(bool unloaded) {
    ModuleMapSnapshot snapshot;
    bool collected = snapshot.collect();  // outside the stream lock: it takes the loader's
    StreamLock lock;
    if (unloaded) {
        fast_unwinder_forget();
        g_trie.reset();
        RecordHeader reset{RecordType::TrieReset};
        g_writer.append(&reset, sizeof(reset));
    }
    if (collected) append_module_map_locked(snapshot);
}

// A phase boundary gets a tick of its own: the ticker's 10 ms resolution would put every
// boundary of a short phase at the same time. RSS is the ticker's last reading.
static void append_boundary_tick_locked() {
    TickRecord tick{RecordType::Tick, monotonic_ns() - g_start_monotonic_ns,
                    g_last_rss.load(std::memory_order_relaxed)};
    g_writer.append(&tick, sizeof(tick));
}

void record_phase_begin(const char* name) {
    size_t n = name ? strnlen(name, kMaxNameLength) : 0;
    StreamLock lock;
    append_boundary_tick_locked();
    NameRecord r{RecordType::PhaseBegin, static_cast<uint16_t>(n)};
    g_writer.append2(&r, sizeof(r), name, n);
}

void record_phase_end() {
    StreamLock lock;
    append_boundary_tick_locked();
    RecordHeader r{RecordType::PhaseEnd};
    g_writer.append(&r, sizeof(r));
}

void record_gc_cycle(ScriptLanguage language, uint8_t generation) {
    uint32_t thread = thread_number();
    StreamLock lock;
    GcCycleRecord r{RecordType::GcCycle, language, generation, thread,
                    monotonic_ns() - g_start_monotonic_ns};
    g_writer.append(&r, sizeof(r));
}

void record_ops(uint64_t n) {
    StreamLock lock;
    OpsRecord r{RecordType::Ops, n};
    g_writer.append(&r, sizeof(r));
}

// Runs when the dynamic loader initialises the library: start tracking if the first
// allocation has not done it yet, start the ticker, say who provides the allocator.
__attribute__((constructor)) static void on_library_load() {
    if (!real_functions_ready()) return;
    HookScope scope;
    if (!scope.recording()) return;
    send_allocator_notes();
    start_ticker();
}

}  // namespace allocprof::interpose
