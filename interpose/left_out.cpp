// left_out.cpp — see left_out.h. The addresses of the blocks left out are kept so that
// their frees are not reported: an open-addressing set (linear probing, deletion by
// backward shift) in internal_map memory, under the stream lock, which every free takes
// anyway. It grows by doubling at half load; when it cannot, the block is recorded after
// all.
#include "interpose/left_out.h"

#include <stddef.h>

#include <atomic>

#include "interpose/internal_memory.h"
#include "interpose/notes.h"
#include "interpose/tracker_state.h"

namespace allocprof::interpose {
namespace {

std::atomic<AllocFilter> g_alloc_filter{nullptr};

struct LeftOutSet {
    uint64_t* slots = nullptr;
    size_t capacity = 0;  // a power of two
    size_t size = 0;
    uint64_t total = 0;   // allocations left out in the run

    size_t home(uint64_t p) const { return size_t((p * 0x9E3779B97F4A7C15ull) >> 20) & (capacity - 1); }
    bool grow() {
        const size_t new_capacity = capacity ? capacity * 2 : 4096;
        auto* fresh = static_cast<uint64_t*>(internal_map(new_capacity * sizeof(uint64_t)));
        if (!fresh) return false;
        uint64_t* old = slots;
        const size_t old_capacity = capacity;
        slots = fresh;
        capacity = new_capacity;
        for (size_t i = 0; i < old_capacity; ++i)
            if (old[i]) {
                size_t j = home(old[i]);
                while (slots[j]) j = (j + 1) & (capacity - 1);
                slots[j] = old[i];
            }
        if (old) internal_unmap(old, old_capacity * sizeof(uint64_t));
        return true;
    }
    bool insert(uint64_t p) {
        if ((size + 1) * 2 > capacity && !grow()) return false;
        size_t j = home(p);
        while (slots[j] && slots[j] != p) j = (j + 1) & (capacity - 1);
        if (!slots[j]) ++size;
        slots[j] = p;
        return true;
    }
    bool erase(uint64_t p) {
        if (size == 0 || p == 0) return false;
        size_t j = home(p);
        while (slots[j] != p) {
            if (!slots[j]) return false;
            j = (j + 1) & (capacity - 1);
        }
        // Backward shift: move up every later entry of the run that may live at j.
        for (size_t k = (j + 1) & (capacity - 1); slots[k]; k = (k + 1) & (capacity - 1)) {
            const size_t h = home(slots[k]);
            if (((k - h) & (capacity - 1)) >= ((k - j) & (capacity - 1))) {
                slots[j] = slots[k];
                j = k;
            }
        }
        slots[j] = 0;
        --size;
        return true;
    }
};
LeftOutSet g_left_out;

// How deep this thread is in a binding's own calls into the target (LeaveOutScope).
__attribute__((tls_model("initial-exec"))) thread_local int t_binding_work;

}  // namespace

void set_alloc_filter(AllocFilter filter) { g_alloc_filter.store(filter, std::memory_order_release); }

LeaveOutScope::LeaveOutScope() { ++t_binding_work; }
LeaveOutScope::~LeaveOutScope() { --t_binding_work; }

bool left_out(const uint64_t* return_addresses, int depth) {
    if (__builtin_expect(t_binding_work != 0, 0)) return true;
    if (t_state.nested) return false;  // a signal handler's: the filter is not signal-safe
    AllocFilter filter = g_alloc_filter.load(std::memory_order_acquire);
    return __builtin_expect(filter != nullptr, 0) && filter(return_addresses, depth);
}

bool leave_out_locked(uint64_t address) {
    if (!g_left_out.insert(address)) return false;
    ++g_left_out.total;
    return true;
}

bool forget_left_out_locked(uint64_t address) { return g_left_out.erase(address); }

void append_left_out_note_locked() {
    append_count_note_locked(g_left_out.total, " allocations made only for allocprof's interpreter hooks "
                                   "(CPython's frame objects and bound methods for the profiling "
                                   "hook, Lua's GC sentinel) were not recorded");
}

}  // namespace allocprof::interpose
