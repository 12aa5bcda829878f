// bootstrap_allocator.cpp — see bootstrap_allocator.h.
#include "interpose/bootstrap_allocator.h"

#include <stdint.h>
#include <string.h>

#include <atomic>

namespace allocprof::interpose {
namespace {

constexpr size_t kBootstrapSize = 64 * 1024;
alignas(64) unsigned char g_buffer[kBootstrapSize];
size_t g_used = 0;
std::atomic_flag g_busy = ATOMIC_FLAG_INIT;  // guards g_used: callers are rare and short

struct BlockHeader {
    size_t size;
    size_t pad;  // keeps the payload 16-byte aligned
};

}  // namespace

void* bootstrap_allocate(size_t size, size_t alignment) {
    if (alignment < 16) alignment = 16;
    while (g_busy.test_and_set(std::memory_order_acquire)) {
    }
    void* result = nullptr;
    size_t start = g_used + sizeof(BlockHeader);
    start = (start + alignment - 1) & ~(alignment - 1);
    if (start + size <= kBootstrapSize && start + size >= start) {
        auto* header = reinterpret_cast<BlockHeader*>(g_buffer + start - sizeof(BlockHeader));
        header->size = size;
        g_used = start + size;
        result = g_buffer + start;  // static storage is zeroed and never reused: calloc-ready
    }
    g_busy.clear(std::memory_order_release);
    return result;
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
