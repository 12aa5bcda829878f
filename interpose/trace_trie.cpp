// trace_trie.cpp — see trace_trie.h.
#include "interpose/trace_trie.h"

#include <string.h>

#include "interpose/internal_memory.h"

namespace allocprof::interpose {
namespace {

constexpr size_t kInitialCapacity = 1 << 16;

inline size_t slot_hash(uint32_t parent, uint64_t ip) {
    uint64_t h = ip * 0x9E3779B97F4A7C15ull ^ (uint64_t(parent) * 0xC2B2AE3D27D4EB4Full);
    return static_cast<size_t>(h ^ (h >> 29));
}

}  // namespace

bool TraceTrie::init() {
    capacity_ = kInitialCapacity;
    slots_ = static_cast<Slot*>(internal_map(capacity_ * sizeof(Slot)));
    return slots_ != nullptr;
}

TraceNode TraceTrie::intern(TraceNode parent_node, uint64_t ip, bool* created) {
    *created = false;
    if (!slots_) return TraceNode();
    const uint32_t parent = parent_node.value;
    size_t mask = capacity_ - 1;
    for (size_t i = slot_hash(parent, ip) & mask;; i = (i + 1) & mask) {
        Slot& s = slots_[i];
        if (s.node == 0) {
            if ((count_ + 1) * 2 > capacity_) {  // keep the load factor at most 1/2
                if (!grow()) return TraceNode();
                return intern(parent_node, ip, created);
            }
            s.ip = ip;
            s.parent = parent;
            s.node = next_node_++;
            ++count_;
            *created = true;
            return TraceNode(s.node);
        }
        if (s.ip == ip && s.parent == parent) return TraceNode(s.node);
    }
}

bool TraceTrie::grow() {
    size_t new_capacity = capacity_ * 2;
    auto* fresh = static_cast<Slot*>(internal_map(new_capacity * sizeof(Slot)));
    if (!fresh) return false;
    size_t mask = new_capacity - 1;
    for (size_t j = 0; j < capacity_; ++j) {
        const Slot& s = slots_[j];
        if (s.node == 0) continue;
        size_t i = slot_hash(s.parent, s.ip) & mask;
        while (fresh[i].node != 0) i = (i + 1) & mask;
        fresh[i] = s;
    }
    internal_unmap(slots_, capacity_ * sizeof(Slot));
    slots_ = fresh;
    capacity_ = new_capacity;
    return true;
}

void TraceTrie::reset() {
    if (slots_) memset(slots_, 0, capacity_ * sizeof(Slot));
    count_ = 0;
    ++epoch_;
}

}  // namespace allocprof::interpose
