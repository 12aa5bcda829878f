// measured_scope.h — the measured scope behind allocprof_scope_begin/end/read/lines
// (include/allocprof/allocprof.h): while it is open, every allocation the library records,
// on any thread, is counted and kept (address -> size and the script line that made it) in
// a fixed table, and each free or realloc of a kept block takes it out again. So a test
// harness knows in its own process what a test allocated, how much of it is still live,
// its peak, and which script lines allocated it.
//
// The tables live in internal_map memory, mapped at the first begin and never grown: a
// block that finds no room is counted as untracked (in allocations and bytes, not in live
// bytes), a line that finds no room goes to one "other lines" row. Every change happens
// under the stream lock, which the recorders already hold, so the tables see the events in
// the stream's order (a free before any reuse of its address). When no scope is open the
// recorders pay one relaxed load.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>

#include "interpose/stack_interning.h"

namespace allocprof::interpose {

extern std::atomic<bool> g_scope_open;

inline bool scope_open() { return g_scope_open.load(std::memory_order_relaxed); }

// Under the stream lock, with a scope open: a recorded allocation, and a block that is
// gone (freed, or moved by realloc; blocks the scope does not hold are ignored).
void scope_allocation_locked(uint64_t address, size_t size, const CapturedStack& stack);
void scope_release_locked(uint64_t address);

}  // namespace allocprof::interpose
