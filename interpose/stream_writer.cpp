// stream_writer.cpp — see stream_writer.h.
#include "interpose/stream_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <initializer_list>

namespace allocprof::interpose {

StreamWriter g_writer;
__thread bool t_wants_stream_lock __attribute__((tls_model("initial-exec"))) = false;

namespace {

// A MADV_WIPEONFORK page holding a nonzero token (null where the kernel lacks it: before
// Linux 4.14 a raw clone() child is then not told apart).
uint64_t* make_process_token() {
    long r = syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0L);
    if (r < 0 && r > -4096) return nullptr;
    auto* page = reinterpret_cast<uint64_t*>(r);
    if (syscall(SYS_madvise, page, 4096, MADV_WIPEONFORK) != 0) {
        syscall(SYS_munmap, page, 4096);
        return nullptr;
    }
    *page = 1;
    return page;
}

// The ring must be allocprof's memfd: a memory file (F_GET_SEALS works on nothing else)
// holding at least `size` bytes. Anything else (a file the program opened on that number,
// a pipe, an empty file after an exec) is refused before it is mapped: mapping past the
// end of a file is a SIGBUS at the first touch.
bool ring_file_holds(int fd, uint64_t size) {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    if (fcntl(fd, F_GET_SEALS) < 0) return false;
    return st.st_size >= 0 && uint64_t(st.st_size) >= size;
}

}  // namespace

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
    struct stat socket_stat;
    if (fstat(socket_fd, &socket_stat) != 0 || !S_ISSOCK(socket_stat.st_mode)) return false;
    // Map the header first to learn the capacity, then the whole ring.
    if (!ring_file_holds(ring_fd, wire::kRingHeaderSize)) return false;
    long r = syscall(SYS_mmap, nullptr, wire::kRingHeaderSize, PROT_READ, MAP_SHARED, ring_fd, 0L);
    if (r < 0 && r > -4096) return false;
    auto* header = reinterpret_cast<wire::RingHeader*>(r);
    bool valid = header->magic == wire::kMagic && header->version == wire::kWireVersion &&
                 header->capacity >= 4096 && (header->capacity & (header->capacity - 1)) == 0;
    uint64_t capacity = header->capacity;
    syscall(SYS_munmap, header, wire::kRingHeaderSize);
    if (!valid || capacity > (uint64_t(1) << 40)) return false;
    if (!ring_file_holds(ring_fd, wire::kRingHeaderSize + capacity)) return false;
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
    socket_dev_ = socket_stat.st_dev;
    socket_ino_ = socket_stat.st_ino;
    profiler_pid_ = getppid();
    process_token_ = make_process_token();
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

bool StreamWriter::socket_is_ours() const {
    struct stat st;
    return socket_fd_ >= 0 && fstat(socket_fd_, &st) == 0 && S_ISSOCK(st.st_mode) &&
           uint64_t(st.st_dev) == socket_dev_ && uint64_t(st.st_ino) == socket_ino_;
}

bool StreamWriter::profiler_alive() const {
    // If the program closed our socket (or put a descriptor of its own on its number), fall
    // back to our parent: the profiler launched us, so a different parent means it died.
    if (!socket_is_ours()) return getppid() == profiler_pid_;
    // The profiler never sends anything: its end closing is a hang-up, seen without
    // reading (a read would take a byte of the program's, were the number ever reused).
    pollfd p{socket_fd_, POLLRDHUP, 0};
    int r = poll(&p, 1, 0);
    return !(r == 1 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)));
}

void StreamWriter::abandon() {
    active_ = false;
    if (socket_is_ours()) close(socket_fd_);
    socket_fd_ = -1;
}

void StreamWriter::disable(const char* why) {
    if (!active_) return;
    active_ = false;
    write_stderr_line("allocprof: ", why, "; tracking disabled, the program continues untraced");
}

}  // namespace allocprof::interpose
