// interrupted_hooks.cpp — see interrupted_hooks.h.
#include "interpose/interrupted_hooks.h"

#include <string.h>

#include <atomic>

#include "interpose/internal_memory.h"
#include "interpose/notes.h"
#include "interpose/real_functions.h"
#include "interpose/stack_interning.h"
#include "interpose/stream_writer.h"
#include "interpose/tracker.h"
#include "interpose/tracker_state.h"

namespace allocprof::interpose {

using namespace allocprof::wire;

namespace {

constexpr int kDeferredFrames = 64;  // a queued stack keeps its innermost 64 frames
static_assert(kDeferredFrames <= kFallbackFrames, "restored into CapturedStack::fallback");
constexpr int kDeferredEvents = 32;

enum class Kind : uint8_t { Alloc, Realloc, Free, Mmap, Munmap, Mremap };

struct DeferredEvent {
    Kind kind;
    HookFn fn;
    bool then_release;  // Free/Munmap: the real call waits for the record
    uint16_t depth;
    uint16_t truncated_beyond;  // as CapturedStack::truncated_beyond
    uint64_t ptr;       // the block (the new block of a Realloc, the new range of a Mremap)
    uint64_t old_ptr;
    uint64_t size;      // requested bytes, or the length
    uint64_t old_size;
    uint64_t frames[kDeferredFrames];  // return addresses, innermost first
};

}  // namespace

struct DeferredQueue {
    int count;
    DeferredEvent events[kDeferredEvents];
};

namespace {

std::atomic<uint64_t> g_lost{0};

// The next free entry of this thread's queue (mapped on first use: a raw system call,
// safe in a signal handler), or null.
DeferredEvent* next_entry() {
    if (!t_state.deferred) {
        t_state.deferred = static_cast<DeferredQueue*>(internal_map(sizeof(DeferredQueue)));
        if (!t_state.deferred) return nullptr;
    }
    DeferredQueue& q = *t_state.deferred;
    if (q.count == kDeferredEvents) return nullptr;
    DeferredEvent* e = &q.events[q.count];
    memset(e, 0, offsetof(DeferredEvent, frames));
    return e;
}

// Publishes the entry next_entry() returned: a signal nested deeper sees it complete.
void commit_entry() {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    ++t_state.deferred->count;
}

bool lost() {
    g_lost.fetch_add(1, std::memory_order_relaxed);
    return false;
}

void keep_stack(DeferredEvent& e, const CapturedStack& stack) {
    const int n = stack.depth < kDeferredFrames ? stack.depth : kDeferredFrames;
    memcpy(e.frames, stack.frames, size_t(n) * sizeof(uint64_t));
    e.depth = uint16_t(n);
    // Cut here or before: marked at the frames kept (the innermost n).
    e.truncated_beyond = stack.truncated_beyond || stack.depth > kDeferredFrames ? uint16_t(n) : 0;
}

void restore_stack(const DeferredEvent& e, CapturedStack& stack) {
    memcpy(stack.fallback, e.frames, size_t(e.depth) * sizeof(uint64_t));
    stack.frames = stack.fallback;
    stack.depth = e.depth;
    stack.truncated_beyond = e.truncated_beyond;
    stack.script_depth = 0;
    stack.walk_slot = -1;
}

}  // namespace

bool must_defer_nested_event() { return t_state.nested && t_wants_stream_lock; }

bool defer_alloc(HookFn fn, void* ptr, size_t size, const CapturedStack& stack) {
    DeferredEvent* e = next_entry();
    if (!e) return lost();
    *e = {Kind::Alloc, fn, false, 0, 0, reinterpret_cast<uint64_t>(ptr), 0, size, 0, {}};
    keep_stack(*e, stack);
    commit_entry();
    return true;
}

bool defer_realloc(HookFn fn, void* old_ptr, void* new_ptr, size_t size, const CapturedStack& stack) {
    DeferredEvent* e = next_entry();
    if (!e) return lost();
    *e = {Kind::Realloc, fn, false, 0, 0, reinterpret_cast<uint64_t>(new_ptr),
          reinterpret_cast<uint64_t>(old_ptr), size, 0, {}};
    keep_stack(*e, stack);
    commit_entry();
    return true;
}

bool defer_free(HookFn fn, void* ptr, bool then_release) {
    DeferredEvent* e = next_entry();
    if (!e) return lost();
    e->kind = Kind::Free;
    e->fn = fn;
    e->then_release = then_release;
    e->ptr = reinterpret_cast<uint64_t>(ptr);
    commit_entry();
    return true;
}

bool defer_mmap(void* addr, size_t length, const CapturedStack& stack) {
    DeferredEvent* e = next_entry();
    if (!e) return lost();
    e->kind = Kind::Mmap;
    e->ptr = reinterpret_cast<uint64_t>(addr);
    e->size = length;
    keep_stack(*e, stack);
    commit_entry();
    return true;
}

bool defer_munmap(void* addr, size_t length, bool then_unmap) {
    DeferredEvent* e = next_entry();
    if (!e) return lost();
    e->kind = Kind::Munmap;
    e->then_release = then_unmap;
    e->ptr = reinterpret_cast<uint64_t>(addr);
    e->size = length;
    commit_entry();
    return true;
}

bool defer_mremap(void* old_addr, size_t old_length, void* new_addr, size_t new_length) {
    DeferredEvent* e = next_entry();
    if (!e) return lost();
    e->kind = Kind::Mremap;
    e->old_ptr = reinterpret_cast<uint64_t>(old_addr);
    e->old_size = old_length;
    e->ptr = reinterpret_cast<uint64_t>(new_addr);
    e->size = new_length;
    commit_entry();
    return true;
}

void flush_deferred_events() {
    DeferredQueue* q = t_state.deferred;
    if (!q || q->count == 0) return;
    CapturedStack stack;
    // A signal during the flush may queue more: take entries until none is left.
    for (int i = 0; i < q->count; ++i) {
        const DeferredEvent& e = q->events[i];
        void* ptr = reinterpret_cast<void*>(e.ptr);
        switch (e.kind) {
            case Kind::Alloc:
                restore_stack(e, stack);
                record_alloc_with_stack(e.fn, ptr, e.size, stack);
                break;
            case Kind::Realloc:
                restore_stack(e, stack);
                record_realloc_with_stack(e.fn, reinterpret_cast<void*>(e.old_ptr), ptr, e.size, stack);
                break;
            case Kind::Free:
                record_free(e.fn, ptr);
                if (e.then_release) g_real.free(ptr);
                break;
            case Kind::Mmap:
                restore_stack(e, stack);
                record_mmap_with_stack(ptr, e.size, stack);
                break;
            case Kind::Munmap:
                record_munmap(ptr, e.size);
                if (e.then_release) g_real.munmap(ptr, e.size);
                break;
            case Kind::Mremap:
                record_mremap(reinterpret_cast<void*>(e.old_ptr), e.old_size, ptr, e.size);
                break;
        }
    }
    q->count = 0;
}

void append_interrupted_hooks_note_locked() {
    append_count_note_locked(g_lost.load(std::memory_order_relaxed),
                             " allocation events of signal handlers that interrupted allocprof's "
                             "hooks could not be recorded (too many at once)");
}

}  // namespace allocprof::interpose
