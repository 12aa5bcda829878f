// wire_format.h — the binary stream from the preload library (in the target) to the
// recorder. The one definition shared by both sides: interpose/ writes it, record/ reads
// it, and nothing after record/ sees it. Change anything here and bump kWireVersion.
//
// The stream is a sequence of records, each starting with a one-byte RecordType. Fixed
// records are the packed structs below; variable records (a name, a path) are a fixed
// header followed by the number of bytes its length fields say. All integers are
// little-endian (the target and the profiler run on the same machine). The first record
// of every process image is Hello; an exec in the same process starts a new Hello.
//
// Deliberately plain C++ (no std library types): this header is compiled into the
// preload library, which links nothing but libc, libdl, pthread and libunwind.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace allocprof::wire {

inline constexpr uint32_t kMagic = 0x46525041;  // "APRF" read as little-endian bytes
inline constexpr uint16_t kWireVersion = 4;

// Environment variables the profiler sets for the target.
inline constexpr const char* kEnvRingFd = "ALLOCPROF_RING_FD";  // memfd holding the ring
inline constexpr const char* kEnvFd = "ALLOCPROF_FD";  // socket: tells each side the other is gone
inline constexpr const char* kEnvPid = "ALLOCPROF_PID";  // the only pid that may write
// The deepest native stack recorded (`record --max-frames N`): decimal, kMinMaxFrames to
// kMaxMaxFrames; absent or anything else means kDefaultMaxFrames.
inline constexpr const char* kEnvMaxFrames = "ALLOCPROF_MAX_FRAMES";
inline constexpr int kDefaultMaxFrames = 1024;
inline constexpr int kMinMaxFrames = 16;
inline constexpr int kMaxMaxFrames = 8192;

// Transport: the records go through a ring buffer in memory shared by the target and the
// profiler (a memfd both map), not through a pipe. A record becomes visible when the
// target advances `head` after copying it in, so whatever was published survives the
// target's death, even by SIGKILL: the profiler drains the ring after reaping it.
// Writers serialize on the target's stream lock; the profiler is the only reader.
//   free space = capacity - (head - tail); byte i of the stream is at data[i % capacity].
// The socket carries no data: each side sees the other's death as a hang-up on it.
struct RingHeader {
    uint32_t magic;     // kMagic
    uint16_t version;   // kWireVersion
    uint16_t reserved;
    uint64_t capacity;  // bytes of ring data after the header; a power of two
    alignas(64) uint64_t head;  // bytes published by the target (atomic, release)
    alignas(64) uint64_t tail;  // bytes consumed by the profiler (atomic, release)
};
inline constexpr uint64_t kRingHeaderSize = 4096;  // data starts one page in
static_assert(sizeof(RingHeader) <= kRingHeaderSize);

enum class RecordType : uint8_t {
    Hello = 1,           // HelloRecord
    ModuleMapBegin = 2,  // RecordHeader: a complete module map follows
    Module = 3,          // ModuleRecord + segments + path + build-id bytes
    ModuleMapEnd = 4,    // RecordHeader
    TraceEdge = 5,       // TraceEdgeRecord: a new (parent, ip) node of the stack trie
    Alloc = 6,           // AllocRecord
    Free = 7,            // FreeRecord (sent before the real free)
    Realloc = 8,         // ReallocRecord: old block released, new block allocated
    Mmap = 9,            // MmapRecord (anonymous mappings only)
    Munmap = 10,         // MunmapRecord
    Mremap = 11,         // MremapRecord
    Tick = 12,           // TickRecord: time and RSS, about every 10 ms
    PhaseBegin = 13,     // NameRecord
    PhaseEnd = 14,       // RecordHeader
    Ops = 15,            // OpsRecord
    Note = 16,           // NameRecord: a fact about the run for the user
    TrieReset = 17,      // RecordHeader: the target forgot its trie (after dlclose); new
                         // edges follow, indices keep counting up
    End = 18,            // TickRecord: the target is exiting cleanly; nothing follows
    ScriptFunction = 19, // ScriptFunctionRecord + name + file: a script function, sent once
                         // before the first trace edge whose ip names it
    GcCycle = 20,        // GcCycleRecord: the interpreter finished a garbage collection
    PeakRss = 21,        // TickRecord: the image's peak resident set (its VmHWM), sent just
                         // before End. The exit status's ru_maxrss cannot be used: Linux
                         // folds the pre-exec image's peak into it, and that image was a
                         // forked copy of the profiler.
};

