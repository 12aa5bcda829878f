// interrupted_hooks.h — the allocations of a signal handler that interrupts a hook.
//
// The trap: the guard that keeps the library from seeing its own work (only the outermost
// hook on a thread records) also hid every allocation of a signal handler that landed
// inside a hook: they were dropped without a word. Such a nested hook now records where
// the outer hook says that is safe (Nesting, tracker_state.h): its stack is taken with
// libunwind (the walk crosses the signal frame) without touching the thread's caches,
// which the interrupted hook may be in the middle of using; and if the interrupted hook
// wants or holds the stream lock, the nested hook must not wait for it (it would wait for
// itself): its event goes to a small per-thread queue instead, appended by the outer hook
// when it ends. A queued free (or munmap) also holds back the real call until its record
// is appended, so no other thread can be given the address and report it first.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "wire/wire_format.h"

namespace allocprof::interpose {

struct CapturedStack;

// Whether a nested hook's event must be queued: this thread wants or holds the lock.
bool must_defer_nested_event();

// Queue an event of a nested hook (false when the queue is full: the event is counted as
// lost). `stack` may be null for events without one.
bool defer_alloc(wire::HookFn fn, void* ptr, size_t size, const CapturedStack& stack);
bool defer_realloc(wire::HookFn fn, void* old_ptr, void* new_ptr, size_t size,
                   const CapturedStack& stack);
bool defer_free(wire::HookFn fn, void* ptr, bool then_release);
bool defer_mmap(void* addr, size_t length, const CapturedStack& stack);
bool defer_munmap(void* addr, size_t length, bool then_unmap);
bool defer_mremap(void* old_addr, size_t old_length, void* new_addr, size_t new_length);

// The outermost hook, as it ends (no lock held): appends the queued events in order and
// makes the real calls they held back.
void flush_deferred_events();

// Under the stream lock at exit: how many events of signal handlers could not be queued.
void append_interrupted_hooks_note_locked();

}  // namespace allocprof::interpose
