// event_codec.cpp — see event_codec.h.
#include "schema/event_codec.h"

#include <algorithm>
#include <stdexcept>

#include <zstd.h>

#include "schema/utf8_text.h"

namespace allocprof::schema {
namespace {

inline void put_varint(std::vector<unsigned char>& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<unsigned char>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<unsigned char>(v));
}

struct Cursor {
    const unsigned char* p;
    const unsigned char* end;
    bool ok = true;

    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) {
                ok = false;
                return 0;
            }
            unsigned char b = *p++;
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        ok = false;
        return 0;
    }
    // A thread or node id: a larger value is malformed, never silently cut to 32 bits.
    uint32_t varint32() {
        const uint64_t v = varint();
        if (v > UINT32_MAX) {
            ok = false;
            return 0;
        }
        return static_cast<uint32_t>(v);
    }
};

constexpr int kCompressionLevel = 3;
// A chunk is flushed once it holds chunk_raw_bytes (4 MiB by default) plus one event; a
// row that claims more is damaged, and is not given the memory it asks for.
constexpr int64_t kMaxChunkRawBytes = int64_t(1) << 30;
// Threads a run the recorder did not finish may name (it wrote no totals).
constexpr uint32_t kMaxThreadsOfAnUnfinishedRun = 1u << 20;

}  // namespace

void encode_event(const Event& e, uint64_t& next_block, uint64_t& last_tick_ns,
                  std::vector<unsigned char>& out) {
    // Block ids are implicit in the encoding (each allocation gets the next one): the id the
    // recorder gave the block must be that one, or every later reference would be misread.
    if ((e.kind == EventKind::Alloc || e.kind == EventKind::Realloc) && e.block != next_block)
        throw std::logic_error("event stream: block " + std::to_string(e.block) +
                               " allocated out of order (expected " + std::to_string(next_block) + ")");
    out.push_back(static_cast<unsigned char>(static_cast<uint8_t>(e.kind) | (e.fn << 4)));
    switch (e.kind) {
        case EventKind::Alloc:
            put_varint(out, e.thread);
            put_varint(out, e.node);
            put_varint(out, e.size);
            ++next_block;
            break;
        case EventKind::Free:
            put_varint(out, e.thread);
            put_varint(out, next_block - 1 - e.block);
            break;
        case EventKind::Realloc:
            put_varint(out, e.thread);
            put_varint(out, e.node);
            put_varint(out, e.size);
            put_varint(out, next_block - 1 - e.old_block);
            out.push_back(e.moved ? 1 : 0);
            ++next_block;
            break;
        case EventKind::Mmap:
            put_varint(out, e.thread);
            put_varint(out, e.node);
            put_varint(out, e.addr);
            put_varint(out, e.length);
            break;
        case EventKind::Munmap:
            put_varint(out, e.thread);
            put_varint(out, e.addr);
            put_varint(out, e.length);
            break;
        case EventKind::Mremap:
            put_varint(out, e.thread);
            put_varint(out, e.addr);
            put_varint(out, e.length);
            put_varint(out, e.new_addr);
            put_varint(out, e.new_length);
            break;
        case EventKind::Tick:
            put_varint(out, e.time_ns - last_tick_ns);
            put_varint(out, e.rss_bytes);
            last_tick_ns = e.time_ns;
            break;
        case EventKind::PhaseBegin: {
            const std::string name = valid_utf8(e.name);  // the target's bytes, stored as UTF-8
            put_varint(out, name.size());
            out.insert(out.end(), name.begin(), name.end());
            break;
        }
        case EventKind::PhaseEnd:
            break;
        case EventKind::Ops:
            put_varint(out, e.count);
            break;
    }
}

