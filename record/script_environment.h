// script_environment.h — what `allocprof record` adds to the target's environment so that
// interpreters report their script frames, GC cycles and markers (interpose/lua_frames.cpp,
// interpose/python_frames.cpp), and the notes the run keeps about it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace allocprof::record {

struct ScriptOptions {
    bool script_frames = true;   // --no-script-frames turns the interpreter hooks off
    bool keep_pymalloc = false;  // --keep-pymalloc: do not set PYTHONMALLOC=malloc
};

struct ScriptEnvironment {
    std::vector<std::pair<std::string, std::string>> variables;
    std::vector<std::string> notes;  // stored with the run
};

// `command` is the target's argv; `preload_library` the absolute path of the library.
// Reads the current environment (a user's LUA_INIT or PYTHONPATH is kept and chained).
ScriptEnvironment script_environment(const std::vector<std::string>& command,
                                     const std::string& preload_library,
                                     const ScriptOptions& options);

// The LUA_INIT_5_4 value that opens allocprof's Lua module before the user's own
// LUA_INIT_5_4 or LUA_INIT (`user_init`, may be empty), which then runs as Lua would run it.
std::string lua_init_chunk(const std::string& preload_library, const std::string& user_init);

}  // namespace allocprof::record
