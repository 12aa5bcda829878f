// left_out.h — allocations a language binding leaves out of the recording: the work its
// interpreter does only because the binding is profiling it (CPython's frame objects for
// the profiling hook, Lua's GC sentinel). Such a block is not recorded, its free (or
// realloc) is not reported either, and the run's notes say how many were left out.
#pragma once

#include <stdint.h>

namespace allocprof::interpose {

// `filter` is asked about every allocation (any thread, no lock held, must not allocate)
// with its native stack, return addresses innermost first; when it says yes, the block is
// left out. Set once; null (the default) costs one predictable branch per allocation.
using AllocFilter = bool (*)(const uint64_t* return_addresses, int depth);
void set_alloc_filter(AllocFilter filter);

// While alive, what this thread allocates is left out the same way: for a binding's own
// calls into the target (Lua's GC sentinel, its module table), which the script did not
// ask for.
class LeaveOutScope {
public:
    LeaveOutScope();
    ~LeaveOutScope();
    LeaveOutScope(const LeaveOutScope&) = delete;
    LeaveOutScope& operator=(const LeaveOutScope&) = delete;
};

// For the recorders. Whether the allocation with this stack is left out: made in a
// LeaveOutScope, or one the filter recognizes. No lock held.
bool left_out(const uint64_t* return_addresses, int depth);
// Under the stream lock: remembers a left-out block (false when the set cannot grow: the
// block is then recorded after all), and forgets one (true if it was left out).
bool leave_out_locked(uint64_t address);
bool forget_left_out_locked(uint64_t address);
// Under the stream lock: the note of how many allocations were left out, if any.
void append_left_out_note_locked();

}  // namespace allocprof::interpose
