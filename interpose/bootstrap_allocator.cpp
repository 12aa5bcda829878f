// bootstrap_allocator.cpp — see bootstrap_allocator.h.
#include "bootstrap_allocator.h"

#include <stdint.h>
#include <string.h>

namespace allocprof::interpose {
namespace {

constexpr size_t kBootstrapSize = 64 * 1024;
alignas(64) unsigned char g_buffer[kBootstrapSize];
size_t g_used = 0;  // only touched while resolving, which one thread does at a time

struct BlockHeader {
    size_t size;
    size_t pad;  // keeps the payload 16-byte aligned
};

}  // namespace

void* bootstrap_allocate(size_t size, size_t alignment) {
    if (alignment < 16) alignment = 16;
    size_t start = g_used + sizeof(BlockHeader);
    start = (start + alignment - 1) & ~(alignment - 1);
    if (start + size > kBootstrapSize || start + size < start) return nullptr;
    auto* header = reinterpret_cast<BlockHeader*>(g_buffer + start - sizeof(BlockHeader));
    header->size = size;
    g_used = start + size;
    return g_buffer + start;  // static storage is zeroed and never reused: calloc-ready
}

bool is_bootstrap_block(const void* p) {
    auto addr = reinterpret_cast<uintptr_t>(p);
    auto base = reinterpret_cast<uintptr_t>(g_buffer);
    return addr >= base && addr < base + kBootstrapSize;
}

size_t bootstrap_block_size(const void* p) {
    const auto* header = reinterpret_cast<const BlockHeader*>(static_cast<const unsigned char*>(p) -
                                                              sizeof(BlockHeader));
    return header->size;
}

}  // namespace allocprof::interpose
