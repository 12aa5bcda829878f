// run_ingestor.cpp — see run_ingestor.h.
#include "record/run_ingestor.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace allocprof::record {

using schema::Event;
using schema::EventKind;
using namespace allocprof::wire;

RunIngestor::RunIngestor(schema::Database& db, const RunStart& start) : db_(db), start_(start) {
    auto insert = db_.prepare(
        "INSERT INTO runs(scenario, command, cwd, hostname, tool_version, wire_version, pid, "
        "start_unix_ns, ops, ops_source, events_stored, max_frames) "
        "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)");
    insert.bind(1, start.scenario.empty() ? std::nullopt : std::optional<std::string>(start.scenario));
    insert.bind(2, nlohmann::json(start.command).dump())
        .bind(3, start.cwd)
        .bind(4, start.hostname)
        .bind(5, ALLOCPROF_VERSION)
        .bind(6, static_cast<int64_t>(kWireVersion))
        .bind(7, start.start_unix_ns);
    if (start.ops)
        insert.bind(8, *start.ops).bind(9, "command-line");
    else
        insert.bind_null(8).bind_null(9);
    insert.bind(10, start.store_events ? 1 : 0);
    if (start.max_frames)
        insert.bind(11, *start.max_frames);
    else
        insert.bind_null(11);
    insert.run();
    run_id_ = db_.last_insert_rowid();
    if (start.store_events) events_.emplace(db, run_id_);
}

uint32_t RunIngestor::thread_id(uint32_t wire_thread) {
    uint32_t id = thread_base_ + wire_thread;
    thread_allocs_.ensure(id);
    return id;
}

RunIngestor::NodeStats& RunIngestor::stats(uint32_t node) {
    if (node >= stats_slot_.size()) stats_slot_.resize(std::max<size_t>(node + 1, stats_slot_.size() * 2));
    uint32_t& slot = stats_slot_[node];
    if (slot == 0) {
        stats_.emplace_back().node = node;
        slot = static_cast<uint32_t>(stats_.size());
    }
    return stats_[slot - 1];
}

void RunIngestor::emit(const Event& e) {
    ++totals_.events;
    if (events_) events_->append(e);
}

void RunIngestor::after_live_increase() {
    if (totals_.live_bytes > totals_.peak_live_bytes) {
        totals_.peak_live_bytes = totals_.live_bytes;
        totals_.peak_live_event = totals_.events - 1;  // the event just emitted
        totals_.peak_live_ns = now_ns_;
        totals_.peak_live_blocks = totals_.live_blocks;
        peak_.new_peak();
    }
}

uint64_t RunIngestor::add_block(uint32_t thread, uint32_t node, uint64_t address, uint64_t size,
                                uint8_t fn) {
    uint64_t block = next_block_++;
    uint64_t seq = thread_allocs_.count(thread);
    LiveBlock lost;
    if (live_.insert(address, LiveBlock{block, size, seq, node, thread}, &lost)) {
        // The address is handed out again while we think it is live: its free was never
        // seen. Account it as freed here (its event goes before the allocation's) so that
        // the stream stays consistent.
        ++totals_.lost_frees;
        release_block(lost, thread);
        emit(Event{.kind = EventKind::Free, .thread = thread, .block = lost.block});
    }
    heaptrack_temporaries_.on_alloc(size, native_leaf(node));
    NodeStats& s = stats(node);
    peak_.before_change(s.peak, s.live_bytes);
    ++s.allocations;
    s.bytes += size;
    ++s.live_blocks;
    s.live_bytes += size;
    s.max_live = std::max(s.max_live, s.live_bytes);
    s.min_size = std::min(s.min_size, size);
    s.max_size = std::max(s.max_size, size);
    const auto bucket = static_cast<uint8_t>(size_bucket(size));
    auto bin = std::find_if(s.sizes.begin(), s.sizes.end(),
                            [&](const SizeBin& b) { return b.bucket == bucket; });
    if (bin == s.sizes.end()) {
        s.sizes.push_back({bucket, 1, size});
    } else {
        ++bin->count;
        bin->bytes += size;
    }
    ++totals_.allocations;
    totals_.bytes_allocated += size;
    totals_.live_bytes += size;
    ++totals_.live_blocks;
    ++calls_[fn].calls;
    calls_[fn].bytes += size;
    if (phase_open_) {
        ++phases_.back().allocations;
        phases_.back().bytes += size;
    }
    return block;
}

