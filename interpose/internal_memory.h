// internal_memory.h — memory for the preload library's own use, straight from the
// kernel. The library must never allocate through the allocator it measures (it would
// record itself, or recurse), so its buffers come from raw mmap system calls that no
// hook can see.
#pragma once

#include <stddef.h>

namespace allocprof::interpose {

// Maps `size` bytes (rounded up to pages) of zeroed, private memory; nullptr on failure.
void* internal_map(size_t size);
// Unmaps memory obtained from internal_map with the same size.
void internal_unmap(void* p, size_t size);

}  // namespace allocprof::interpose
