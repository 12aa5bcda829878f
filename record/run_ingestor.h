// run_ingestor.h — turns the target's wire records into one run of the database: keeps
// the live-block map, the stack trie with each node's module, per-stack aggregates,
// memory over time, phases and op counts, and writes the normalized event stream. It owns
// the run's tables, its `runs` row included: the row is inserted when the ingestor is made
// (so the event chunks have a run to belong to) and completed by finish().
//
// Every number here is computed once, during ingest, from the records in stream order;
// the definitions are the column comments of schema/allocprof_v2.sql and
// docs/definitions.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "schema/event_codec.h"
#include "schema/live_accounting.h"
#include "record/heaptrack_temporaries.h"
#include "record/live_block_map.h"
#include "record/target_launcher.h"
#include "schema/run_database.h"
#include "wire/wire_format.h"

namespace allocprof::record {

// Run-wide counters (the columns of `runs` computed during ingest).
struct RunTotals {
    uint64_t allocations = 0;
    uint64_t frees = 0;
    uint64_t reallocs = 0;
    uint64_t bytes_allocated = 0;
    uint64_t live_bytes = 0;
    uint64_t live_blocks = 0;
    uint64_t peak_live_bytes = 0;
    uint64_t peak_live_event = 0;
    uint64_t peak_live_ns = 0;
    uint64_t peak_live_blocks = 0;  // blocks live at that peak
    uint64_t temporary_k0 = 0;
    uint64_t temporary_k1 = 0;
    uint64_t unmatched_frees = 0;
    uint64_t lost_frees = 0;  // an address allocated again while still live
    uint64_t mmap_calls = 0;
    uint64_t mmap_bytes = 0;
    uint64_t munmap_calls = 0;
    uint64_t ops = 0;
    bool saw_ops = false;
    uint64_t events = 0;
};

// What is known of a run before its target starts.
struct RunStart {
    std::string scenario;              // "" = none given
    std::vector<std::string> command;  // argv
    std::string cwd;
    std::string hostname;
    std::optional<uint64_t> ops;       // --ops N
    bool store_events = true;          // write the normalized event stream to event_chunks
    uint64_t start_unix_ns = 0;
    std::optional<int> max_frames;     // --max-frames (runs.max_frames); none for an import
};

// How the recording ended.
struct RunEnd {
    TargetExit exit;
    uint64_t end_unix_ns = 0;
    std::string failure;  // why recording stopped before the stream ended ("" if it did not)
};

class RunIngestor {
public:
    // Inserts the run's `runs` row (complete = 0 until finish()).
    RunIngestor(schema::Database& db, const RunStart& start);
    int64_t run_id() const { return run_id_; }

    // ---- WireDecoder handler interface ----
    void on_hello(const wire::HelloRecord& r);
    void on_module_map_begin();
    void on_module(const wire::ModuleRecord& r, std::span<const wire::SegmentRecord> segments,
                   std::string_view path, std::span<const unsigned char> build_id);
    void on_module_map_end();
    void on_trace_edge(const wire::TraceEdgeRecord& r);
    void on_trie_reset() {}
    void on_alloc(const wire::AllocRecord& r);
    void on_free(const wire::FreeRecord& r);
    void on_realloc(const wire::ReallocRecord& r);
    void on_mmap(const wire::MmapRecord& r);
    void on_munmap(const wire::MunmapRecord& r);
    void on_mremap(const wire::MremapRecord& r);
    void on_tick(const wire::TickRecord& r);
    void on_end(const wire::TickRecord& r);
    void on_peak_rss(const wire::TickRecord& r) { peak_rss_ = std::max(peak_rss_, r.rss_bytes); }
    uint64_t peak_rss_bytes() const;
    void on_phase_begin(std::string_view name);
    void on_phase_end();
    void on_ops(const wire::OpsRecord& r);
    void on_note(std::string_view text) { notes_.emplace_back(text); }
    void on_script_function(const wire::ScriptFunctionRecord& r, std::string_view name,
                            std::string_view file);
    void on_gc_cycle(const wire::GcCycleRecord& r);
    void prefetch(uint64_t address) const { live_.prefetch(address); }

    // Flushes the event stream, writes every table of the run and completes its `runs` row,
    // with the notes of how it ended. Call once, after the stream ended.
    void finish(const RunEnd& end);

    // Called for every new stack frame inside a file-backed module, as it arrives.
    using FrameListener = std::function<void(const std::string& module_path,
                                             const std::string& build_id, uint64_t rel_pc)>;
    void set_frame_listener(FrameListener listener) { frame_listener_ = std::move(listener); }

