// markers.cpp — the marker API of include/allocprof/allocprof.h, and the calling thread's
// counts. In a process that is not traced (or after tracking stopped) the markers do
// nothing and the counts stay where they are.
#include "allocprof/allocprof.h"

#include "interpose/real_functions.h"
#include "interpose/tracker.h"
#include "interpose/tracker_state.h"

using namespace allocprof::interpose;

extern "C" {

__attribute__((visibility("default"))) void allocprof_phase_begin(const char* name) {
    if (!real_functions_ready()) return;
    HookScope scope;
    if (scope.recording()) record_phase_begin(name);
}

__attribute__((visibility("default"))) void allocprof_phase_end(void) {
    if (!real_functions_ready()) return;
    HookScope scope;
    if (scope.recording()) record_phase_end();
}

__attribute__((visibility("default"))) void allocprof_ops(uint64_t n) {
    if (!real_functions_ready()) return;
    HookScope scope;
    if (scope.recording()) record_ops(n);
}

__attribute__((visibility("default"))) uint64_t allocprof_thread_allocations(void) { return t_state.allocations; }

__attribute__((visibility("default"))) uint64_t allocprof_thread_bytes(void) { return t_state.bytes; }

}  // extern "C"
