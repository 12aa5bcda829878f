// ids.h — strong types for the small integers the preload library puts side by side in
// every record: the trie node of a stack and the number of a thread. Both are uint32_t on
// the wire (wire_format.h), and AllocRecord{..., thread, node, ...} compiles just as well
// with the two swapped; as distinct types they cannot be swapped, nor one passed where the
// other is meant. The model is heaptrack's indices.h. records.h is the one place they
// become plain integers again.
#pragma once

#include <stdint.h>

namespace allocprof::interpose {

template <typename Tag>
struct Index {
    uint32_t value = 0;  // 0: none (no stack could be taken; the trie's root)

    constexpr Index() = default;
    constexpr explicit Index(uint32_t v) : value(v) {}
    constexpr bool valid() const { return value != 0; }
    friend constexpr bool operator==(Index a, Index b) { return a.value == b.value; }
    friend constexpr bool operator!=(Index a, Index b) { return a.value != b.value; }
};

// A node of the stack trie (trace_trie.h): the stack that ends at it. 0 is the root.
using TraceNode = Index<struct TraceNodeTag>;
// A thread of the target, numbered 1, 2, ... in the order they first record an event.
using ThreadNumber = Index<struct ThreadNumberTag>;

}  // namespace allocprof::interpose
