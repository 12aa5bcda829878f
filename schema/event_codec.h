// event_codec.h — the normalized event stream stored in the event_chunks table.
//
// The recorder turns the target's wire records into events that no longer mention
// addresses: every allocation gets a block id (0, 1, 2, ... in order, given by the
// recorder and checked here), and a free or a realloc names the block it releases. Analyzers replay these events to recompute any
// metric with other parameters, without recording again and without a pointer map.
//
// Encoding of one event: a tag byte (kind in the low 4 bits, hook function in the high 4),
// then LEB128 varints:
//   Alloc       thread, node, size                 (its block id = next block id)
//   Free        thread, next_block - 1 - block
//   Realloc     thread, node, size, next_block - 1 - old_block, moved (0/1)
//                                                     (new block = next block id)
//   Mmap        thread, node, addr, length
//   Munmap      thread, addr, length
//   Mremap      thread, old_addr, old_length, new_addr, new_length
//   Tick        time_ns - previous tick's time_ns (previous = 0 at a chunk start), rss_bytes
//   PhaseBegin  name length, name bytes
//   PhaseEnd    (nothing)
//   Ops         count
// A chunk is a zstd frame of encoded events. Its row stores the index of its first event
// and the block id its first allocation gets, so chunks decode independently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "schema/run_database.h"

namespace allocprof::schema {

enum class EventKind : uint8_t {
    Alloc = 1,
    Free = 2,
    Realloc = 3,
    Mmap = 4,
    Munmap = 5,
    Mremap = 6,
    Tick = 7,
    PhaseBegin = 8,
    PhaseEnd = 9,
    Ops = 10,
};

struct Event {
    EventKind kind = EventKind::Alloc;
    uint8_t fn = 0;           // wire::HookFn value (0 where not applicable)
    uint32_t thread = 0;
    uint32_t node = 0;        // leaf trie node of the allocating stack
    uint64_t size = 0;        // Alloc/Realloc: requested bytes
    uint64_t block = 0;       // Alloc/Realloc: the new block; Free: the released block
    uint64_t old_block = 0;   // Realloc: the released block
    bool moved = false;       // Realloc: the block changed address (its contents were copied)
    uint64_t addr = 0;        // Mmap/Munmap: address; Mremap: old address
    uint64_t length = 0;      // Mmap/Munmap: length; Mremap: old length
    uint64_t new_addr = 0;    // Mremap
    uint64_t new_length = 0;  // Mremap
    uint64_t time_ns = 0;     // Tick
    uint64_t rss_bytes = 0;   // Tick
    uint64_t count = 0;       // Ops
    std::string name;         // PhaseBegin
};

// Encodes events and writes them to event_chunks of one run, a chunk at a time.
class EventChunkWriter {
public:
    EventChunkWriter(Database& db, int64_t run_id, size_t chunk_raw_bytes = 4u << 20);
    // Appends one event. An Alloc/Realloc must carry the next block id (0, 1, 2, ...):
    // anything else throws std::logic_error, since the encoding implies it.
    void append(const Event& event);
    // Compresses and stores what is buffered (called on a full chunk and at the end).
    void flush();
    uint64_t event_count() const { return events_; }
    uint64_t next_block() const { return next_block_; }
    uint64_t stored_bytes() const { return stored_bytes_; }

private:
    Database& db_;
    int64_t run_id_;
    size_t chunk_raw_bytes_;
    std::vector<unsigned char> raw_;
    std::vector<unsigned char> compressed_;
    uint64_t events_ = 0;
    uint64_t next_block_ = 0;
    uint64_t chunk_first_event_ = 0;
    uint64_t chunk_first_block_ = 0;
    uint64_t chunk_events_ = 0;
    uint64_t last_tick_ns_ = 0;
    int64_t chunk_index_ = 0;
    uint64_t stored_bytes_ = 0;
};

// What the stored events of a run may name, from the run's other tables. A decoded id
// outside them is impossible: the chunk was damaged or written by something else, and an
// analyzer that indexed a table by it would read past its end.
struct EventLimits {
    uint32_t max_thread = UINT32_MAX;  // the run's threads are 1..runs.threads (0: none named)
    uint32_t max_node = UINT32_MAX;    // the largest trace_nodes.node_id (0: no stack)
    bool complete = false;             // the run was finished: its totals count every event
    uint64_t events = 0;               // runs.event_count
};
EventLimits event_limits(Database& db, int64_t run_id);
// What is impossible about `e` under `limits` ("thread 4294967295 (the run has 3 threads)"),
// or empty.
std::string impossible_ids(const Event& e, const EventLimits& limits);

// Decodes the stored events of one run, in order, one chunk in memory at a time. Throws
// DatabaseError naming the file, the run and the chunk when a chunk is damaged, missing, out
// of order, names an impossible id (event_limits), or when a finished run's chunks hold
// fewer or more events than its totals. Events before the problem have been visited.
void for_each_event(Database& db, int64_t run_id, const std::function<void(const Event&)>& visit);

// Pure codec, exposed for tests: encode events into `out` (an Alloc/Realloc must carry
// block id `next_block`, which then counts up), decode `data` back.
void encode_event(const Event& event, uint64_t& next_block, uint64_t& last_tick_ns,
                  std::vector<unsigned char>& out);
// Returns false on malformed input: a truncated or unknown event, a phase name longer than
// the data, a free or realloc of a block before the first (`first_block` counts the
// allocations of the chunks before); `problem`, if given, then says which. Phase names
// come out as valid UTF-8 (schema/utf8_text.h).
bool decode_events(const unsigned char* data, size_t size, uint64_t first_block,
                   const std::function<void(const Event&)>& visit, std::string* problem = nullptr);

}  // namespace allocprof::schema