// Script frames (Lua, Python) travel in the stack trie as pseudo return addresses that no
// code can have: the top 16 bits are kScriptFrameTag (a non-canonical address), then 28
// bits of ScriptFunction id and 20 bits of line. A stack is interned as its native frames
// (outermost first) followed by its script frames (outermost first), so the native part
// keeps one trie node however the script's line moves; the profiler merges the two at the
// interpreter's eval function.
enum class ScriptLanguage : uint8_t { Lua = 1, Python = 2 };
inline constexpr uint64_t kScriptFrameTag = 0xFFFEull;
inline constexpr uint32_t kMaxScriptFunction = (1u << 28) - 1;
inline constexpr uint32_t kMaxScriptLine = (1u << 20) - 1;  // larger lines are stored as this
inline constexpr uint64_t script_frame_ip(uint32_t function, uint32_t line) {
    return (kScriptFrameTag << 48) | (uint64_t(function & kMaxScriptFunction) << 20) |
           (line < kMaxScriptLine ? line : kMaxScriptLine);
}
inline constexpr bool is_script_frame_ip(uint64_t ip) { return (ip >> 48) == kScriptFrameTag; }
inline constexpr uint32_t script_frame_function(uint64_t ip) {
    return uint32_t(ip >> 20) & kMaxScriptFunction;
}
inline constexpr uint32_t script_frame_line(uint64_t ip) { return uint32_t(ip) & kMaxScriptLine; }

// A native stack deeper than the library records (kEnvMaxFrames) keeps its innermost
// frames and gets one more, root-most frame in the trie: a pseudo return address tagged
// kTruncatedFrameTag whose low bits hold the limit it was cut at. Stacks that differ only
// beyond the limit share it (they cannot be told apart), and every reader knows them as
// truncated rather than as one whole stack.
inline constexpr uint64_t kTruncatedFrameTag = 0xFFFDull;
inline constexpr uint64_t truncated_frame_ip(uint32_t limit) { return (kTruncatedFrameTag << 48) | limit; }
inline constexpr bool is_truncated_frame_ip(uint64_t ip) { return (ip >> 48) == kTruncatedFrameTag; }
inline constexpr uint32_t truncated_frame_limit(uint64_t ip) { return uint32_t(ip & 0xFFFFFFFFu); }

inline const char* script_language_name(ScriptLanguage language) {
    switch (language) {
        case ScriptLanguage::Lua: return "lua";
        case ScriptLanguage::Python: return "python";
    }
    return "unknown";
}

// Which hooked function produced an event: one enumerator per ALLOCPROF_HOOK row of
// hooked_functions.def, with the row's explicit value (values are stored in databases).
enum class HookFn : uint8_t {
#define ALLOCPROF_HOOK(name, id, value, ret, params, kind) id = value,
#define ALLOCPROF_HOOK_SHARING(name, id, ret, params, kind)
#define ALLOCPROF_HOOK_NO_EVENT(name, ret, params, kind)
#include "wire/hooked_functions.def"
#undef ALLOCPROF_HOOK
#undef ALLOCPROF_HOOK_SHARING
#undef ALLOCPROF_HOOK_NO_EVENT
};

// Every HookFn value, in table order.
inline constexpr uint8_t kHookFnValues[] = {
#define ALLOCPROF_HOOK(name, id, value, ret, params, kind) value,
#define ALLOCPROF_HOOK_SHARING(name, id, ret, params, kind)
#define ALLOCPROF_HOOK_NO_EVENT(name, ret, params, kind)
#include "wire/hooked_functions.def"
#undef ALLOCPROF_HOOK
#undef ALLOCPROF_HOOK_SHARING
#undef ALLOCPROF_HOOK_NO_EVENT
};

namespace detail {
constexpr int one_past_largest_hook_fn() {
    int largest = 0;
    for (uint8_t v : kHookFnValues) largest = v > largest ? v : largest;
    return largest + 1;
}
constexpr bool hook_fn_values_are_distinct_and_nonzero() {
    for (size_t i = 0; i < sizeof(kHookFnValues); ++i) {
        if (kHookFnValues[i] == 0) return false;
        for (size_t j = 0; j < i; ++j)
            if (kHookFnValues[i] == kHookFnValues[j]) return false;
    }
    return true;
}
}  // namespace detail

// One past the largest HookFn value: the size of an array indexed by HookFn (0 unused).
inline constexpr int kHookFnCount = detail::one_past_largest_hook_fn();
static_assert(detail::hook_fn_values_are_distinct_and_nonzero(),
              "hooked_functions.def: HookFn values must be distinct and not 0");

// The hooked function's name, as stored in function_calls.function.
inline const char* hook_fn_name(HookFn fn) {
    switch (fn) {
#define ALLOCPROF_HOOK(name, id, value, ret, params, kind) \
    case HookFn::id: return #name;
#define ALLOCPROF_HOOK_SHARING(name, id, ret, params, kind)
#define ALLOCPROF_HOOK_NO_EVENT(name, ret, params, kind)
#include "wire/hooked_functions.def"
#undef ALLOCPROF_HOOK
#undef ALLOCPROF_HOOK_SHARING
#undef ALLOCPROF_HOOK_NO_EVENT
    }
    return "unknown";
}