bool decode_events(const unsigned char* data, size_t size, uint64_t first_block,
                   const std::function<void(const Event&)>& visit, std::string* problem) {
    Cursor c{data, data + size};
    uint64_t next_block = first_block;
    uint64_t last_tick_ns = 0;
    uint64_t index = 0;
    const auto fail = [&](const std::string& what) {
        if (problem) *problem = "event " + std::to_string(index) + " of the chunk " + what;
        return false;
    };
    // A released block is named by its distance back from the newest: one that reaches
    // before block 0 names a block that was never allocated.
    const auto released = [&](uint64_t distance, uint64_t& block) {
        if (distance >= next_block) return false;
        block = next_block - 1 - distance;
        return true;
    };
    for (; c.p < c.end; ++index) {
        Event e;  // fresh per event: fields of one kind never leak into the next
        unsigned char tag = *c.p++;
        e.kind = static_cast<EventKind>(tag & 0x0f);
        e.fn = static_cast<uint8_t>(tag >> 4);
        switch (e.kind) {
            case EventKind::Alloc:
                e.thread = c.varint32();
                e.node = c.varint32();
                e.size = c.varint();
                e.block = next_block++;
                break;
            case EventKind::Free:
                e.thread = c.varint32();
                if (!released(c.varint(), e.block) && c.ok)
                    return fail("frees a block that was never allocated (before block 0)");
                break;
            case EventKind::Realloc:
                e.thread = c.varint32();
                e.node = c.varint32();
                e.size = c.varint();
                if (!released(c.varint(), e.old_block) && c.ok)
                    return fail("reallocates a block that was never allocated (before block 0)");
                e.moved = c.varint() != 0;
                e.block = next_block++;
                break;
            case EventKind::Mmap:
                e.thread = c.varint32();
                e.node = c.varint32();
                e.addr = c.varint();
                e.length = c.varint();
                break;
            case EventKind::Munmap:
                e.thread = c.varint32();
                e.addr = c.varint();
                e.length = c.varint();
                break;
            case EventKind::Mremap:
                e.thread = c.varint32();
                e.addr = c.varint();
                e.length = c.varint();
                e.new_addr = c.varint();
                e.new_length = c.varint();
                break;
            case EventKind::Tick:
                e.time_ns = last_tick_ns + c.varint();
                e.rss_bytes = c.varint();
                last_tick_ns = e.time_ns;
                break;
            case EventKind::PhaseBegin: {
                uint64_t n = c.varint();
                if (!c.ok || n > uint64_t(c.end - c.p)) return fail("has a phase name longer than the chunk");
                e.name = valid_utf8({reinterpret_cast<const char*>(c.p), static_cast<size_t>(n)});
                c.p += n;
                break;
            }
            case EventKind::PhaseEnd:
                break;
            case EventKind::Ops:
                e.count = c.varint();
                break;
            default:
                return fail("has an unknown kind " + std::to_string(tag & 0x0f));
        }
        if (!c.ok) return fail("is cut short or holds a value too large for its field");
        visit(e);
    }
    return true;
}

EventChunkWriter::EventChunkWriter(Database& db, int64_t run_id, size_t chunk_raw_bytes)
    : db_(db), run_id_(run_id), chunk_raw_bytes_(chunk_raw_bytes) {
    raw_.reserve(chunk_raw_bytes_ + 1024);
}

void EventChunkWriter::append(const Event& event) {
    encode_event(event, next_block_, last_tick_ns_, raw_);
    ++events_;
    ++chunk_events_;
    if (raw_.size() >= chunk_raw_bytes_) flush();
}

void EventChunkWriter::flush() {
    if (chunk_events_ == 0) return;
    compressed_.resize(ZSTD_compressBound(raw_.size()));
    size_t n = ZSTD_compress(compressed_.data(), compressed_.size(), raw_.data(), raw_.size(),
                             kCompressionLevel);
    if (ZSTD_isError(n))
        throw DatabaseError(db_.path() + ": compressing events failed: " + ZSTD_getErrorName(n));
    auto insert = db_.prepare(
        "INSERT INTO event_chunks(run_id, chunk_index, first_event, first_block, event_count, "
        "raw_bytes, data) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.bind_all(run_id_, chunk_index_, chunk_first_event_, chunk_first_block_, chunk_events_,
                    static_cast<uint64_t>(raw_.size()))
        .bind_blob(7, {compressed_.data(), n});
    insert.run();
    stored_bytes_ += n;
    ++chunk_index_;
    chunk_first_event_ = events_;
    chunk_first_block_ = next_block_;
    chunk_events_ = 0;
    last_tick_ns_ = 0;
    raw_.clear();
}

EventLimits event_limits(Database& db, int64_t run_id) {
    EventLimits limits;
    auto s = db.prepare(
        "SELECT complete, threads, event_count, "
        "(SELECT coalesce(max(node_id), 0) FROM trace_nodes WHERE run_id = ?1) FROM runs WHERE run_id = ?1");
    s.bind(1, run_id);
    if (!s.step()) return limits;
    limits.complete = s.int64(0) != 0;
    limits.events = static_cast<uint64_t>(std::max<int64_t>(s.int64(2), 0));
    const auto clamp = [](int64_t v) { return static_cast<uint32_t>(std::clamp<int64_t>(v, 0, UINT32_MAX - 1)); };
    if (limits.complete) {
        limits.max_thread = clamp(s.int64(1));
        limits.max_node = clamp(s.int64(3));
    } else {
        // The recorder stopped before writing the totals: bound the threads so that a
        // table indexed by thread stays small, and leave the stacks to the site map.
        limits.max_thread = std::max<uint32_t>(clamp(s.int64(1)), kMaxThreadsOfAnUnfinishedRun);
    }
    return limits;
}

