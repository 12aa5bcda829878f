// measured_scope.cpp — see measured_scope.h; and the scope's C API (allocprof.h).
#include "interpose/measured_scope.h"

#include <string.h>

#include "allocprof/allocprof.h"
#include "interpose/internal_memory.h"
#include "interpose/real_functions.h"
#include "interpose/script_frames.h"
#include "interpose/stream_writer.h"
#include "interpose/tracker.h"

namespace allocprof::interpose {

std::atomic<bool> g_scope_open{false};

namespace {

// A slot is empty unless its generation is the scope's: a new scope forgets the last one's
// blocks by counting up, without touching the tables (most of their pages never are).
struct Block {
    uint64_t address;
    uint64_t size;
    uint32_t line_slot;   // the line's slot in g_lines
    uint32_t generation;
};

struct Line {
    uint32_t function;
    uint32_t line;
    uint32_t generation;
    uint32_t unused;
    uint64_t allocations;
    uint64_t bytes;
    uint64_t live_bytes;
};

constexpr uint32_t kBlockBits = 17;  // 131072 blocks, 4 MiB; at most 3/4 of them used
constexpr uint32_t kBlockCapacity = 1u << kBlockBits;
constexpr uint32_t kMaxBlocks = kBlockCapacity / 4 * 3;
constexpr uint32_t kLineCapacity = 4096;  // power of two; at most 3/4 used
constexpr uint32_t kMaxLines = kLineCapacity / 4 * 3;
constexpr uint32_t kOtherLines = kLineCapacity;  // the row past the table: lines with no room

Block* g_blocks = nullptr;
Line* g_lines = nullptr;  // kLineCapacity + 1 rows
uint32_t g_generation = 0;
uint32_t g_block_count = 0;
uint32_t g_line_count = 0;
allocprof_scope_stats g_stats;

uint32_t block_slot(uint64_t address) {
    return uint32_t((address >> 4) * 0x9E3779B97F4A7C15ull >> (64 - kBlockBits));
}

uint32_t line_slot(uint32_t function, uint32_t line) {
    uint64_t key = (uint64_t(function) << 32) | line;
    return uint32_t(key * 0x9E3779B97F4A7C15ull >> 52) & (kLineCapacity - 1);
}

bool live(const Block& b) { return b.generation == g_generation; }

// The row of (function, line), made when there is room; else the "other lines" row.
Line& line_row(uint32_t function, uint32_t line, uint32_t& slot_out) {
    uint32_t slot = line_slot(function, line);
    for (;; slot = (slot + 1) & (kLineCapacity - 1)) {
        Line& l = g_lines[slot];
        if (l.generation != g_generation) {
            if (g_line_count >= kMaxLines) break;
            ++g_line_count;
            l = Line{function, line, g_generation, 0, 0, 0, 0};
            slot_out = slot;
            return l;
        }
        if (l.function == function && l.line == line) {
            slot_out = slot;
            return l;
        }
    }
    slot_out = kOtherLines;
    return g_lines[kOtherLines];
}

// Linear probing with backward-shift deletion: no tombstones, so a table that sees many
// frees stays as fast as a fresh one.
void erase_block(uint32_t hole) {
    g_blocks[hole].generation = g_generation - 1;
    --g_block_count;
    for (uint32_t next = (hole + 1) & (kBlockCapacity - 1); live(g_blocks[next]);
         next = (next + 1) & (kBlockCapacity - 1)) {
        const uint32_t home = block_slot(g_blocks[next].address);
        // Move `next` into the hole unless its home lies cyclically in (hole, next].
        const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (stays) continue;
        g_blocks[hole] = g_blocks[next];
        g_blocks[next].generation = g_generation - 1;
        hole = next;
    }
}

bool map_tables() {
    if (g_blocks) return true;
    g_blocks = static_cast<Block*>(internal_map(sizeof(Block) * kBlockCapacity));
    g_lines = static_cast<Line*>(internal_map(sizeof(Line) * (kLineCapacity + 1)));
    if (g_blocks && g_lines) return true;
    if (g_blocks) internal_unmap(g_blocks, sizeof(Block) * kBlockCapacity);
    if (g_lines) internal_unmap(g_lines, sizeof(Line) * (kLineCapacity + 1));
    g_blocks = nullptr;
    g_lines = nullptr;
    return false;
}

bool ranks_before(const Line& a, const Line& b, int order) {
    auto key = [order](const Line& l) {
        return order == ALLOCPROF_BY_ALLOCATIONS ? l.allocations
               : order == ALLOCPROF_BY_LIVE_BYTES ? l.live_bytes
                                                  : l.bytes;
    };
    if (key(a) != key(b)) return key(a) > key(b);
    if (a.function != b.function) return a.function < b.function;
    return a.line < b.line;
}

}  // namespace

void scope_allocation_locked(uint64_t address, size_t size, const CapturedStack& stack) {
    ++g_stats.allocations;
    g_stats.bytes += size;
    uint32_t function = 0, line = 0;
    if (stack.script_depth > 0) {
        const script::Frame& top = stack.script[stack.script_depth - 1];  // innermost
        function = top.function;
        line = top.line;
    }
    uint32_t line_index;
    Line& row = line_row(function, line, line_index);
    ++row.allocations;
    row.bytes += size;
    if (g_block_count >= kMaxBlocks) {
        ++g_stats.untracked_allocations;
        g_stats.untracked_bytes += size;
        return;
    }
    uint32_t slot = block_slot(address);
    while (live(g_blocks[slot])) {
        if (g_blocks[slot].address == address) break;  // a block whose free we never saw
        slot = (slot + 1) & (kBlockCapacity - 1);
    }
    Block& b = g_blocks[slot];
    if (live(b)) {
        g_stats.live_bytes -= b.size;
        g_lines[b.line_slot].live_bytes -= b.size;
        --g_stats.live_blocks;
        --g_block_count;
    }
    b = Block{address, size, line_index, g_generation};
    ++g_block_count;
    ++g_stats.live_blocks;
    g_stats.live_bytes += size;
    row.live_bytes += size;
    if (g_stats.live_bytes > g_stats.peak_live_bytes) g_stats.peak_live_bytes = g_stats.live_bytes;
}

void scope_release_locked(uint64_t address) {
    if (address == 0) return;
    for (uint32_t slot = block_slot(address); live(g_blocks[slot]);
         slot = (slot + 1) & (kBlockCapacity - 1)) {
        Block& b = g_blocks[slot];
        if (b.address != address) continue;
        g_stats.live_bytes -= b.size;
        g_lines[b.line_slot].live_bytes -= b.size;
        --g_stats.live_blocks;
        erase_block(slot);
        return;
    }
}

}  // namespace allocprof::interpose