void RunIngestor::release_block(const LiveBlock& block, uint32_t thread) {
    heaptrack_temporaries_.on_free(block.size, native_leaf(block.node));
    NodeStats& s = stats(block.node);
    peak_.before_change(s.peak, s.live_bytes);
    ++s.frees;
    --s.live_blocks;
    s.live_bytes -= block.size;
    const uint64_t others = thread_allocs_.since(thread, block.thread_seq);
    if (schema::is_temporary(block.thread, thread, others, 0)) {
        ++s.temp_k0;
        ++totals_.temporary_k0;
    }
    if (schema::is_temporary(block.thread, thread, others, 1)) {
        ++s.temp_k1;
        ++totals_.temporary_k1;
    }
    ++totals_.frees;
    totals_.live_bytes -= block.size;
    --totals_.live_blocks;
}

// ---- records ------------------------------------------------------------------------------

void RunIngestor::on_hello(const HelloRecord& r) {
    if (hello_count_++ == 0) {
        pid_ = r.pid;
        return;
    }
    // An exec in the same process: the old image's heap is gone. Its live blocks stay
    // counted as unfreed; the new image numbers its nodes and threads from 1 again.
    node_base_ = static_cast<uint32_t>(nodes_.size() - 1);
    thread_base_ = static_cast<uint32_t>(thread_count());
    script_base_ = static_cast<uint32_t>(script_functions_.size());
    if (live_.size() > 0)
        notes_.push_back("the target exec'd a new program in the same process; " +
                         std::to_string(live_.size()) +
                         " blocks of the previous program are counted as unfreed");
    live_ = LiveBlockMap();
    ranges_.clear();
}

void RunIngestor::on_module_map_begin() { building_ranges_.clear(); }

void RunIngestor::on_module(const ModuleRecord& r, std::span<const SegmentRecord> segments,
                            std::string_view path, std::span<const unsigned char> build_id) {
    // Records are packed: copy fields out before binding references to them.
    const uint64_t load_bias = r.load_bias;
    auto key = std::make_pair(std::string(path), load_bias);
    auto found = module_ids_.find(key);
    int32_t id;
    if (found == module_ids_.end()) {
        id = static_cast<int32_t>(modules_.size());
        Module m;
        m.path = key.first;
        m.load_bias = load_bias;
        static const char* hex = "0123456789abcdef";
        for (unsigned char b : build_id) {
            m.build_id.push_back(hex[b >> 4]);
            m.build_id.push_back(hex[b & 15]);
        }
        m.text_start = UINT64_MAX;
        for (const auto& seg : segments) {
            if (!seg.executable) continue;
            const uint64_t start = seg.start, end = seg.start + seg.size;
            m.text_start = std::min(m.text_start, start);
            m.text_end = std::max(m.text_end, end);
        }
        if (m.text_start == UINT64_MAX) m.text_start = 0;
        modules_.push_back(std::move(m));
        module_ids_.emplace(std::move(key), id);
    } else {
        id = found->second;
    }
    for (const auto& seg : segments)
        if (seg.executable) building_ranges_.push_back({seg.start, seg.start + seg.size, id});
}

void RunIngestor::on_module_map_end() {
    ranges_ = building_ranges_;
    std::sort(ranges_.begin(), ranges_.end(),
              [](const CodeRange& a, const CodeRange& b) { return a.start < b.start; });
}

void RunIngestor::on_trace_edge(const TraceEdgeRecord& r) {
    uint32_t id = node_id(r.node);
    if (id >= nodes_.size()) nodes_.resize(id + 1);
    Node& n = nodes_[id];
    n.parent = node_id(r.parent);
    n.announced = true;
    const uint64_t ip = r.ip;  // a copy: upper_bound binds a reference, the record is packed
    n.truncated = n.parent < nodes_.size() ? nodes_[n.parent].truncated : 0;
    if (is_truncated_frame_ip(ip) && n.parent == 0) {  // the root-most frame of a cut stack
        n.truncation_node = true;
        n.truncated = std::max<uint32_t>(truncated_frame_limit(ip), 1);
        n.native_leaf = id;
        return;
    }
    if (is_script_frame_ip(ip)) {  // renumbered past the functions of earlier images
        n.script_function = script_frame_function(ip) + script_base_;
        n.script_line = script_frame_line(ip);
        n.native_leaf = n.parent < nodes_.size() ? nodes_[n.parent].native_leaf : n.parent;
        return;
    }
    n.ip = ip;
    n.native_leaf = id;
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), ip,
                               [](uint64_t a, const CodeRange& c) { return a < c.start; });
    if (it != ranges_.begin() && ip < (it - 1)->end) {
        n.module = (it - 1)->module;
        const Module& m = modules_[static_cast<size_t>(n.module)];
        n.rel_pc = ip - m.load_bias;
        if (frame_listener_) frame_listener_(m.path, m.build_id, n.rel_pc);
    }
}

