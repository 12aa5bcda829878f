// shared_ring.h — the profiler's side of the ring buffer the target writes its records into
// (wire::RingHeader): a memfd the target maps too. The profiler is the only reader.
#pragma once

#include <cstddef>
#include <cstdint>

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
    // Returns the number of bytes copied (0 if nothing is waiting).
    size_t read(unsigned char* out, size_t max);

private:
    int fd_ = -1;
    wire::RingHeader* header_ = nullptr;
    const unsigned char* data_ = nullptr;
    uint64_t capacity_ = 0;
    uint64_t mapped_ = 0;
};

}  // namespace allocprof::record
