// shared_ring.h — the profiler's side of the ring buffer the target writes its records into
// (wire::RingHeader): a memfd the target maps too. The profiler is the only reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wire/wire_format.h"

namespace allocprof::record {

class SharedRing {
public:
    // Creates and maps a ring of `capacity` bytes (a power of two). Throws
    // std::runtime_error on failure.
    explicit SharedRing(uint64_t capacity);
    ~SharedRing();
    SharedRing(const SharedRing&) = delete;
    SharedRing& operator=(const SharedRing&) = delete;

    // The memfd to hand to the target (close-on-exec; the launcher keeps it open in the child).
    int fd() const { return fd_; }
    // Copies up to `max` published bytes into `out` and releases them to the writer.
    // Returns the number of bytes copied (0 if nothing is waiting, or the ring is broken).
    size_t read(unsigned char* out, size_t max);
    // Why the ring cannot be read any more ("" while it can): its header holds a state no
    // writer following the protocol produces (more published than it holds, the tail ahead
    // of the head, a header overwritten). The target shares the mapping, so a second writer
    // (a child made with the raw clone system call) or a stray store can do that; nothing
    // after it can be trusted.
    const std::string& broken() const { return broken_; }

private:
    int fd_ = -1;
    wire::RingHeader* header_ = nullptr;
    const unsigned char* data_ = nullptr;
    uint64_t capacity_ = 0;
    uint64_t mapped_ = 0;
    std::string broken_;
};

}  // namespace allocprof::record
