// frame_roles.h — what a frame of a stored stack is, for a reader that sets frames apart
// (the HTML report's flame graph hides them on request): allocator plumbing as site
// attribution judges it with the wrapper patterns the run's sites were attributed with, an
// interpreter start-up function, and a frame whose function tells that its module is an
// interpreter's. The rules are symbolize/site_attribution.h's, schema/stored_stacks.h's
// and runtime_sites.h's; this file only hands them on, so that reports/ (which may read
// analyzers/ but not symbolize/) applies the same ones.
#pragma once

#include <cstdint>

#include "schema/run_database.h"
#include "schema/stored_stacks.h"
#include "symbolize/site_attribution.h"

namespace allocprof::analyzers {

class FrameRoles {
  public:
    // The roles for run `run_id` of `db`: its stored site config (the default one when the
    // run was not symbolized). Throws schema::DatabaseError when the database cannot be read.
    FrameRoles(schema::Database& db, int64_t run_id);

    // The malloc family, operator new, C++ library internals, the preload library and the
    // configured wrappers (SiteAttributor::is_plumbing). Never a script frame.
    bool is_plumbing(const schema::StackFrame& frame) const;
    // A function that creates the interpreter or loads its standard library (luaL_openlibs,
    // Py_Initialize...: symbolize::is_startup_function).
    static bool is_startup(const schema::StackFrame& frame);
    // An eval function (where script frames are merged in) or a start-up function, outside the
    // runtime libraries: the frame's module is the interpreter's. Debian's stripped lua5.4
    // names no eval function, but its exported luaL_openlibs is enough.
    static bool marks_interpreter_module(const schema::StackFrame& frame);

  private:
    symbolize::SiteAttributor attributor_;
};

}  // namespace allocprof::analyzers
