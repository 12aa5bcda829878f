// wire_decoder.h — splits the byte stream from the preload library into records and hands
// each to a handler. Bytes arrive in arbitrary pieces; a record cut at the end of a piece
// is kept until the rest arrives.
//
// The reader fails loud: an unknown record type or a Hello with the wrong magic or
// version stops decoding with a message (the stream cannot be resynchronised).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wire/wire_format.h"

namespace allocprof::record {

template <typename Handler>
class WireDecoder {
public:
    explicit WireDecoder(Handler& handler) : handler_(handler) {}

    // Decodes as many whole records as `data` (after any kept partial record) holds.
    // Returns false on a protocol error; error() says what.
    bool feed(std::span<const unsigned char> data) {
        if (!error_.empty()) return false;
        const unsigned char* p = data.data();
        size_t size = data.size();
        // Complete a record cut at the end of the previous piece, copying only what it needs
        // (records are small: a piece is decoded in place, not copied).
        while (!pending_.empty() && size > 0) {
            size_t before = pending_.size();
            size_t take = std::min(size, kMaxRecordBytes);
            pending_.insert(pending_.end(), p, p + take);
            size_t used = decode(pending_.data(), pending_.size());
            if (!error_.empty()) return false;
            if (used == 0) {  // still incomplete: keep everything
                p += take;
                size -= take;
                continue;
            }
            // `used` covers the old partial record and possibly more; skip what it consumed
            // of the new piece and continue there.
            size_t consumed_new = used - before;
            pending_.clear();
            p += consumed_new;
            size -= consumed_new;
        }
        size_t used = decode(p, size);
        if (!error_.empty()) return false;
        pending_.assign(p + used, p + size);
        return true;
    }

    // Bytes of an incomplete record kept from the last piece. Non-zero at the end of the
    // stream means the stream was cut inside a record.
    size_t pending_bytes() const { return pending_.size(); }
    const std::string& error() const { return error_; }

private:
    // Larger than any record (a Module record with 255 segments and a 4 KiB path).
    static constexpr size_t kMaxRecordBytes = 16 * 1024;

    template <typename T>
    static T load(const unsigned char* p) {
        T value;
        std::memcpy(&value, p, sizeof(T));
        return value;
    }

    // The size of the record at p, or 0 if `left` bytes do not hold it whole.
    static size_t record_size(const unsigned char* p, size_t left) {
        using namespace allocprof::wire;
        switch (static_cast<RecordType>(p[0])) {
            case RecordType::Alloc: return sizeof(AllocRecord);
            case RecordType::Free: return sizeof(FreeRecord);
            case RecordType::Realloc: return sizeof(ReallocRecord);
            case RecordType::TraceEdge: return sizeof(TraceEdgeRecord);
            case RecordType::Tick:
            case RecordType::PeakRss:
            case RecordType::End: return sizeof(TickRecord);
            case RecordType::Ops: return sizeof(OpsRecord);
            case RecordType::GcCycle: return sizeof(GcCycleRecord);
            case RecordType::Mmap: return sizeof(MmapRecord);
            case RecordType::Munmap: return sizeof(MunmapRecord);
            case RecordType::Mremap: return sizeof(MremapRecord);
            case RecordType::PhaseEnd:
            case RecordType::ModuleMapBegin:
            case RecordType::ModuleMapEnd:
            case RecordType::TrieReset: return 1;
            default: return 0;  // variable-length or unknown: the main loop deals with it
        }
        (void)left;
    }

    // Runs `kLookahead` records in front of the decoding position and asks the handler to
    // prefetch the address each one touches (the live-block map is far larger than the
    // cache; ingest time is mostly its misses unless they overlap).
    static constexpr int kLookahead = 12;
    void prefetch_ahead(const unsigned char* data, size_t size, size_t& ahead, int& distance) {
        using namespace allocprof::wire;
        while (distance < kLookahead && ahead < size) {
            const unsigned char* p = data + ahead;
            size_t n = record_size(p, size - ahead);
            if (n == 0 || n > size - ahead) {
                ahead = size;  // stop looking ahead in this piece
                return;
            }
            auto type = static_cast<RecordType>(p[0]);
            if (type == RecordType::Alloc)
                handler_.prefetch(load<AllocRecord>(p).ptr);
            else if (type == RecordType::Free)
                handler_.prefetch(load<FreeRecord>(p).ptr);
            else if (type == RecordType::Realloc)
                handler_.prefetch(load<ReallocRecord>(p).old_ptr);
            ahead += n;
            ++distance;
        }
    }

