// ticker.h — memory over time: Tick records (time and resident set size) about every
// 10 ms, from the tracker's own sampling thread, and a tick at each phase boundary.
#pragma once

#include <stdint.h>

namespace allocprof::interpose {

// Starts the sampling thread (once, in the process allocprof launched). Its signals are
// blocked, and everything it does is guarded: none of it is the target's.
void start_ticker();

// The resident set in bytes, read from an open /proc/self/statm (0 if unreadable).
uint64_t read_rss_bytes(int statm_fd);

// Under the stream lock: a Tick now, with the sampler's last RSS reading. A phase boundary
// gets one of its own: the 10 ms resolution would put every boundary of a short phase at
// the same time.
void append_boundary_tick_locked();

}  // namespace allocprof::interpose
