// ticker.cpp — see ticker.h.
#include "interpose/ticker.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

#include "interpose/stream_writer.h"
#include "interpose/tracker_state.h"
#include "wire/wire_format.h"

namespace allocprof::interpose {
namespace {

using namespace allocprof::wire;

constexpr uint64_t kTickInterval = 10 * 1000 * 1000;  // ns

std::atomic<bool> g_ticker_started{false};
std::atomic<uint64_t> g_last_rss{0};  // the last reading of the resident set
uint64_t g_last_tick_ns = 0;          // elapsed_ns() of the last Tick; under the stream lock
unsigned g_events_since_check = 0;    // under the stream lock

// /proc/self/statm is opened for each reading, not kept open: a descriptor kept would be
// one more the program can close and reuse.
uint64_t sample_rss() {
    int statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    uint64_t rss = read_rss_bytes(statm);
    if (statm >= 0) close(statm);
    g_last_rss.store(rss, std::memory_order_relaxed);
    return rss;
}

// Under the lock: a Tick now, unless the profiler is gone (then tracking stops).
void tick_locked(uint64_t now, uint64_t rss) {
    if (!g_writer.profiler_alive()) {
        g_writer.disable("the profiler is gone");
        return;
    }
    g_last_tick_ns = now;
    TickRecord tick{RecordType::Tick, now, rss};
    g_writer.append(&tick, sizeof(tick));
}

void* ticker_main(void*) {
    t_state.in_hook = true;  // permanently: nothing this thread does is the target's
    while (g_state.load(std::memory_order_acquire) == kActive) {
        timespec delay{0, long(kTickInterval)};
        while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
        }
        uint64_t rss = sample_rss();
        StreamLock lock;
        if (g_state.load(std::memory_order_acquire) != kActive || !g_writer.active()) break;
        const uint64_t now = elapsed_ns();
        if (now - g_last_tick_ns >= kTickInterval / 2) tick_locked(now, rss);
    }
    return nullptr;
}

}  // namespace

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

uint64_t read_peak_rss_bytes() {
    const int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[4096];  // the whole file is about 1.5 KB; VmHWM is in its first half
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char* p = strstr(buf, "\nVmHWM:");
    if (!p) return 0;
    p += 7;
    while (*p == ' ' || *p == '\t') ++p;
    uint64_t kb = 0;
    for (; *p >= '0' && *p <= '9'; ++p) kb = kb * 10 + uint64_t(*p - '0');
    return kb * 1024;
}

void maybe_tick_locked() {
    if ((++g_events_since_check & 63) != 0 || !g_writer.active()) return;
    const uint64_t now = elapsed_ns();
    if (now - g_last_tick_ns < kTickInterval) return;
    tick_locked(now, sample_rss());
}

void start_ticker() {
    if (g_state.load(std::memory_order_acquire) != kActive ||
        g_ticker_started.exchange(true, std::memory_order_acq_rel))
        return;
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

void append_boundary_tick_locked() {
    TickRecord tick{RecordType::Tick, elapsed_ns(), g_last_rss.load(std::memory_order_relaxed)};
    g_writer.append(&tick, sizeof(tick));
}

}  // namespace allocprof::interpose