void RunIngestor::on_alloc(const AllocRecord& r) {
    uint32_t thread = thread_id(r.thread);
    uint32_t node = node_id(r.node);
    uint8_t fn = static_cast<uint8_t>(r.fn);
    Event e{.kind = EventKind::Alloc, .fn = fn, .thread = thread, .node = node, .size = r.size};
    e.block = add_block(thread, node, r.ptr, r.size, fn);
    emit(e);
    after_live_increase();
}

void RunIngestor::on_free(const FreeRecord& r) {
    uint32_t thread = thread_id(r.thread);
    LiveBlock block;
    if (!live_.erase(r.ptr, &block)) {
        ++totals_.unmatched_frees;
        return;
    }
    release_block(block, thread);
    ++calls_[static_cast<uint8_t>(r.fn)].calls;
    emit(Event{.kind = EventKind::Free, .fn = static_cast<uint8_t>(r.fn), .thread = thread,
               .block = block.block});
}

void RunIngestor::on_realloc(const ReallocRecord& r) {
    uint32_t thread = thread_id(r.thread);
    uint32_t node = node_id(r.node);
    uint8_t fn = static_cast<uint8_t>(r.fn);
    LiveBlock old;
    if (!live_.erase(r.old_ptr, &old)) {
        // The old block was never seen: treat the result as a fresh allocation.
        ++totals_.unmatched_frees;
        on_alloc(AllocRecord{RecordType::Alloc, r.fn, r.thread, r.node, r.new_ptr, r.size});
        return;
    }
    release_block(old, thread);
    Event e{.kind = EventKind::Realloc, .fn = fn, .thread = thread, .node = node, .size = r.size,
            .old_block = old.block, .moved = r.new_ptr != r.old_ptr};
    e.block = add_block(thread, node, r.new_ptr, r.size, fn);
    ++totals_.reallocs;
    ++stats(node).reallocs;
    emit(e);
    after_live_increase();
}

void RunIngestor::on_mmap(const MmapRecord& r) {
    ++totals_.mmap_calls;
    totals_.mmap_bytes += r.length;
    auto& c = calls_[static_cast<uint8_t>(HookFn::Mmap)];
    ++c.calls;
    c.bytes += r.length;
    emit(Event{.kind = EventKind::Mmap, .fn = static_cast<uint8_t>(HookFn::Mmap),
               .thread = thread_id(r.thread), .node = node_id(r.node), .addr = r.addr,
               .length = r.length});
}

void RunIngestor::on_munmap(const MunmapRecord& r) {
    ++totals_.munmap_calls;
    ++calls_[static_cast<uint8_t>(HookFn::Munmap)].calls;
    emit(Event{.kind = EventKind::Munmap, .fn = static_cast<uint8_t>(HookFn::Munmap),
               .thread = thread_id(r.thread), .addr = r.addr, .length = r.length});
}

void RunIngestor::on_mremap(const MremapRecord& r) {
    ++calls_[static_cast<uint8_t>(HookFn::Mremap)].calls;
    emit(Event{.kind = EventKind::Mremap, .fn = static_cast<uint8_t>(HookFn::Mremap),
               .thread = thread_id(r.thread), .addr = r.old_addr, .length = r.old_length,
               .new_addr = r.new_addr, .new_length = r.new_length});
}

void RunIngestor::on_tick(const TickRecord& r) {
    now_ns_ = r.time_ns;
    last_rss_ = r.rss_bytes;
    series_.push_back({r.time_ns, totals_.events, totals_.live_bytes, totals_.live_blocks,
                       r.rss_bytes});
    emit(Event{.kind = EventKind::Tick, .time_ns = r.time_ns, .rss_bytes = r.rss_bytes});
}

void RunIngestor::on_end(const TickRecord& r) {
    on_tick(r);
    saw_end_ = true;
}

void RunIngestor::sample_at_event() {
    series_.push_back({now_ns_, totals_.events, totals_.live_bytes, totals_.live_blocks, last_rss_});
}