    const RunTotals& totals() const { return totals_; }
    bool saw_hello() const { return hello_count_ > 0; }
    bool saw_end() const { return saw_end_; }
    uint32_t pid() const { return pid_; }
    // Whether the stack ending at `node` was cut at the library's stack limit.
    bool stack_truncated(uint32_t node) const { return node < nodes_.size() && nodes_[node].truncated != 0; }
    uint64_t thread_count() const { return thread_allocs_.size() > 0 ? thread_allocs_.size() - 1 : 0; }
    uint64_t stored_event_bytes() const { return events_ ? events_->stored_bytes() : 0; }
    std::vector<std::string>& notes() { return notes_; }

private:
    struct SizeBin {
        uint8_t bucket;
        uint64_t count;
        uint64_t bytes;
    };
    struct NodeStats {
        uint32_t node = 0;  // the trie node these are the figures of
        uint64_t allocations = 0;
        uint64_t bytes = 0;
        uint64_t frees = 0;
        uint64_t reallocs = 0;
        uint64_t live_blocks = 0;
        uint64_t live_bytes = 0;
        uint64_t max_live = 0;
        uint64_t temp_k0 = 0;
        uint64_t temp_k1 = 0;
        uint64_t min_size = UINT64_MAX;
        uint64_t max_size = 0;
        schema::PeakShare peak;      // live_bytes as of the latest peak
        std::vector<SizeBin> sizes;  // size histogram: few distinct buckets per stack
    };
    struct Node {
        uint32_t parent = 0;
        uint64_t ip = 0;              // 0 for a script frame
        int32_t module = -1;
        uint64_t rel_pc = 0;
        uint32_t script_function = 0;  // a script frame's function (>= 1); 0 for native frames
        uint32_t script_line = 0;
        uint32_t native_leaf = 0;      // this node, or for a script frame its innermost native ancestor
        uint32_t truncated = 0;        // its stack was cut at this many native frames (0: whole)
        bool truncation_node = false;  // the root-most node such a stack gets (wire::truncated_frame_ip)
        bool announced = false;
    };
    struct Module {
        std::string path;
        std::string build_id;  // hex
        uint64_t load_bias = 0;
        uint64_t text_start = 0;
        uint64_t text_end = 0;
    };
    struct CodeRange {
        uint64_t start, end;
        int32_t module;
    };
    struct Sample {
        uint64_t t_ns, event_index, live_bytes, live_blocks, rss_bytes;
    };
    struct Phase {
        std::string name;
        uint64_t begin_event = 0, end_event = 0, begin_ns = 0, end_ns = 0;
        uint64_t ops = 0, allocations = 0, bytes = 0;
    };
    struct FunctionCount {
        uint64_t calls = 0, bytes = 0;
    };
    struct ScriptFunction {
        uint32_t id;
        wire::ScriptLanguage language;
        uint32_t first_line;
        std::string name, file;
    };
    struct GcCycle {
        wire::ScriptLanguage language;
        uint8_t generation;
        uint32_t thread;
        uint64_t t_ns, event_index, ops_before;
        std::optional<int64_t> phase;
    };

    void write_tables();
    void write_run_row(const RunEnd& end);
    void note_how_it_ended(const RunEnd& end);

    uint32_t node_id(uint32_t wire_node) const { return wire_node ? node_base_ + wire_node : 0; }
    uint32_t thread_id(uint32_t wire_thread);
    uint32_t native_leaf(uint32_t node) const { return node < nodes_.size() ? nodes_[node].native_leaf : node; }
    NodeStats& stats(uint32_t node);
    void emit(const schema::Event& e);
    // Accounts a new block; returns its block id.
    uint64_t add_block(uint32_t thread, uint32_t node, uint64_t address, uint64_t size,
                       uint8_t fn);
    // Accounts the release of a live block by `thread`.
    void release_block(const LiveBlock& block, uint32_t thread);
    void after_live_increase();
    void close_phase();
    // A memory sample now (at a phase boundary): live heap as of this event, the resident
    // set as of the latest timer sample.
    void sample_at_event();
    void write_script_tables();

    schema::Database& db_;
    RunStart start_;
    int64_t run_id_ = 0;
    std::optional<schema::EventChunkWriter> events_;
    RunTotals totals_;
    uint64_t next_block_ = 0;
    schema::PeakAttribution peak_;
    HeaptrackTemporaries heaptrack_temporaries_;
    uint64_t now_ns_ = 0;
    uint64_t last_rss_ = 0;  // the resident set of the latest timer sample

    int hello_count_ = 0;
    bool saw_end_ = false;
    // The largest peak resident set an image reported at its exit (0: none did).
    uint64_t peak_rss_ = 0;
    uint32_t pid_ = 0;
    uint32_t node_base_ = 0;    // offsets of this image's node and thread numbers: an exec in
    uint32_t thread_base_ = 0;  // the same pid starts counting from 1 again
    uint32_t script_base_ = 0;  // and so do script function ids

    LiveBlockMap live_;
    std::vector<Node> nodes_{1};  // index = node id; 0 is the root
    // Figures of the nodes that allocate, densely: most trie nodes are inner frames that
    // never allocate themselves (a Python run: 176 k nodes, 20 k with allocations), and a
    // slot per node made growing this vector a quarter of the ingest thread's time.
    std::vector<NodeStats> stats_;
    std::vector<uint32_t> stats_slot_;  // node id -> index into stats_ + 1 (0: none yet)
    schema::ThreadAllocations thread_allocs_;  // index = thread id (0 unused)
    std::vector<Module> modules_;
    std::map<std::pair<std::string, uint64_t>, int32_t> module_ids_;
    std::vector<CodeRange> ranges_, building_ranges_;
    std::vector<Sample> series_;
    std::vector<Phase> phases_;
    bool phase_open_ = false;
    FunctionCount calls_[wire::kHookFnCount];
    std::vector<std::string> notes_;
    std::vector<ScriptFunction> script_functions_;
    std::vector<GcCycle> gc_cycles_;
    FrameListener frame_listener_;
};

// Power-of-two size bucket: 0 for size 0, else 1 + floor(log2(size)).
inline int size_bucket(uint64_t size) { return size == 0 ? 0 : 64 - __builtin_clzll(size); }

}  // namespace allocprof::record
