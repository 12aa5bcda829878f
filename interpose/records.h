// records.h — builds the wire records (wire_format.h) the tracker appends, from typed
// values: the one place a TraceNode or a ThreadNumber (ids.h) becomes a plain integer of a
// record, so their order in the packed structs is spelled once.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "interpose/ids.h"
#include "wire/wire_format.h"

namespace allocprof::interpose::records {

inline uint64_t address(const void* p) { return reinterpret_cast<uint64_t>(p); }

inline wire::TraceEdgeRecord trace_edge(TraceNode node, TraceNode parent, uint64_t ip) {
    return {wire::RecordType::TraceEdge, node.value, parent.value, ip};
}
inline wire::AllocRecord alloc(wire::HookFn fn, ThreadNumber thread, TraceNode node,
                               const void* ptr, size_t size) {
    return {wire::RecordType::Alloc, fn, thread.value, node.value, address(ptr), size};
}
inline wire::FreeRecord free(wire::HookFn fn, ThreadNumber thread, const void* ptr) {
    return {wire::RecordType::Free, fn, thread.value, address(ptr)};
}
inline wire::ReallocRecord realloc(wire::HookFn fn, ThreadNumber thread, TraceNode node,
                                   const void* old_ptr, const void* new_ptr, size_t size) {
    return {wire::RecordType::Realloc, fn, thread.value, node.value, address(old_ptr),
            address(new_ptr), size};
}
inline wire::MmapRecord mmap(ThreadNumber thread, TraceNode node, const void* addr,
                             size_t length) {
    return {wire::RecordType::Mmap, thread.value, node.value, address(addr), length};
}
inline wire::MunmapRecord munmap(ThreadNumber thread, const void* addr, size_t length) {
    return {wire::RecordType::Munmap, thread.value, address(addr), length};
}
inline wire::MremapRecord mremap(ThreadNumber thread, const void* old_addr, size_t old_length,
                                 const void* new_addr, size_t new_length) {
    return {wire::RecordType::Mremap, thread.value, address(old_addr), old_length,
            address(new_addr), new_length};
}
inline wire::GcCycleRecord gc_cycle(wire::ScriptLanguage language, uint8_t generation,
                                    ThreadNumber thread, uint64_t time_ns) {
    return {wire::RecordType::GcCycle, language, generation, thread.value, time_ns};
}

}  // namespace allocprof::interpose::records