std::string impossible_ids(const Event& e, const EventLimits& limits) {
    const bool has_thread = e.kind == EventKind::Alloc || e.kind == EventKind::Free || e.kind == EventKind::Realloc ||
                            e.kind == EventKind::Mmap || e.kind == EventKind::Munmap || e.kind == EventKind::Mremap;
    const bool has_node = e.kind == EventKind::Alloc || e.kind == EventKind::Realloc || e.kind == EventKind::Mmap;
    if (has_thread && e.thread > limits.max_thread)
        return "names thread " + std::to_string(e.thread) + " (the run has " + std::to_string(limits.max_thread) +
               (limits.max_thread == 1 ? " thread)" : " threads)");
    if (has_node && e.node > limits.max_node)
        return "names stack node " + std::to_string(e.node) + " (the run's largest is " +
               std::to_string(limits.max_node) + ")";
    return "";
}

void for_each_event(Database& db, int64_t run_id, const std::function<void(const Event&)>& visit) {
    const EventLimits limits = event_limits(db, run_id);
    const std::string run = std::to_string(run_id);
    auto chunks = db.prepare(
        "SELECT chunk_index, first_event, first_block, event_count, raw_bytes, data FROM event_chunks "
        "WHERE run_id = ? ORDER BY chunk_index");
    chunks.bind(1, run_id);
    std::vector<unsigned char> raw;
    int64_t expected_index = 0;
    uint64_t events = 0;       // decoded so far, in every chunk
    uint64_t next_block = 0;   // the id the next allocation gets
    while (chunks.step()) {
        const int64_t index = chunks.int64(0);
        const std::string where = db.path() + ": event chunk " + std::to_string(index) + " of run " + run;
        if (index != expected_index)
            throw DatabaseError(db.path() + ": event chunk " + std::to_string(expected_index) + " of run " + run +
                                " is missing (the next stored is chunk " + std::to_string(index) + ")");
        ++expected_index;
        if (chunks.int64(1) != static_cast<int64_t>(events))
            throw DatabaseError(where + " starts at event " + std::to_string(chunks.int64(1)) +
                                ", but the chunks before it hold " + std::to_string(events));
        if (chunks.int64(2) != static_cast<int64_t>(next_block))
            throw DatabaseError(where + " gives its first allocation block " + std::to_string(chunks.int64(2)) +
                                ", but the chunks before it allocated " + std::to_string(next_block));
        auto data = chunks.blob(5);
        // The size the row claims must be the frame's own, and bounded, before memory is
        // reserved for it.
        const unsigned long long frame_size = ZSTD_getFrameContentSize(data.data(), data.size());
        const int64_t raw_bytes = chunks.int64(4);
        if (raw_bytes < 0 || raw_bytes > kMaxChunkRawBytes || frame_size != static_cast<unsigned long long>(raw_bytes))
            throw DatabaseError(where + " is damaged (its data is not a zstd frame of " + std::to_string(raw_bytes) +
                                " bytes)");
        raw.resize(static_cast<size_t>(raw_bytes));
        size_t n = ZSTD_decompress(raw.data(), raw.size(), data.data(), data.size());
        if (ZSTD_isError(n) || n != raw.size())
            throw DatabaseError(where + " is damaged (its data does not decompress)");
        uint64_t in_chunk = 0;
        std::string problem;
        const bool decoded = decode_events(
            raw.data(), raw.size(), next_block,
            [&](const Event& e) {
                const std::string impossible = impossible_ids(e, limits);
                if (!impossible.empty())
                    throw DatabaseError(where + " is damaged: event " + std::to_string(in_chunk) + " of the chunk " +
                                        impossible);
                if (e.kind == EventKind::Alloc || e.kind == EventKind::Realloc) next_block = e.block + 1;
                ++in_chunk;
                visit(e);
            },
            &problem);
        if (!decoded) throw DatabaseError(where + " is damaged: " + problem);
        if (chunks.int64(3) != static_cast<int64_t>(in_chunk))
            throw DatabaseError(where + " holds " + std::to_string(in_chunk) + " events, its row says " +
                                std::to_string(chunks.int64(3)));
        events += in_chunk;
    }
    if (limits.complete && events != limits.events)
        throw DatabaseError(db.path() + ": the event chunks of run " + run + " hold " + std::to_string(events) +
                            " events, its totals say " + std::to_string(limits.events));
}

}  // namespace allocprof::schema
