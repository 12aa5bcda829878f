// markers.cpp — the marker API of include/allocprof/allocprof.h. In a process that is not
// traced (or after tracking stopped) the calls do nothing.
#include "allocprof/allocprof.h"

#include "interpose/real_functions.h"
#include "interpose/tracker.h"

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

}  // extern "C"
