// script_frames.cpp — see script_frames.h.
#include "interpose/script_frames.h"

#include <string.h>

#include <atomic>

#include "interpose/internal_memory.h"
#include "interpose/stream_writer.h"
#include "interpose/utf8_cut.h"

namespace allocprof::interpose::script {
namespace {

using namespace allocprof::wire;

struct Function {
    ScriptLanguage language;
    bool announced;  // guarded by the stream lock
    uint16_t name_length;
    uint16_t file_length;
    uint32_t first_line;
    uint64_t hash;
    const char* name;
    const char* file;
};

// Functions live in fixed chunks that never move, so a reader holding an id needs no
// lock: an entry is complete before its id is published.
constexpr uint32_t kChunkBits = 12;
constexpr uint32_t kChunkSize = 1u << kChunkBits;
constexpr uint32_t kMaxChunks = 1024;  // 4 M functions
Function* g_chunks[kMaxChunks];
std::atomic<uint32_t> g_count{0};  // ids 1..g_count are valid

// Content hash -> id, open addressing; grows by remapping. Guarded by g_lock.
uint32_t* g_index = nullptr;
uint32_t g_index_capacity = 0;  // power of two
SpinLock g_lock;

// Strings: bump allocation in 1 MiB blocks.
constexpr size_t kArenaBlock = 1 << 20;
char* g_arena = nullptr;
size_t g_arena_used = kArenaBlock;

std::atomic<Provider> g_providers[2];

Function& function_at(uint32_t id) {
    return g_chunks[(id - 1) >> kChunkBits][(id - 1) & (kChunkSize - 1)];
}

uint64_t hash_bytes(uint64_t h, const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ uint8_t(p[i])) * 0x100000001B3ull;  // FNV-1a
    return h;
}

const char* copy_string(const char* s, size_t n) {
    if (g_arena_used + n + 1 > kArenaBlock) {
        g_arena = static_cast<char*>(internal_map(kArenaBlock));
        g_arena_used = 0;
        if (!g_arena) {
            g_arena_used = kArenaBlock;
            return nullptr;
        }
    }
    char* out = g_arena + g_arena_used;
    memcpy(out, s, n);
    out[n] = '\0';
    g_arena_used += n + 1;
    return out;
}

bool same(const Function& f, ScriptLanguage language, const char* file, size_t file_length,
          const char* name, size_t name_length, uint32_t first_line) {
    return f.language == language && f.first_line == first_line &&
           f.file_length == file_length && f.name_length == name_length &&
           memcmp(f.file, file, file_length) == 0 && memcmp(f.name, name, name_length) == 0;
}

bool grow_index() {
    uint32_t capacity = g_index_capacity ? g_index_capacity * 2 : 4096;
    auto* index = static_cast<uint32_t*>(internal_map(sizeof(uint32_t) * capacity));
    if (!index) return false;
    uint32_t count = g_count.load(std::memory_order_relaxed);
    for (uint32_t id = 1; id <= count; ++id) {
        uint32_t slot = uint32_t(function_at(id).hash) & (capacity - 1);
        while (index[slot]) slot = (slot + 1) & (capacity - 1);
        index[slot] = id;
    }
    if (g_index) internal_unmap(g_index, sizeof(uint32_t) * g_index_capacity);
    g_index = index;
    g_index_capacity = capacity;
    return true;
}

uint32_t add_function_locked(ScriptLanguage language, const char* file, size_t file_length,
                             const char* name, size_t name_length, uint32_t first_line,
                             uint64_t hash, uint32_t slot) {
    uint32_t id = g_count.load(std::memory_order_relaxed) + 1;
    uint32_t chunk = (id - 1) >> kChunkBits;
    if (id > kMaxScriptFunction || chunk >= kMaxChunks) return 0;
    if (!g_chunks[chunk]) {
        g_chunks[chunk] = static_cast<Function*>(internal_map(sizeof(Function) * kChunkSize));
        if (!g_chunks[chunk]) return 0;
    }
    const char* name_copy = copy_string(name, name_length);
    const char* file_copy = name_copy ? copy_string(file, file_length) : nullptr;
    if (!file_copy) return 0;
    function_at(id) = {language, false, uint16_t(name_length), uint16_t(file_length),
                       first_line, hash, name_copy, file_copy};
    g_index[slot] = id;
    g_count.store(id, std::memory_order_release);
    return id;
}

}  // namespace

uint32_t intern_function(ScriptLanguage language, const char* file, size_t file_length,
                         const char* name, size_t name_length, uint32_t first_line) {
    if (file_length > kMaxScriptFileLength) {
        const size_t start = utf8_suffix_start(file, file_length, kMaxScriptFileLength);
        file += start;
        file_length -= start;
    }
    if (name_length > kMaxNameLength) name_length = utf8_prefix_length(name, kMaxNameLength);
    uint64_t hash = hash_bytes(0xCBF29CE484222325ull ^ uint64_t(language) ^ (uint64_t(first_line) << 8),
                               file, file_length);
    hash = hash_bytes(hash, name, name_length);
    g_lock.lock();
    uint32_t id = 0;
    if ((g_count.load(std::memory_order_relaxed) + 1) * 2 < g_index_capacity || grow_index()) {
        uint32_t slot = uint32_t(hash) & (g_index_capacity - 1);
        for (;; slot = (slot + 1) & (g_index_capacity - 1)) {
            uint32_t candidate = g_index[slot];
            if (!candidate) {
                id = add_function_locked(language, file, file_length, name, name_length,
                                         first_line, hash, slot);
                break;
            }
            const Function& f = function_at(candidate);
            if (f.hash == hash && same(f, language, file, file_length, name, name_length, first_line)) {
                id = candidate;
                break;
            }
        }
    }
    g_lock.unlock();
    return id;
}

bool describe_function(uint32_t id, const char** file, const char** name, uint32_t* first_line) {
    if (id == 0 || id > g_count.load(std::memory_order_acquire)) return false;
    const Function& f = function_at(id);
    *file = f.file;
    *name = f.name;
    *first_line = f.first_line;
    return true;
}

bool register_provider(Provider provider) {
    for (auto& slot : g_providers) {
        Provider expected = nullptr;
        if (slot.compare_exchange_strong(expected, provider) || expected == provider) return true;
    }
    return false;
}

int capture(Frame* out, int max) {
    int n = 0;
    for (auto& slot : g_providers) {
        Provider provider = slot.load(std::memory_order_acquire);
        if (provider && n < max) n += provider(out + n, max - n);
    }
    return n;
}

void announce_functions_locked(const Frame* frames, int count) {
    uint32_t known = g_count.load(std::memory_order_acquire);
    for (int i = 0; i < count; ++i) {
        uint32_t id = frames[i].function;
        if (id == 0 || id > known) continue;
        Function& f = function_at(id);
        if (f.announced) continue;
        f.announced = true;
        ScriptFunctionRecord r{RecordType::ScriptFunction, id, f.language, f.first_line,
                               f.name_length, f.file_length};
        g_writer.append_parts({{&r, sizeof(r)}, {f.name, f.name_length}, {f.file, f.file_length}});
    }
}

}  // namespace allocprof::interpose::script
