// signal_handling.h — the signals of `allocprof record`, and the ones its target starts with.
//
// The target starts with the dispositions allocprof itself was started with: a signal its
// parent ignored (nohup's SIGHUP, a background job's SIGINT, the SIGCHLD a CI agent ignores)
// is ignored by the target too, every other one is at its default. allocprof:
//   - while the target runs, leaves Ctrl-C and Ctrl-\ to it (the terminal sends them to the
//     whole process group) and passes SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 sent to allocprof
//     alone on to it;
//   - keeps SIGCHLD at its default whatever it inherited, so that the target can be reaped
//     (with SIGCHLD ignored the kernel reaps it, and its exit status is lost);
//   - once the target has ended, keeps the first terminal signal until the run is written,
//     then stops with it (the recording is complete; only symbolization is skipped); a second
//     one stops allocprof at once.
#pragma once

#include <sys/types.h>

namespace allocprof::record {

// Installs allocprof's handlers; remembers what was inherited.
void install_recording_signals();

// The process signals are passed on to; 0 once it has ended.
void set_signal_target(pid_t pid);

// In the forked child, before exec: the inherited dispositions back. Async-signal-safe.
void restore_inherited_signals_in_child();

// The first terminal signal received after the target ended, or 0. After this call the
// signals act at once (their defaults, or ignored where allocprof inherited them ignored).
int end_recording_signals();

}  // namespace allocprof::record
