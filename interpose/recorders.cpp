// recorders.cpp — the record_* functions the hooks and the marker API call: each takes
// what it needs before the stream lock (the stack, the thread number), then builds its
// record (records.h) and appends it under the lock, in the order the events happened.
// A hook nested in another on the same thread (a signal handler's) whose thread wants or
// holds the lock queues its event instead (interrupted_hooks.h). After each heap or
// mapping event, the sampler may add a Tick (ticker.h).
#include <string.h>

#include "interpose/interrupted_hooks.h"
#include "interpose/measured_scope.h"
#include "interpose/records.h"
#include "interpose/stack_interning.h"
#include "interpose/stream_writer.h"
#include "interpose/ticker.h"
#include "interpose/tracker.h"
#include "interpose/tracker_state.h"
#include "interpose/utf8_cut.h"

namespace allocprof::interpose {

using namespace allocprof::wire;

namespace {

// A recorded allocation, in the calling thread's counts (allocprof_thread_allocations())
// and the measured scope when one is open. Under the lock.
void count_allocation(uint64_t address, size_t size, const CapturedStack& stack) {
    ++t_state.allocations;
    t_state.bytes += size;
    if (scope_open()) scope_allocation_locked(address, size, stack);
}

// A recorded free, for the measured scope. Under the lock.
void count_free(uint64_t address) {
    if (scope_open()) scope_release_locked(address);
}

// A realloc that returned `result`, under the lock. A new block (realloc(NULL, n)) is left
// out like a malloc; a left-out block stays left out when the filter's work resizes it;
// resized by anyone else, it becomes a plain allocation from here on.

void append_realloc_locked(HookFn fn, ThreadNumber thread, const CapturedStack& stack,
                           bool leave_out, void* ptr, void* result, size_t requested) {
    const auto old_address = records::address(ptr);
    const auto new_address = records::address(result);
    const bool was_left_out = forget_left_out_locked(old_address);
    forget_left_out_locked(new_address);
    if (leave_out && (was_left_out || old_address == 0) && leave_out_locked(new_address)) return;
    count_free(old_address);
    count_allocation(new_address, requested, stack);
    if (was_left_out) {
        auto r = records::alloc(fn, thread, intern_stack_locked(stack), result, requested);
        g_writer.append(&r, sizeof(r));
        return;
    }
    auto r = records::realloc(fn, thread, intern_stack_locked(stack), ptr, result, requested);
    g_writer.append(&r, sizeof(r));
}

// glibc's realloc(p, 0) frees p and returns NULL. Under the lock.
void append_realloc_free_locked(HookFn fn, ThreadNumber thread, void* ptr) {
    if (forget_left_out_locked(records::address(ptr))) return;
    count_free(records::address(ptr));
    auto r = records::free(fn, thread, ptr);
    g_writer.append(&r, sizeof(r));
}

}  // namespace

void record_alloc_with_stack(HookFn fn, void* ptr, size_t size, const CapturedStack& stack) {
    const bool leave_out = left_out(stack.frames, stack.depth);
    StreamLock lock;
    const auto address = records::address(ptr);
    if (leave_out && leave_out_locked(address)) return;
    forget_left_out_locked(address);  // a left-out block whose free we did not see: its address is reused
    auto r = records::alloc(fn, thread_number(), intern_stack_locked(stack), ptr, size);
    g_writer.append(&r, sizeof(r));
    maybe_tick_locked();
    count_allocation(address, size, stack);
}

void record_alloc(HookFn fn, void* ptr, size_t size) {
    CapturedStack stack;
    capture_stack(stack);
    if (must_defer_nested_event()) {
        defer_alloc(fn, ptr, size, stack);
        return;
    }
    record_alloc_with_stack(fn, ptr, size, stack);
}

bool record_free(HookFn fn, void* ptr) {
    if (must_defer_nested_event()) return defer_free(fn, ptr, true);
    ThreadNumber thread = thread_number();
    StreamLock lock;
    if (forget_left_out_locked(records::address(ptr))) return false;
    count_free(records::address(ptr));
    auto r = records::free(fn, thread, ptr);
    g_writer.append(&r, sizeof(r));
    maybe_tick_locked();
    return false;
}

void record_realloc_with_stack(HookFn fn, void* old_ptr, void* new_ptr, size_t size,
                               const CapturedStack& stack) {
    const bool leave_out = left_out(stack.frames, stack.depth);
    ThreadNumber thread = thread_number();
    StreamLock lock;
    append_realloc_locked(fn, thread, stack, leave_out, old_ptr, new_ptr, size);
}

void* tracked_realloc(HookFn fn, ReallocCall call, void* ptr, size_t a, size_t b,
                      size_t requested) {
    CapturedStack stack;
    capture_stack(stack);
    ThreadNumber thread = thread_number();
    if (must_defer_nested_event()) {
        // The lock cannot be held across this call: the record follows it, queued.
        void* result = call(ptr, a, b);
        if (result) defer_realloc(fn, ptr, result, requested, stack);
        else if (requested == 0) defer_free(fn, ptr, false);
        return result;
    }
    const bool leave_out = left_out(stack.frames, stack.depth);
    StreamLock lock;
    void* result;
    {
        NestingWindow real_call(kNestingClosed);
        result = call(ptr, a, b);
    }
    if (result) append_realloc_locked(fn, thread, stack, leave_out, ptr, result, requested);
    else if (requested == 0) append_realloc_free_locked(fn, thread, ptr);
    maybe_tick_locked();
    return result;
}

void record_mmap_with_stack(void* addr, size_t length, const CapturedStack& stack) {
    StreamLock lock;
    auto r = records::mmap(thread_number(), intern_stack_locked(stack), addr, length);
    g_writer.append(&r, sizeof(r));
    maybe_tick_locked();
}

void record_mmap(void* addr, size_t length) {
    CapturedStack stack;
    capture_stack(stack);
    if (must_defer_nested_event()) {
        defer_mmap(addr, length, stack);
        return;
    }
    record_mmap_with_stack(addr, length, stack);
}

bool record_munmap(void* addr, size_t length) {
    if (must_defer_nested_event()) return defer_munmap(addr, length, true);
    ThreadNumber thread = thread_number();
    StreamLock lock;
    auto r = records::munmap(thread, addr, length);
    g_writer.append(&r, sizeof(r));
    maybe_tick_locked();
    return false;
}

void record_mremap(void* old_addr, size_t old_length, void* new_addr, size_t new_length) {
    if (must_defer_nested_event()) {
        defer_mremap(old_addr, old_length, new_addr, new_length);
        return;
    }
    ThreadNumber thread = thread_number();
    StreamLock lock;
    auto r = records::mremap(thread, old_addr, old_length, new_addr, new_length);
    g_writer.append(&r, sizeof(r));
}

void record_phase_begin(const char* name) {
    size_t n = name ? strnlen(name, kMaxNameLength + 1) : 0;
    if (n > kMaxNameLength) n = utf8_prefix_length(name, kMaxNameLength);
    StreamLock lock;
    append_boundary_tick_locked();
    NameRecord r{RecordType::PhaseBegin, static_cast<uint16_t>(n)};
    g_writer.append2(&r, sizeof(r), name, n);
}

void record_phase_end() {
    StreamLock lock;
    append_boundary_tick_locked();
    RecordHeader r{RecordType::PhaseEnd};
    g_writer.append(&r, sizeof(r));
}

void record_gc_cycle(ScriptLanguage language, uint8_t generation) {
    ThreadNumber thread = thread_number();
    StreamLock lock;
    auto r = records::gc_cycle(language, generation, thread, elapsed_ns());
    g_writer.append(&r, sizeof(r));
}

void record_ops(uint64_t n) {
    StreamLock lock;
    OpsRecord r{RecordType::Ops, n};
    g_writer.append(&r, sizeof(r));
}

}  // namespace allocprof::interpose
