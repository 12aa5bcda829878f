// event_codec.cpp — see event_codec.h.
#include "schema/event_codec.h"

#include <stdexcept>

#include <zstd.h>

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
    uint32_t varint32() { return static_cast<uint32_t>(varint()); }
};

constexpr int kCompressionLevel = 3;

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
        case EventKind::PhaseBegin:
            put_varint(out, e.name.size());
            out.insert(out.end(), e.name.begin(), e.name.end());
            break;
        case EventKind::PhaseEnd:
            break;
        case EventKind::Ops:
            put_varint(out, e.count);
            break;
    }
}

bool decode_events(const unsigned char* data, size_t size, uint64_t first_block,
                   const std::function<void(const Event&)>& visit) {
    Cursor c{data, data + size};
    uint64_t next_block = first_block;
    uint64_t last_tick_ns = 0;
    while (c.p < c.end) {
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
                e.block = next_block - 1 - c.varint();
                break;
            case EventKind::Realloc:
                e.thread = c.varint32();
                e.node = c.varint32();
                e.size = c.varint();
                e.old_block = next_block - 1 - c.varint();
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
                if (!c.ok || n > uint64_t(c.end - c.p)) return false;
                e.name.assign(reinterpret_cast<const char*>(c.p), n);
                c.p += n;
                break;
            }
            case EventKind::PhaseEnd:
                break;
            case EventKind::Ops:
                e.count = c.varint();
                break;
            default:
                return false;
        }
        if (!c.ok) return false;
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

void for_each_event(Database& db, int64_t run_id, const std::function<void(const Event&)>& visit) {
    auto chunks = db.prepare(
        "SELECT chunk_index, first_block, raw_bytes, data FROM event_chunks WHERE run_id = ? "
        "ORDER BY chunk_index");
    chunks.bind(1, run_id);
    std::vector<unsigned char> raw;
    while (chunks.step()) {
        auto data = chunks.blob(3);
        raw.resize(static_cast<size_t>(chunks.int64(2)));
        size_t n = ZSTD_decompress(raw.data(), raw.size(), data.data(), data.size());
        if (ZSTD_isError(n) || n != raw.size() ||
            !decode_events(raw.data(), raw.size(), static_cast<uint64_t>(chunks.int64(1)), visit))
            throw DatabaseError(db.path() + ": event chunk " + std::to_string(chunks.int64(0)) +
                                " of run " + std::to_string(run_id) + " is damaged");
    }
}

}  // namespace allocprof::schema