void RunIngestor::close_phase() {
    if (!phase_open_) return;
    sample_at_event();
    phases_.back().end_event = totals_.events;
    phases_.back().end_ns = now_ns_;
    phase_open_ = false;
}

void RunIngestor::on_phase_begin(std::string_view name) {
    close_phase();  // phases do not nest
    Phase p;
    p.name = std::string(name);
    p.begin_event = totals_.events;
    p.begin_ns = now_ns_;
    phases_.push_back(std::move(p));
    sample_at_event();
    phase_open_ = true;
    emit(Event{.kind = EventKind::PhaseBegin, .name = std::string(name)});
}

void RunIngestor::on_phase_end() {
    emit(Event{.kind = EventKind::PhaseEnd});
    close_phase();
}

void RunIngestor::on_ops(const OpsRecord& r) {
    totals_.ops += r.count;
    totals_.saw_ops = true;
    if (phase_open_) phases_.back().ops += r.count;
    emit(Event{.kind = EventKind::Ops, .count = r.count});
}

// ---- output -------------------------------------------------------------------------------

void RunIngestor::on_script_function(const ScriptFunctionRecord& r, std::string_view name,
                                     std::string_view file) {
    script_functions_.push_back(
        {r.id + script_base_, r.language, r.first_line, std::string(name), std::string(file)});
}

void RunIngestor::on_gc_cycle(const GcCycleRecord& r) {
    std::optional<int64_t> phase;
    if (phase_open_) phase = static_cast<int64_t>(phases_.size() - 1);
    gc_cycles_.push_back({r.language, r.generation, thread_id(r.thread), r.time_ns,
                          totals_.events, totals_.ops, phase});
}

void RunIngestor::finish(const RunEnd& end) {
    if (events_) events_->flush();
    close_phase();
    note_how_it_ended(end);
    schema::Transaction t(db_);
    write_tables();
    write_run_row(end);
    t.commit();
}

void RunIngestor::note_how_it_ended(const RunEnd& end) {
    if (!end.failure.empty()) {
        // Whatever else is missing (the program's hello, its end) follows from that.
        notes_.push_back("recording stopped early: " + end.failure);
        return;
    }
    if (hello_count_ == 0)
        notes_.push_back(
            "the program never loaded the preload library (statically linked, setuid, or it "
            "cleared LD_PRELOAD): nothing was recorded");
    else if (!saw_end_)
        notes_.push_back(end.exit.exited
                             ? "the traced program ended without running its exit handlers: it "
                               "called _exit, or exec'd a program that does not load the preload "
                               "library (statically linked, setuid, or run with LD_PRELOAD cleared); "
                               "what happened after that is not recorded"
                             : "the program was killed by signal " + std::to_string(end.exit.term_signal) +
                                   ": the database holds everything it recorded before it died");
}

// The target's own peak resident set: what its image reported at exit, else (killed, or
// _exit) the largest of its samples. Not the exit status's ru_maxrss: Linux folds the peak
// of the image before exec into it, and that image was the profiler's forked copy (13 MB
// for a program that peaks at 1 MB).
uint64_t RunIngestor::peak_rss_bytes() const {
    if (peak_rss_ > 0) return peak_rss_;
    uint64_t sampled = 0;
    for (const auto& point : series_) sampled = std::max(sampled, point.rss_bytes);
    return sampled;
}

