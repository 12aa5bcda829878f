// script_environment.cpp — see script_environment.h.
#include "script_environment.h"

#include <cstdlib>

namespace allocprof::profiler {
namespace {

// A Lua long string literal that holds `text` whatever it contains.
std::string lua_long_string(const std::string& text) {
    std::string level;
    while (text.find("]" + level + "]") != std::string::npos) level += "=";
    return "[" + level + "[" + text + "]" + level + "]";
}

std::string environment_value(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

void add_lua(ScriptEnvironment& out, const std::string& preload_library) {
    std::string user_init = environment_value("LUA_INIT_5_4");
    if (user_init.empty()) user_init = environment_value("LUA_INIT");
    out.variables.emplace_back("LUA_INIT_5_4", lua_init_chunk(preload_library, user_init));
}

}  // namespace

std::string lua_init_chunk(const std::string& preload_library, const std::string& user_init) {
    // package.loadlib finds the already loaded library; in a Lua without `package` (or not
    // 5.4) nothing happens. The module is what `require "allocprof"` returns.
    std::string chunk =
        "do local open = package and package.loadlib and package.loadlib(" +
        lua_long_string(preload_library) +
        ", 'allocprof_lua_open') local m = open and open() "
        "if m then package.preload.allocprof = function() return m end end end\n";
    if (user_init.empty()) return chunk;
    if (user_init[0] == '@') return chunk + "dofile(" + lua_long_string(user_init.substr(1)) + ")\n";
    return chunk + "assert(load(" + lua_long_string(user_init) + ", '=LUA_INIT'))()\n";
}

ScriptEnvironment script_environment(const std::vector<std::string>& command,
                                     const std::string& preload_library,
                                     const ScriptOptions& options) {
    ScriptEnvironment out;
    if (!options.script_frames) {
        out.notes.push_back("script frames off (--no-script-frames): stacks are native only");
        return out;
    }
    (void)command;
    add_lua(out, preload_library);
    return out;
}

}  // namespace allocprof::profiler
