// trace_trie.h — interns call stacks inside the target as nodes of a trie, so each
// (parent, ip) edge is sent to the profiler once and every event carries one node index.
//
// An open-addressing hash table from (parent node, ip) to node index, in memory from
// internal_map (never the hooked allocator). Not thread-safe: used under the stream lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "interpose/ids.h"

namespace allocprof::interpose {

class TraceTrie {
public:
    bool init();
    // Returns the node for `ip` under `parent`; *created is set when the node is new (the
    // caller must then send the edge). Returns node 0 if the table cannot grow (out of memory).
    TraceNode intern(TraceNode parent, uint64_t ip, bool* created);
    // Forgets all edges (after dlclose an address may now belong to another library);
    // node numbers keep increasing so the profiler's earlier nodes stay valid.
    void reset();
    // Bumped by reset(): per-thread caches of interned prefixes compare against it.
    uint32_t epoch() const { return epoch_; }

private:
    struct Slot {
        uint64_t ip;
        uint32_t parent;
        uint32_t node;  // 0 = empty slot
    };
    bool grow();

    Slot* slots_ = nullptr;
    size_t capacity_ = 0;  // power of two
    size_t count_ = 0;
    uint32_t next_node_ = 1;
    uint32_t epoch_ = 1;
};

}  // namespace allocprof::interpose
