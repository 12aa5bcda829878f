// ticker.h — memory over time: Tick records (time and resident set size) about every
// 10 ms, and a tick at each phase boundary.
//
// The trap: a sampling thread started with the library makes every traced program
// multi-threaded from its first instruction, and some calls refuse a multi-threaded
// process (unshare(CLONE_NEWUSER) fails with EINVAL: `unshare -U` did not run under
// allocprof). So the hooks take the samples themselves (maybe_tick_locked, about one
// clock read per 64 events), and the thread is started only once the program has a second
// thread of its own: from then on it adds nothing the program could notice, and covers
// the times the program allocates nothing. The liveness of the profiler is checked with
// each sample.
#pragma once

#include <stdint.h>

namespace allocprof::interpose {

// Starts the sampling thread (once, in the process allocprof launched), when a second
// thread of the program records its first event. Its signals are blocked, and everything
// it does is guarded: none of it is the target's.
void start_ticker();

// Under the stream lock, after an event: a Tick when 10 ms passed since the last one.
void maybe_tick_locked();

// The resident set in bytes, read from an open /proc/self/statm (0 if unreadable).
uint64_t read_rss_bytes(int statm_fd);
// This image's peak resident set (VmHWM in /proc/self/status), 0 when it cannot be read.
// No allocation: a stack buffer and three system calls.
uint64_t read_peak_rss_bytes();

// Under the stream lock: a Tick now, with the sampler's last RSS reading. A phase boundary
// gets one of its own: the 10 ms resolution would put every boundary of a short phase at
// the same time.
void append_boundary_tick_locked();

}  // namespace allocprof::interpose
