// script_frames.h — script-level frames (Lua, Python) for the stacks the preload library
// records. A language binding (lua_frames.cpp, python_frames.cpp) keeps a shadow stack of
// the script functions its interpreter is running, fed by the interpreter's own hooks, and
// registers a Provider that copies the calling thread's script stack at an allocation.
// This file owns what the bindings share: the table of script functions (interned by
// content, sent to the profiler once, before the first stack that names them) and the
// provider list the tracker consults.
//
// Nothing here allocates through the hooked allocator: the function table and its strings
// live in internal_map memory. The table's lock is a SpinLock taken only inside
// intern_function, never while calling into the interpreter.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "wire/wire_format.h"

namespace allocprof::interpose::script {

// One script frame: the function (an id from intern_function) and the line it is at.
struct Frame {
    uint32_t function;
    uint32_t line;
};

inline constexpr int kMaxFrames = 128;  // innermost frames beyond this are not recorded

// The id of a script function, >= 1, the same for the same (language, file, name,
// first_line). Strings are copied (file up to kMaxScriptFileLength bytes, name up to
// kMaxNameLength). Returns 0 when the table is full or memory ran out.
uint32_t intern_function(wire::ScriptLanguage language, const char* file, size_t file_length,
                         const char* name, size_t name_length, uint32_t first_line);

// The file, name and first line of function `id` (strings NUL-terminated, never moved or
// freed); false for an id that was never handed out. Needs no lock.
bool describe_function(uint32_t id, const char** file, const char** name, uint32_t* first_line);

// Copies the calling thread's script stack into `out`, outermost frame first; returns the
// number of frames (0: the thread runs no script). Called inside the allocation hook, with
// no lock held: it may read the interpreter's state but must not allocate, lock, or run
// interpreter code.
using Provider = int (*)(Frame* out, int max);
bool register_provider(Provider provider);

// For the tracker: every registered provider's frames for this thread, outermost first.
int capture(Frame* out, int max);

// Under the stream lock: sends the ScriptFunction record of each function in `frames`
// that the profiler has not been told about.
void announce_functions_locked(const Frame* frames, int count);

}  // namespace allocprof::interpose::script
