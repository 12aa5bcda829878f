// stream_writer.h — the one buffer every thread appends records to, and its flush to the
// profiler's socket.
//
// Ordering invariant (DESIGN.md, "Recording"): records are appended under one lock in the
// order the events happened, so the profiler sees a free before any later allocation that
// reuses the address. Callers hold the lock (StreamLock) for the whole append.
//
// Fail soft: if the socket breaks (the profiler died), the writer prints one line on
// stderr, switches itself off, and every later append is dropped; the target carries on.
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

namespace allocprof::interpose {

class StreamWriter {
public:
    // Takes ownership of a connected stream socket. Returns false if the buffer cannot
    // be mapped.
    bool open(int fd);

    // Appends `size` bytes (one whole record, or several). Caller holds the lock.
    void append(const void* data, size_t size);
    // Appends a header struct followed by a payload. Caller holds the lock.
    void append2(const void* head, size_t head_size, const void* tail, size_t tail_size);
    // Sends everything buffered. Caller holds the lock.
    void flush();

    bool active() const { return active_; }
    // Forgets the socket without sending anything: for a forked child, which must never
    // write into its parent's stream. Caller holds (or has just re-initialised) the lock.
    void abandon();

    pthread_mutex_t& mutex() { return mutex_; }

private:
    void fail(const char* what, int error_number);

    pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
    int fd_ = -1;
    bool active_ = false;
    unsigned char* buffer_ = nullptr;
    size_t used_ = 0;
};

extern StreamWriter g_writer;

// RAII holder of the stream lock.
class StreamLock {
public:
    StreamLock() { pthread_mutex_lock(&g_writer.mutex()); }
    ~StreamLock() { pthread_mutex_unlock(&g_writer.mutex()); }
    StreamLock(const StreamLock&) = delete;
    StreamLock& operator=(const StreamLock&) = delete;
};

// Writes a line to stderr with write(2) (no stdio: it may allocate or hold locks).
void write_stderr_line(const char* a, const char* b = nullptr, const char* c = nullptr);

}  // namespace allocprof::interpose
