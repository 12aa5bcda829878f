// stream_writer.cpp — see stream_writer.h.
#include "interpose/stream_writer.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <initializer_list>

namespace allocprof::interpose {

StreamWriter g_writer;

void write_stderr_line(const char* a, const char* b, const char* c) {
    char line[512];
    size_t n = 0;
    for (const char* part : {a, b, c}) {
        if (!part) continue;
        size_t len = strlen(part);
        if (n + len > sizeof(line) - 1) len = sizeof(line) - 1 - n;
        memcpy(line + n, part, len);
        n += len;
    }
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
}

bool StreamWriter::open(int ring_fd, int socket_fd) {
    // Map the header first to learn the capacity, then the whole ring.
    long r = syscall(SYS_mmap, nullptr, wire::kRingHeaderSize, PROT_READ, MAP_SHARED, ring_fd, 0L);
    if (r < 0 && r > -4096) return false;
    auto* header = reinterpret_cast<wire::RingHeader*>(r);
    bool valid = header->magic == wire::kMagic && header->version == wire::kWireVersion &&
                 header->capacity >= 4096 && (header->capacity & (header->capacity - 1)) == 0;
    uint64_t capacity = header->capacity;
    syscall(SYS_munmap, header, wire::kRingHeaderSize);
    if (!valid) return false;
    mapped_size_ = wire::kRingHeaderSize + capacity;
    r = syscall(SYS_mmap, nullptr, mapped_size_, PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd, 0L);
    if (r < 0 && r > -4096) return false;
    ring_ = reinterpret_cast<wire::RingHeader*>(r);
    data_ = reinterpret_cast<unsigned char*>(r) + wire::kRingHeaderSize;
    capacity_ = capacity;
    // After an exec in the same process the ring already holds the previous program's
    // records: continue after them.
    head_ = __atomic_load_n(&ring_->head, __ATOMIC_ACQUIRE);
    tail_cached_ = __atomic_load_n(&ring_->tail, __ATOMIC_ACQUIRE);
    socket_fd_ = socket_fd;
    profiler_pid_ = getppid();
    active_ = true;
    return true;
}

void StreamWriter::copy_in(const void* data, size_t size) {
    uint64_t offset = head_ & (capacity_ - 1);
    uint64_t first = capacity_ - offset;
    if (size <= first) {
        memcpy(data_ + offset, data, size);
    } else {
        memcpy(data_ + offset, data, first);
        memcpy(data_, static_cast<const unsigned char*>(data) + first, size - first);
    }
    head_ += size;
}

void StreamWriter::publish() { __atomic_store_n(&ring_->head, head_, __ATOMIC_RELEASE); }

bool StreamWriter::wait_for_space(size_t size) {
    if (capacity_ - (head_ - tail_cached_) >= size) return true;
    for (unsigned waited = 0;; ++waited) {
        tail_cached_ = __atomic_load_n(&ring_->tail, __ATOMIC_ACQUIRE);
        if (capacity_ - (head_ - tail_cached_) >= size) return true;
        // The profiler drains the ring about every millisecond; check now and then that
        // it still exists rather than waiting for a reader that is gone.
        if (waited % 64 == 0 && !profiler_alive()) {
            disable("the profiler is gone");
            return false;
        }
        timespec pause{0, 200 * 1000};
        nanosleep(&pause, nullptr);
    }
}

void StreamWriter::append(const void* data, size_t size) {
    if (!active_ || !wait_for_space(size)) return;
    copy_in(data, size);
    publish();
}

void StreamWriter::append_parts(std::initializer_list<Bytes> parts) {
    size_t total = 0;
    for (const Bytes& part : parts) total += part.size;
    if (!active_ || !wait_for_space(total)) return;
    for (const Bytes& part : parts) copy_in(part.data, part.size);
    publish();
}

bool StreamWriter::profiler_alive() const {
    if (socket_fd_ < 0) return false;
    pollfd p{socket_fd_, POLLIN, 0};
    int r = poll(&p, 1, 0);
    bool gone = false;
    if (r == 1 && (p.revents & (POLLHUP | POLLERR))) gone = true;
    if (r == 1 && (p.revents & POLLIN)) {
        char byte;
        gone = recv(socket_fd_, &byte, 1, MSG_DONTWAIT) == 0;  // end of file: the peer closed
    }
    // If the program closed our socket (POLLNVAL), fall back to our parent: the profiler
    // launched us, so a different parent means it died.
    if (r == 1 && (p.revents & POLLNVAL)) gone = getppid() != profiler_pid_;
    return !gone;
}

void StreamWriter::abandon() {
    active_ = false;
    if (socket_fd_ >= 0) close(socket_fd_);
    socket_fd_ = -1;
}

void StreamWriter::disable(const char* why) {
    if (!active_) return;
    active_ = false;
    write_stderr_line("allocprof: ", why, "; tracking disabled, the program continues untraced");
}

}  // namespace allocprof::interpose