void RunIngestor::write_run_row(const RunEnd& end) {
    const RunTotals& t = totals_;
    auto update = db_.prepare(
        "UPDATE runs SET pid = ?, end_unix_ns = ?, duration_s = ?, exit_status = ?, "
        "term_signal = ?, truncated = ?, complete = 1, traced = ?, ops = ?, ops_source = ?, "
        "allocations = ?, frees = ?, reallocs = ?, bytes_allocated = ?, peak_live_bytes = ?, "
        "peak_live_event = ?, peak_live_ns = ?, unfreed_blocks = ?, unfreed_bytes = ?, "
        "temporary_allocations = ?, temporary_allocations_k1 = ?, temporary_heaptrack = ?, unmatched_frees = ?, "
        "mmap_calls = ?, mmap_bytes = ?, munmap_calls = ?, threads = ?, peak_rss_bytes = ?, "
        "target_user_s = ?, target_system_s = ?, event_count = ?, notes = ?, truncated_stacks = ?, "
        "truncated_allocations = ? WHERE run_id = ?");
    int i = 1;
    update.bind(i++, static_cast<int64_t>(pid_));
    update.bind(i++, end.end_unix_ns);
    update.bind(i++, static_cast<double>(end.end_unix_ns - start_.start_unix_ns) / 1e9);
    if (end.exit.exited) {
        update.bind(i++, end.exit.exit_status);
        update.bind_null(i++);
    } else {
        update.bind_null(i++);
        update.bind(i++, end.exit.term_signal);
    }
    update.bind(i++, saw_end_ ? 0 : 1);
    update.bind(i++, hello_count_ > 0 ? 1 : 0);
    if (start_.ops) {
        update.bind(i++, *start_.ops);
        update.bind(i++, "command-line");
    } else if (t.saw_ops) {
        update.bind(i++, t.ops);
        update.bind(i++, "markers");
    } else {
        update.bind_null(i++);
        update.bind_null(i++);
    }
    for (uint64_t v : {t.allocations, t.frees, t.reallocs, t.bytes_allocated, t.peak_live_bytes,
                       t.peak_live_event, t.peak_live_ns, t.live_blocks, t.live_bytes,
                       t.temporary_k0, t.temporary_k1, heaptrack_temporaries_.count(), t.unmatched_frees, t.mmap_calls,
                       t.mmap_bytes, t.munmap_calls, thread_count()})
        update.bind(i++, v);
    update.bind(i++, peak_rss_bytes());
    auto seconds = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
    update.bind(i++, seconds(end.exit.usage.ru_utime));
    update.bind(i++, seconds(end.exit.usage.ru_stime));
    update.bind(i++, start_.store_events ? t.events : 0);
    update.bind(i++, nlohmann::json(notes_).dump());
    uint64_t truncated_stacks = 0, truncated_allocations = 0;
    for (const NodeStats& s : stats_) {
        if (s.allocations == 0 || !stack_truncated(s.node)) continue;
        ++truncated_stacks;
        truncated_allocations += s.allocations;
    }
    update.bind(i++, truncated_stacks);
    update.bind(i++, truncated_allocations);
    update.bind(i++, run_id_);
    update.run();
}

