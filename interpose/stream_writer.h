// stream_writer.h — the one stream every thread appends records to: a ring buffer in
// memory shared with the profiler (see RingHeader in wire_format.h).
//
// Ordering invariant (docs/definitions.md, "Recording"): records are appended under one lock in the
// order the events happened, so the profiler sees a free before any later allocation that
// reuses the address. Callers hold the lock (StreamLock) for the whole append.
//
// A record is published (made visible to the profiler) as soon as it is appended, so no
// exit path, not even SIGKILL, loses what was recorded. When the ring is full the writer
// waits for the profiler to drain it.
//
// Fail soft: if the profiler is gone, the writer prints one line on stderr, switches
// itself off, and every later append is dropped; the target carries on.
//
// The two descriptors the profiler hands down (the ring's memfd, the liveness socket) are
// the program's descriptors too: it may close them and get the numbers back for files of
// its own, before or after an exec. So they are checked by identity before use (a memfd of
// the right size with allocprof's header; a socket), the socket's device and inode are
// remembered and compared before each use, and it is never read from: a changed
// descriptor is forgotten, never touched again (README.md, "Descriptors").
#pragma once

#include <initializer_list>

#include <sched.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wire/wire_format.h"

namespace allocprof::interpose {

// The stream lock. Held for the few instructions of an append, and across libc's realloc
// (tracker.h says why), never across the target's own code; so a test-and-set lock with
// a yield under contention beats a mutex: one atomic exchange to take it, one plain
// store to release it.
class SpinLock {
public:
    void lock() {
        unsigned waits = 0;
        while (__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE)) {
            // Spin briefly (appends take nanoseconds), then yield, then sleep: a holder
            // waiting for ring space can keep the lock for milliseconds.
            while (__atomic_load_n(&locked_, __ATOMIC_RELAXED)) {
                ++waits;
                if (waits < 64) {
                    __builtin_ia32_pause();
                } else if (waits < 128) {
                    sched_yield();
                } else {
                    timespec pause{0, 50 * 1000};
                    nanosleep(&pause, nullptr);
                }
            }
        }
    }
    // Tries for about `budget_ns` (spinning, then sleeping); false if the lock stayed held.
    // For the paths that may run on a thread that holds it already (exit(), a signal
    // handler): they must never wait for it without bound.
    bool try_lock_for(uint64_t budget_ns) {
        for (uint64_t waited = 0;; waited += 50 * 1000) {
            if (!__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE)) return true;
            if (waited >= budget_ns) return false;
            timespec pause{0, 50 * 1000};
            nanosleep(&pause, nullptr);
        }
    }
    void unlock() { __atomic_store_n(&locked_, 0, __ATOMIC_RELEASE); }
    // For a forked child: whoever held the lock in the parent does not exist here.
    void reset() { __atomic_store_n(&locked_, 0, __ATOMIC_RELAXED); }

private:
    int locked_ = 0;
};

class StreamWriter {
public:
    // Maps the ring (memfd `ring_fd`) and remembers the liveness socket and the profiler's
    // pid. Returns false if the ring cannot be mapped or is not allocprof's.
    bool open(int ring_fd, int socket_fd);

    // Appends one whole record (or several). Caller holds the lock.
    void append(const void* data, size_t size);
    // Appends a header struct followed by its payloads, as one record. Caller holds the lock.
    struct Bytes {
        const void* data;
        size_t size;
    };
    void append_parts(std::initializer_list<Bytes> parts);
    void append2(const void* head, size_t head_size, const void* tail, size_t tail_size) {
        append_parts({{head, head_size}, {tail, tail_size}});
    }

    bool active() const { return active_; }
    // False in a process the writer did not start in: a child made by fork or by a raw
    // clone() without CLONE_VM, in which no pthread_atfork handler ran. One load: the token
    // lives in a MADV_WIPEONFORK page, which the kernel hands to such a child zeroed.
    bool in_own_process() const {
        return !process_token_ || __atomic_load_n(process_token_, __ATOMIC_RELAXED) != 0;
    }
    // False once the profiler is gone (its end of the socket hung up). Changes nothing:
    // callable without the lock.
    bool profiler_alive() const;
    // Prints the one line and switches tracking off. Caller holds the lock.
    void disable(const char* why);
    // Forgets the stream without writing anything: for a forked child, which must never
    // write into its parent's stream. Closes the socket only if it is still ours. Caller
    // holds (or has just re-initialised) the lock.
    void abandon();

    SpinLock& lock() { return lock_; }

private:
    bool wait_for_space(size_t size);
    void copy_in(const void* data, size_t size);
    void publish();
    // Whether socket_fd_ still names the socket the profiler handed down.
    bool socket_is_ours() const;

    SpinLock lock_;
    int socket_fd_ = -1;
    uint64_t socket_dev_ = 0;
    uint64_t socket_ino_ = 0;
    uint64_t* process_token_ = nullptr;  // see in_own_process()
    pid_t profiler_pid_ = 0;
    bool active_ = false;
    wire::RingHeader* ring_ = nullptr;
    unsigned char* data_ = nullptr;
    uint64_t capacity_ = 0;
    uint64_t mapped_size_ = 0;
    uint64_t head_ = 0;         // our copy of ring_->head
    uint64_t tail_cached_ = 0;  // last tail we read: space is known without touching its line
};

extern StreamWriter g_writer;

// Set while this thread wants or holds the stream lock (from just before it tries to take
// it until just after it released it). A signal handler that interrupts the thread there
// must not take the lock: the thread may hold it. The exit path and the hooks of a signal
// handler read it (tracker.cpp, recorders.cpp).
extern __thread bool t_wants_stream_lock __attribute__((tls_model("initial-exec")));

// RAII holder of the stream lock.
class StreamLock {
public:
    StreamLock() {
        t_wants_stream_lock = true;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        g_writer.lock().lock();
    }
    ~StreamLock() {
        g_writer.lock().unlock();
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        t_wants_stream_lock = false;
    }
    StreamLock(const StreamLock&) = delete;
    StreamLock& operator=(const StreamLock&) = delete;
};

// Writes a line to stderr with write(2) (no stdio: it may allocate or hold locks).
void write_stderr_line(const char* a, const char* b = nullptr, const char* c = nullptr);

}  // namespace allocprof::interpose
