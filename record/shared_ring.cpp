// shared_ring.cpp — see shared_ring.h.
#include "record/shared_ring.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace allocprof::record {

SharedRing::SharedRing(uint64_t capacity) : capacity_(capacity) {
    fd_ = memfd_create("allocprof-ring", MFD_CLOEXEC);
    mapped_ = wire::kRingHeaderSize + capacity;
    if (fd_ < 0 || ftruncate(fd_, static_cast<off_t>(mapped_)) != 0) {
        int error = errno;
        if (fd_ >= 0) close(fd_);
        throw std::runtime_error(std::string("cannot create the shared ring buffer: ") +
                                 std::strerror(error));
    }
    void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) {
        int error = errno;
        close(fd_);
        throw std::runtime_error(std::string("cannot map the shared ring buffer: ") +
                                 std::strerror(error));
    }
    header_ = static_cast<wire::RingHeader*>(p);
    data_ = static_cast<const unsigned char*>(p) + wire::kRingHeaderSize;
    header_->magic = wire::kMagic;
    header_->version = wire::kWireVersion;
    header_->capacity = capacity;
    __atomic_store_n(&header_->head, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&header_->tail, 0, __ATOMIC_RELEASE);
}

SharedRing::~SharedRing() {
    if (header_) munmap(header_, mapped_);
    if (fd_ >= 0) close(fd_);
}

size_t SharedRing::read(unsigned char* out, size_t max) {
    if (!broken_.empty()) return 0;
    const uint64_t head = __atomic_load_n(&header_->head, __ATOMIC_ACQUIRE);
    const uint64_t tail = __atomic_load_n(&header_->tail, __ATOMIC_RELAXED);
    if (head - tail > capacity_ || header_->magic != wire::kMagic || header_->capacity != capacity_) {
        broken_ = "the shared ring buffer was overwritten (head " + std::to_string(head) + ", tail " +
                  std::to_string(tail) + ", capacity " + std::to_string(capacity_) +
                  "): another process wrote into it; the run ends there";
        return 0;
    }
    const size_t n = static_cast<size_t>(std::min<uint64_t>(head - tail, max));
    if (n == 0) return 0;
    const uint64_t offset = tail & (capacity_ - 1);
    const size_t first = static_cast<size_t>(std::min<uint64_t>(n, capacity_ - offset));
    std::memcpy(out, data_ + offset, first);
    std::memcpy(out + first, data_, n - first);
    __atomic_store_n(&header_->tail, tail + n, __ATOMIC_RELEASE);
    return n;
}

}  // namespace allocprof::record