void RunIngestor::write_tables() {
    // The nodes' figures in node order, as a slot per node gave them.
    std::vector<const NodeStats*> by_node;
    by_node.reserve(stats_.size());
    for (const NodeStats& s : stats_) by_node.push_back(&s);
    std::sort(by_node.begin(), by_node.end(), [](const NodeStats* a, const NodeStats* b) { return a->node < b->node; });
    {
        auto insert = db_.prepare(
            "INSERT INTO function_calls(run_id, function, calls, bytes) VALUES (?, ?, ?, ?)");
        for (int fn = 1; fn < kHookFnCount; ++fn) {
            if (calls_[fn].calls == 0) continue;
            insert.bind_all(run_id_, hook_fn_name(static_cast<HookFn>(fn)), calls_[fn].calls,
                            calls_[fn].bytes);
            insert.run();
        }
    }
    {
        auto insert = db_.prepare(
            "INSERT INTO modules(run_id, module_id, path, build_id, load_bias, text_start, "
            "text_end) VALUES (?, ?, ?, ?, ?, ?, ?)");
        for (size_t i = 0; i < modules_.size(); ++i) {
            const Module& m = modules_[i];
            insert.bind(1, run_id_).bind(2, static_cast<int64_t>(i)).bind(3, m.path);
            if (m.build_id.empty())
                insert.bind_null(4);
            else
                insert.bind(4, m.build_id);
            insert.bind(5, m.load_bias).bind(6, m.text_start).bind(7, m.text_end);
            insert.run();
        }
    }
    {
        auto insert = db_.prepare(
            "INSERT INTO trace_nodes(run_id, node_id, parent_id, ip, module_id, rel_pc, "
            "script_function_id, script_line, truncated_beyond) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (size_t i = 1; i < nodes_.size(); ++i) {
            const Node& n = nodes_[i];
            if (!n.announced) continue;  // a gap in the numbering (cannot happen)
            insert.bind(1, run_id_).bind(2, static_cast<int64_t>(i)).bind(3, n.parent).bind(4, n.ip);
            if (n.module >= 0)
                insert.bind(5, n.module).bind(6, n.rel_pc);
            else
                insert.bind_null(5).bind_null(6);
            if (n.script_function != 0)
                insert.bind(7, n.script_function).bind(8, n.script_line);
            else
                insert.bind_null(7).bind_null(8);
            if (n.truncation_node)
                insert.bind(9, n.truncated);
            else
                insert.bind_null(9);
            insert.run();
        }
    }
    {
        auto insert = db_.prepare(
            "INSERT INTO stack_stats(run_id, node_id, allocations, bytes_allocated, frees, "
            "reallocs, live_end_blocks, live_end_bytes, live_at_peak_bytes, max_live_bytes, "
            "temporary_k0, temporary_k1, min_size, max_size, truncated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (const NodeStats* stats : by_node) {
            const NodeStats& s = *stats;
            if (s.allocations == 0) continue;
            const uint64_t at_peak = peak_.live_at_peak(s.peak, s.live_bytes);
            insert.bind_all(run_id_, static_cast<int64_t>(s.node), s.allocations, s.bytes, s.frees,
                            s.reallocs, s.live_blocks, s.live_bytes, at_peak, s.max_live,
                            s.temp_k0, s.temp_k1, s.min_size, s.max_size,
                            stack_truncated(s.node) ? 1 : 0);
            insert.run();
        }
    }
    {
        auto insert = db_.prepare(
            "INSERT INTO stack_size_histogram(run_id, node_id, bucket, count, bytes) "
            "VALUES (?, ?, ?, ?, ?)");
        for (const NodeStats* stats : by_node) {
            const NodeStats& s = *stats;
            std::vector<SizeBin> bins = s.sizes;
            std::sort(bins.begin(), bins.end(),
                      [](const SizeBin& a, const SizeBin& b) { return a.bucket < b.bucket; });
            for (const SizeBin& b : bins) {
                insert.bind_all(run_id_, static_cast<int64_t>(s.node), static_cast<int64_t>(b.bucket),
                                b.count, b.bytes);
                insert.run();
            }
        }
    }
    {
        auto insert = db_.prepare(
            "INSERT OR REPLACE INTO memory_series(run_id, t_ns, event_index, live_bytes, "
            "live_blocks, rss_bytes) VALUES (?, ?, ?, ?, ?, ?)");
        for (const Sample& s : series_) {
            insert.bind_all(run_id_, s.t_ns, s.event_index, s.live_bytes, s.live_blocks, s.rss_bytes);
            insert.run();
        }
        // The peak itself, so that the curve reaches the reported peak however short it was
        // (a timer sample every 10 ms misses most of a 20 ms compilation).
        if (totals_.peak_live_bytes > 0) {
            uint64_t rss = 0;  // the resident set as of the latest timer sample before it
            for (const Sample& s : series_)
                if (s.event_index <= totals_.peak_live_event) rss = s.rss_bytes;
            insert.bind_all(run_id_, totals_.peak_live_ns, totals_.peak_live_event + 1, totals_.peak_live_bytes,
                            totals_.peak_live_blocks, rss);
            insert.run();
        }
    }
    {
        auto insert = db_.prepare(
            "INSERT INTO phases(run_id, phase_id, name, begin_event, end_event, begin_ns, end_ns, "
            "ops, allocations, bytes_allocated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (size_t i = 0; i < phases_.size(); ++i) {
            const Phase& p = phases_[i];
            insert.bind_all(run_id_, static_cast<int64_t>(i), p.name, p.begin_event, p.end_event,
                            p.begin_ns, p.end_ns, p.ops, p.allocations, p.bytes);
            insert.run();
        }
    }
    write_script_tables();
}

void RunIngestor::write_script_tables() {
    {
        auto insert = db_.prepare(
            "INSERT OR REPLACE INTO script_functions(run_id, function_id, language, name, file, "
            "first_line) VALUES (?, ?, ?, ?, ?, ?)");
        for (const ScriptFunction& f : script_functions_) {
            insert.bind_all(run_id_, f.id, script_language_name(f.language), f.name, f.file,
                            f.first_line);
            insert.run();
        }
    }
    auto insert = db_.prepare(
        "INSERT INTO gc_cycles(run_id, cycle, language, generation, thread, t_ns, event_index, "
        "ops_before, phase_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (size_t i = 0; i < gc_cycles_.size(); ++i) {
        const GcCycle& c = gc_cycles_[i];
        insert.bind_all(run_id_, static_cast<int64_t>(i), script_language_name(c.language),
                        c.generation, c.thread, c.t_ns, c.event_index, c.ops_before, c.phase);
        insert.run();
    }
}

}  // namespace allocprof::record
