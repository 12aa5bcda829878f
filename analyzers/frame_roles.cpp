// frame_roles.cpp — see frame_roles.h.
#include "analyzers/frame_roles.h"

#include "analyzers/runtime_sites.h"
#include "symbolize/wrapper_usage.h"

namespace allocprof::analyzers {

FrameRoles::FrameRoles(schema::Database& db, int64_t run_id)
    : attributor_(symbolize::stored_site_config(db, run_id).patterns()) {}

bool FrameRoles::is_plumbing(const schema::StackFrame& frame) const {
    return !frame.script && attributor_.is_plumbing(frame);
}

bool FrameRoles::is_startup(const schema::StackFrame& frame) {
    return !frame.script && symbolize::is_startup_function(symbolize::qualified_name(frame.function));
}

bool FrameRoles::marks_interpreter_module(const schema::StackFrame& frame) {
    return !frame.script && (is_startup(frame) || schema::is_eval_function(frame.function)) &&
           !is_runtime_module(frame.module);
}

}  // namespace allocprof::analyzers