using namespace allocprof::interpose;

extern "C" {

// Opens the scope (a scope already open starts over). 1 when it measures, 0 when this
// process is not traced or the tables could not be mapped.
__attribute__((visibility("default"))) int allocprof_scope_begin(void) {
    if (!real_functions_ready()) return 0;
    HookScope scope;
    if (!scope.recording()) return 0;
    StreamLock lock;
    if (!map_tables()) return 0;
    // Generation 0 is what fresh pages hold and a freed slot holds generation - 1: neither
    // is ever the current one. After 2^32 scopes the tables are cleared once.
    if (++g_generation == 0) {
        memset(g_blocks, 0, sizeof(Block) * kBlockCapacity);
        memset(g_lines, 0, sizeof(Line) * (kLineCapacity + 1));
        g_generation = 1;
    }
    g_block_count = 0;
    g_line_count = 0;
    g_lines[kOtherLines] = Line{0xFFFFFFFFu, 0, g_generation, 0, 0, 0, 0};
    g_stats = allocprof_scope_stats{};
    g_scope_open.store(true, std::memory_order_relaxed);
    return 1;
}

// Closes the scope; what it measured stays readable until the next begin.
__attribute__((visibility("default"))) void allocprof_scope_end(void) {
    if (!real_functions_ready()) return;
    HookScope scope;
    StreamLock lock;
    g_scope_open.store(false, std::memory_order_relaxed);
}

// The scope's figures so far (open or closed). 0 when no scope was ever opened.
__attribute__((visibility("default"))) int allocprof_scope_read(struct allocprof_scope_stats* out) {
    if (!out || !g_blocks || !real_functions_ready()) return 0;
    HookScope scope;
    StreamLock lock;
    *out = g_stats;
    return 1;
}

// The first `max` lines of the scope in `order`, largest first (ties by function id and
// line); the "other lines" row, when it counted anything, ranks like the others.
__attribute__((visibility("default"))) size_t allocprof_scope_lines(struct allocprof_scope_line* out,
                                                                    size_t max, int order) {
    if (!out || max == 0 || !g_blocks || !real_functions_ready()) return 0;
    HookScope scope;
    StreamLock lock;
    // Insertion into `out`, kept sorted: K is a test report's few lines.
    size_t n = 0;
    auto as_line = [](const allocprof_scope_line& r) {
        return Line{r.function, r.line, 0, 0, r.allocations, r.bytes, r.live_bytes};
    };
    auto consider = [&](const Line& l) {
        if (l.generation != g_generation || l.allocations == 0) return;
        size_t at = n;
        if (n == max) {
            if (!ranks_before(l, as_line(out[max - 1]), order)) return;
            at = max - 1;
        } else {
            ++n;
        }
        while (at > 0 && ranks_before(l, as_line(out[at - 1]), order)) {
            out[at] = out[at - 1];
            --at;
        }
        out[at] = allocprof_scope_line{l.function, l.line, l.allocations, l.bytes, l.live_bytes};
    };
    for (uint32_t slot = 0; slot <= kLineCapacity; ++slot) consider(g_lines[slot]);
    return n;
}

// The script function behind a line's id (allocprof_scope_line.function): its file, name
// and first line. 0 for an id the library never gave out.
__attribute__((visibility("default"))) int allocprof_script_function(uint32_t id, const char** file,
                                                                     const char** name,
                                                                     uint32_t* first_line) {
    const char* f = nullptr;
    const char* n = nullptr;
    uint32_t line = 0;
    if (!script::describe_function(id, &f, &n, &line)) return 0;
    if (file) *file = f;
    if (name) *name = n;
    if (first_line) *first_line = line;
    return 1;
}

}  // extern "C"
