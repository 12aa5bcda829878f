// tracker.cpp — the life of tracking in one process (tracker_state.h draws the states):
// deciding at the first hook whether this is the process allocprof launched, opening the
// stream and saying hello, the fork handlers, the End record at exit, and HookScope, the
// guard every hook takes.
#include "interpose/tracker.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <atomic>

#include "interpose/fast_unwinder.h"
#include "interpose/interrupted_hooks.h"
#include "interpose/module_map.h"
#include "interpose/notes.h"
#include "interpose/real_functions.h"
#include "interpose/stack_interning.h"
#include "interpose/stream_writer.h"
#include "interpose/symbol_lookup.h"
#include "interpose/ticker.h"
#include "interpose/tracker_state.h"

extern char** environ;

namespace allocprof::interpose {

using namespace allocprof::wire;

std::atomic<int> g_state{kNotStarted};
__thread ThreadState t_state __attribute__((tls_model("initial-exec")));
TraceTrie g_trie;
CodeRange g_own_code;
bool g_fast_unwinder = false;
uint64_t g_start_monotonic_ns = 0;
uint64_t g_page_size = 4096;
std::atomic<uint64_t> g_fallback_stacks{0};

namespace {

std::atomic<uint32_t> g_next_thread{1};

uint64_t realtime_ns() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
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

// The stack depth the profiler asked for (wire::kEnvMaxFrames); the default for anything
// it would not have sent.
int max_frames_from_environment() {
    const char* text = getenv(kEnvMaxFrames);
    long n = 0;
    if (!text || strnlen(text, 6) > 5 || !parse_decimal(text, &n) || n < kMinMaxFrames ||
        n > kMaxMaxFrames)
        return kDefaultMaxFrames;
    return int(n);
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

// A process the writer did not start in (a raw clone() child, which ran no fork handler)
// forgets the stream as a forked child does. Only this thread exists in such a child, so
// a lock some other thread of the parent held is nobody's here.
void leave_foreign_process() {
    after_fork_in_child();
}

// The exit handler. exit() may be called by a signal handler that interrupted a hook of
// this very thread while it held the stream lock (or was about to take it): waiting for
// the lock then waits forever. So when this thread may hold it, the lock is only tried,
// for a bounded time; if it stays held, the run ends without its End record (the
// profiler marks it truncated) rather than never.
void finish_tracking() {
    if (g_state.load(std::memory_order_acquire) != kActive) return;
    if (!g_writer.in_own_process()) return leave_foreign_process();
    bool was_in_hook = t_state.in_hook;
    t_state.in_hook = true;
    const bool may_hold_lock = t_wants_stream_lock;
    if (may_hold_lock ? g_writer.lock().try_lock_for(20 * 1000 * 1000)
                      : (g_writer.lock().lock(), true)) {
        g_state.store(kFinished, std::memory_order_release);
        append_unwinder_note_locked();
        append_left_out_note_locked();
        append_interrupted_hooks_note_locked();
        int statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        const uint64_t now = elapsed_ns();
        TickRecord peak{RecordType::PeakRss, now, read_peak_rss_bytes()};
        TickRecord end{RecordType::End, now, read_rss_bytes(statm)};
        if (statm >= 0) close(statm);
        if (peak.rss_bytes > 0) g_writer.append(&peak, sizeof(peak));
        g_writer.append(&end, sizeof(end));
        g_writer.abandon();
        g_writer.lock().unlock();
    } else {
        // The interrupted append never completes (exit does not return to it): no record
        // may follow it. The profiler sees the stream end where the last one was published.
        g_state.store(kFinished, std::memory_order_release);
    }
    t_state.in_hook = was_in_hook;
}

// Which allocator a malloc of the program's own is, by the API it has beside malloc: in
// the global scope, or in the full symbol table of the file that provides malloc (a
// statically linked allocator exports only what shared libraries reference).
const char* allocator_family(const char* provider) {
    struct Known {
        const char* symbol;
        const char* name;
    };
    static const Known kKnown[] = {{"mallctl", "jemalloc"}, {"je_mallctl", "jemalloc"},
                                   {"mi_version", "mimalloc"}, {"tc_version", "tcmalloc"},
                                   {"MallocExtension_GetNumericProperty", "tcmalloc"}};
    for (const Known& k : kKnown)
        if (dlsym(RTLD_DEFAULT, k.symbol) || (provider && file_has_symbol(provider, k.symbol)))
            return k.name;
    return "an allocator of its own";
}

// Facts the user should know: who provides malloc and operator new in this process, and
// so what allocprof can and cannot see.
void send_allocator_notes() {
    BootstrapScope loader_state_stays_ours;
    Dl_info info;
    const char* missing = unresolved_required_functions();
    // The malloc the program's calls reach: ours, unless an object ahead of the preload
    // library in the search order (the executable itself, with a statically linked
    // allocator) defines one. Then none of its heap calls reach a hook.
    void* global_malloc = dlsym(RTLD_DEFAULT, "malloc");
    const bool own_malloc = global_malloc && !g_own_code.contains(reinterpret_cast<uintptr_t>(global_malloc));
    char exe[512];
    const char* provider = nullptr;
    if (own_malloc && dladdr(global_malloc, &info) && info.dli_fname) provider = info.dli_fname;
    if (own_malloc && (!provider || !*provider)) {  // the executable: the kernel knows its path
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[n > 0 ? n : 0] = '\0';
        provider = n > 0 ? exe : nullptr;
    }
    const char* family = own_malloc ? allocator_family(provider) : nullptr;
    StreamLock lock;
    if (missing && *missing) append_note_locked("functions not found in libc, not hooked: ", missing);
    if (own_malloc) {
        append_note_locked("allocator: malloc is the program's own (", family, ")");
        append_note_locked("malloc is provided by ", provider ? provider : "the executable",
                           " ahead of allocprof's hooks: its malloc/free/realloc calls are not "
                           "seen, only the memory it maps (mmap/munmap/mremap)");
    } else if (g_real.malloc && dladdr(reinterpret_cast<void*>(g_real.malloc), &info) && info.dli_fname &&
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
    g_max_frames = max_frames_from_environment();  // before the first thread cache is mapped
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
    stack_interning_init();
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
    // Registered before main() registers anything, so it runs after every other exit
    // handler and library destructor: allocations made by those are still recorded.
    atexit(finish_tracking);
    g_state.store(kActive, std::memory_order_release);
}

}  // namespace

uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

ThreadNumber thread_number() {
    if (t_state.thread_number == 0)
        t_state.thread_number = g_next_thread.fetch_add(1, std::memory_order_relaxed);
    return ThreadNumber(t_state.thread_number);
}

// ---- HookScope ----------------------------------------------------------------------------

HookScope::HookScope(NestedCalls nested) : owner_(!t_state.in_hook), nested_(false), recording_(false) {
    if (!owner_) {
        // A hook inside a hook on this thread: record it only where the outer hook says a
        // nested call can only be a signal handler's (tracker_state.h, Nesting).
        const uint8_t part = t_state.nesting;
        if (nested == NestedCalls::Skip || t_state.nested || part == kNestingClosed) return;
        if (g_state.load(std::memory_order_acquire) != kActive || !g_writer.active() ||
            !g_writer.in_own_process())
            return;
        nested_ = true;
        saved_nesting_ = part;
        t_state.nested = true;
        t_state.nesting = kNestingClosed;  // whatever the nested hook's own work calls
        recording_ = true;
        return;
    }
    // Open from the start (a signal handler's allocation here is the program's); only the
    // library's own work below is Closed.
    t_state.nesting = kNestingOpen;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    t_state.in_hook = true;
    int state = g_state.load(std::memory_order_acquire);
    if (__builtin_expect(state != kActive, 0)) {
        NestingWindow own_work(kNestingClosed);
        if (state == kNotStarted) start_tracking();
        state = g_state.load(std::memory_order_acquire);
    }
    if (state == kActive && !g_writer.in_own_process()) {
        leave_foreign_process();
        state = kPassive;
    }
    recording_ = state == kActive && g_writer.active();
    if (recording_ && t_state.thread_number == 0 && thread_number().value >= 2) {
        NestingWindow own_work(kNestingClosed);
        start_ticker();  // a second thread of the program's: the process is multi-threaded
    }
}

HookScope::~HookScope() {
    if (nested_) {
        t_state.nested = false;
        t_state.nesting = saved_nesting_;
        return;
    }
    if (!owner_) return;
    if (__builtin_expect(t_state.deferred != nullptr, 0)) {
        t_state.nesting = kNestingClosed;
        flush_deferred_events();
    }
    t_state.in_hook = false;
}

OwnWorkScope::OwnWorkScope() : previous_in_hook_(t_state.in_hook), previous_nesting_(t_state.nesting) {
    t_state.in_hook = true;
    t_state.nesting = kNestingClosed;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

OwnWorkScope::~OwnWorkScope() {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    t_state.nesting = previous_nesting_;
    t_state.in_hook = previous_in_hook_;
}

bool recording_now() {
    HookScope scope;
    return scope.recording();
}

void modules_changed(bool unloaded) {
    NestingWindow own_work(kNestingClosed);
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

// Runs when the dynamic loader initialises the library: start tracking if the first
// allocation has not done it yet, say who provides the allocator. The sampling thread is
// not started here (ticker.h says when).
__attribute__((constructor)) static void on_library_load() {
    if (!real_functions_ready()) return;
    HookScope scope;
    if (!scope.recording()) return;
    NestingWindow own_work(kNestingClosed);
    send_allocator_notes();
}

}  // namespace allocprof::interpose