    // Returns the bytes consumed (whole records only).
    size_t decode(const unsigned char* data, size_t size) {
        using namespace allocprof::wire;
        size_t pos = 0;
        size_t ahead = 0;
        int distance = 0;
        while (pos < size) {
            if (ahead <= pos) {
                ahead = pos;
                distance = 0;
            }
            prefetch_ahead(data, size, ahead, distance);
            --distance;
            const unsigned char* p = data + pos;
            size_t left = size - pos;
            auto type = static_cast<RecordType>(p[0]);
            size_t need = 0;
            switch (type) {
                case RecordType::Alloc:
                    need = sizeof(AllocRecord);
                    if (left < need) return pos;
                    handler_.on_alloc(load<AllocRecord>(p));
                    break;
                case RecordType::Free:
                    need = sizeof(FreeRecord);
                    if (left < need) return pos;
                    handler_.on_free(load<FreeRecord>(p));
                    break;
                case RecordType::TraceEdge:
                    need = sizeof(TraceEdgeRecord);
                    if (left < need) return pos;
                    handler_.on_trace_edge(load<TraceEdgeRecord>(p));
                    break;
                case RecordType::Realloc:
                    need = sizeof(ReallocRecord);
                    if (left < need) return pos;
                    handler_.on_realloc(load<ReallocRecord>(p));
                    break;
                case RecordType::Mmap:
                    need = sizeof(MmapRecord);
                    if (left < need) return pos;
                    handler_.on_mmap(load<MmapRecord>(p));
                    break;
                case RecordType::Munmap:
                    need = sizeof(MunmapRecord);
                    if (left < need) return pos;
                    handler_.on_munmap(load<MunmapRecord>(p));
                    break;
                case RecordType::Mremap:
                    need = sizeof(MremapRecord);
                    if (left < need) return pos;
                    handler_.on_mremap(load<MremapRecord>(p));
                    break;
                case RecordType::Tick:
                case RecordType::PeakRss:
                case RecordType::End:
                    need = sizeof(TickRecord);
                    if (left < need) return pos;
                    if (type == RecordType::Tick)
                        handler_.on_tick(load<TickRecord>(p));
                    else if (type == RecordType::PeakRss)
                        handler_.on_peak_rss(load<TickRecord>(p));
                    else
                        handler_.on_end(load<TickRecord>(p));
                    break;
                case RecordType::Ops:
                    need = sizeof(OpsRecord);
                    if (left < need) return pos;
                    handler_.on_ops(load<OpsRecord>(p));
                    break;
                case RecordType::PhaseBegin:
                case RecordType::Note: {
                    if (left < sizeof(NameRecord)) return pos;
                    auto header = load<NameRecord>(p);
                    need = sizeof(NameRecord) + header.length;
                    if (left < need) return pos;
                    std::string_view text(reinterpret_cast<const char*>(p + sizeof(NameRecord)),
                                          header.length);
                    if (type == RecordType::PhaseBegin)
                        handler_.on_phase_begin(text);
                    else
                        handler_.on_note(text);
                    break;
                }
                case RecordType::PhaseEnd:
                    need = 1;
                    handler_.on_phase_end();
                    break;
                case RecordType::GcCycle:
                    need = sizeof(GcCycleRecord);
                    if (left < need) return pos;
                    handler_.on_gc_cycle(load<GcCycleRecord>(p));
                    break;
                case RecordType::ScriptFunction: {
                    if (left < sizeof(ScriptFunctionRecord)) return pos;
                    auto header = load<ScriptFunctionRecord>(p);
                    need = sizeof(ScriptFunctionRecord) + header.name_length + header.file_length;
                    if (left < need) return pos;
                    const char* name = reinterpret_cast<const char*>(p + sizeof(ScriptFunctionRecord));
                    handler_.on_script_function(header, std::string_view(name, header.name_length),
                                                std::string_view(name + header.name_length,
                                                                 header.file_length));
                    break;
                }
                case RecordType::ModuleMapBegin:
                    need = 1;
                    handler_.on_module_map_begin();
                    break;
                case RecordType::ModuleMapEnd:
                    need = 1;
                    handler_.on_module_map_end();
                    break;
                case RecordType::TrieReset:
                    need = 1;
                    handler_.on_trie_reset();
                    break;
                case RecordType::Module: {
                    if (left < sizeof(ModuleRecord)) return pos;
                    auto header = load<ModuleRecord>(p);
                    size_t segments_bytes = sizeof(SegmentRecord) * header.segment_count;
                    need = sizeof(ModuleRecord) + segments_bytes + header.path_length +
                           header.build_id_length;
                    if (left < need) return pos;
                    segments_.resize(header.segment_count);
                    std::memcpy(segments_.data(), p + sizeof(ModuleRecord), segments_bytes);
                    const unsigned char* path = p + sizeof(ModuleRecord) + segments_bytes;
                    handler_.on_module(
                        header, std::span<const SegmentRecord>(segments_),
                        std::string_view(reinterpret_cast<const char*>(path), header.path_length),
                        std::span<const unsigned char>(path + header.path_length,
                                                       header.build_id_length));
                    break;
                }
                case RecordType::Hello: {
                    need = sizeof(HelloRecord);
                    if (left < need) return pos;
                    auto hello = load<HelloRecord>(p);
                    if (hello.magic != kMagic) {
                        error_ = "the preload library sent a stream without allocprof's magic";
                        return pos;
                    }
                    if (hello.version != kWireVersion) {
                        error_ = "the preload library speaks wire version " +
                                 std::to_string(hello.version) + ", this allocprof reads " +
                                 std::to_string(kWireVersion) +
                                 " (mixed builds? set ALLOCPROF_PRELOAD or reinstall)";
                        return pos;
                    }
                    handler_.on_hello(hello);
                    break;
                }
                default:
                    error_ = "unknown record type " + std::to_string(int(p[0])) +
                             " in the stream from the target";
                    return pos;
            }
            pos += need;
        }
        return pos;
    }

    Handler& handler_;
    std::vector<unsigned char> pending_;
    std::vector<wire::SegmentRecord> segments_;
    std::string error_;
};

}  // namespace allocprof::record
