// stream_writer.cpp — see stream_writer.h.
#include "stream_writer.h"

#include <errno.h>
#include <initializer_list>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal_memory.h"

namespace allocprof::interpose {

StreamWriter g_writer;

namespace {
constexpr size_t kBufferSize = 1 << 20;  // 1 MiB: a few thousand syscalls for 10 M events
}

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

bool StreamWriter::open(int fd) {
    buffer_ = static_cast<unsigned char*>(internal_map(kBufferSize));
    if (!buffer_) return false;
    fd_ = fd;
    used_ = 0;
    active_ = true;
    return true;
}

void StreamWriter::append(const void* data, size_t size) {
    if (!active_) return;
    if (used_ + size > kBufferSize) {
        flush();
        if (!active_) return;
    }
    memcpy(buffer_ + used_, data, size);
    used_ += size;
}

void StreamWriter::append2(const void* head, size_t head_size, const void* tail,
                           size_t tail_size) {
    if (!active_) return;
    if (used_ + head_size + tail_size > kBufferSize) {
        flush();
        if (!active_) return;
    }
    memcpy(buffer_ + used_, head, head_size);
    memcpy(buffer_ + used_ + head_size, tail, tail_size);
    used_ += head_size + tail_size;
}

void StreamWriter::flush() {
    size_t sent = 0;
    while (active_ && sent < used_) {
        // MSG_NOSIGNAL: a dead profiler must give us EPIPE, not kill the target with SIGPIPE.
        ssize_t n = send(fd_, buffer_ + sent, used_ - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            fail("lost the connection to the profiler", n < 0 ? errno : EPIPE);
        }
    }
    used_ = 0;
}

void StreamWriter::abandon() {
    active_ = false;
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    used_ = 0;
}

void StreamWriter::fail(const char* what, int error_number) {
    if (!active_) return;
    active_ = false;
    close(fd_);
    fd_ = -1;
    write_stderr_line("allocprof: ", what, error_number == EPIPE || error_number == ECONNRESET
                                               ? " (the profiler is gone); tracking disabled, the program continues untraced"
                                               : "; tracking disabled, the program continues untraced");
}

}  // namespace allocprof::interpose