#pragma pack(push, 1)

struct RecordHeader {
    RecordType type;
};
static_assert(sizeof(RecordHeader) == 1);

struct HelloRecord {
    RecordType type;  // Hello
    uint32_t magic;   // kMagic
    uint16_t version; // kWireVersion
    uint32_t pid;
    uint8_t pointer_size;
    uint64_t start_unix_ns;       // CLOCK_REALTIME when tracking started
    uint64_t start_monotonic_ns;  // CLOCK_MONOTONIC at the same moment; ticks are relative to it
    uint64_t page_size;
};
static_assert(sizeof(HelloRecord) == 36);

struct ModuleRecord {
    RecordType type;  // Module
    uint64_t load_bias;
    uint16_t path_length;     // bytes of path that follow the segments
    uint8_t build_id_length;  // bytes of build-id that follow the path
    uint8_t segment_count;    // SegmentRecord entries that follow this header
};
static_assert(sizeof(ModuleRecord) == 13);

struct SegmentRecord {
    uint64_t start;  // absolute address
    uint64_t size;
    uint8_t executable;
};
static_assert(sizeof(SegmentRecord) == 17);

struct TraceEdgeRecord {
    RecordType type;  // TraceEdge
    uint32_t node;    // new node index, >= 1, increasing
    uint32_t parent;  // 0 = root
    uint64_t ip;      // return address minus one
};
static_assert(sizeof(TraceEdgeRecord) == 17);

struct AllocRecord {
    RecordType type;  // Alloc
    HookFn fn;
    uint32_t thread;  // small thread number, 1-based, assigned by the preload library
    uint32_t node;    // leaf node of the allocating stack (0 if the stack could not be taken)
    uint64_t ptr;
    uint64_t size;    // requested bytes
};
static_assert(sizeof(AllocRecord) == 26);

struct FreeRecord {
    RecordType type;  // Free
    HookFn fn;
    uint32_t thread;
    uint64_t ptr;
};
static_assert(sizeof(FreeRecord) == 14);

struct ReallocRecord {
    RecordType type;  // Realloc
    HookFn fn;        // Realloc or Reallocarray
    uint32_t thread;
    uint32_t node;
    uint64_t old_ptr;
    uint64_t new_ptr;
    uint64_t size;
};
static_assert(sizeof(ReallocRecord) == 34);

struct MmapRecord {
    RecordType type;  // Mmap
    uint32_t thread;
    uint32_t node;
    uint64_t addr;
    uint64_t length;
};
static_assert(sizeof(MmapRecord) == 25);

struct MunmapRecord {
    RecordType type;  // Munmap
    uint32_t thread;
    uint64_t addr;
    uint64_t length;
};
static_assert(sizeof(MunmapRecord) == 21);

struct MremapRecord {
    RecordType type;  // Mremap
    uint32_t thread;
    uint64_t old_addr;
    uint64_t old_length;
    uint64_t new_addr;
    uint64_t new_length;
};
static_assert(sizeof(MremapRecord) == 37);

struct TickRecord {
    RecordType type;    // Tick or End
    uint64_t time_ns;   // CLOCK_MONOTONIC minus HelloRecord::start_monotonic_ns
    uint64_t rss_bytes; // resident set of the target
};
static_assert(sizeof(TickRecord) == 17);

struct NameRecord {
    RecordType type;  // PhaseBegin or Note
    uint16_t length;  // bytes that follow
};
static_assert(sizeof(NameRecord) == 3);

struct OpsRecord {
    RecordType type;  // Ops
    uint64_t count;
};
static_assert(sizeof(OpsRecord) == 9);

struct ScriptFunctionRecord {
    RecordType type;          // ScriptFunction
    uint32_t id;              // >= 1, the id in script_frame_ip
    ScriptLanguage language;
    uint32_t first_line;      // where the function is defined (0: unknown, e.g. a C function)
    uint16_t name_length;     // bytes of name that follow
    uint16_t file_length;     // bytes of file (the script's path or chunk name) after the name
};
static_assert(sizeof(ScriptFunctionRecord) == 14);

struct GcCycleRecord {
    RecordType type;          // GcCycle
    ScriptLanguage language;
    uint8_t generation;       // Python: 0..2; Lua: 0 (a cycle, incremental or young/full)
    uint32_t thread;
    uint64_t time_ns;         // as TickRecord::time_ns
};
static_assert(sizeof(GcCycleRecord) == 15);

#pragma pack(pop)

inline constexpr uint16_t kMaxNameLength = 255;
inline constexpr uint16_t kMaxPathLength = 4096;
inline constexpr uint16_t kMaxScriptFileLength = 1024;

}  // namespace allocprof::wire
