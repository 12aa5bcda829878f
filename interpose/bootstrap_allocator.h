// bootstrap_allocator.h — serves the allocations dlsym makes while the preload library is
// still looking up the real malloc (dlsym can call calloc before we know where calloc is).
//
// A bump allocator over a static buffer: blocks are never reused, free() of one is a
// no-op, and realloc() of one copies into a real block. These blocks are never recorded.
#pragma once

#include <stddef.h>

namespace allocprof::interpose {

void* bootstrap_allocate(size_t size, size_t alignment);
bool is_bootstrap_block(const void* p);
// Requested size of a bootstrap block (for realloc copying).
size_t bootstrap_block_size(const void* p);

}  // namespace allocprof::interpose
