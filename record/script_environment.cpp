// script_environment.cpp — see script_environment.h.
#include "record/script_environment.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "record/target_launcher.h"

namespace allocprof::record {
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

// "python", "python3", "python3.11", "python3.13t", "python3.12d": CPython's own names.
bool is_python_name(const std::string& path) {
    static const std::regex name(R"(python([0-9]+(\.[0-9]+)*)?[dmt]?)");
    return std::regex_match(std::filesystem::path(path).filename().string(), name);
}

// The interpreter a "#!" line names: its program, or the program `env` runs.
std::string shebang_interpreter(const std::string& script) {
    std::ifstream in(script, std::ios::binary);
    std::string line;
    if (!in || !std::getline(in, line) || line.rfind("#!", 0) != 0) return "";
    std::istringstream words(line.substr(2));
    std::string program;
    words >> program;
    if (std::filesystem::path(program).filename() != "env") return program;
    for (std::string word; words >> word;)
        if (word[0] != '-' && word.find('=') == std::string::npos) return word;
    return "";
}

// The command runs CPython: its program (as found on PATH, or what a symlink to it names)
// is called python..., or it is a script whose "#!" line names python....
bool runs_python(const std::vector<std::string>& command) {
    if (command.empty()) return false;
    std::string program;
    try {
        program = resolve_command(command[0]);
    } catch (const LaunchError&) {
        return false;
    }
    if (is_python_name(program)) return true;
    std::error_code error;
    const std::filesystem::path real = std::filesystem::canonical(program, error);
    if (!error && is_python_name(real.string())) return true;
    const std::string interpreter = shebang_interpreter(program);
    return !interpreter.empty() && is_python_name(interpreter);
}

// PYTHONPATH starts with the support folder next to the preload library: its
// sitecustomize.py attaches the script frames and GC counts (interpose/python/).
void add_python_frames(ScriptEnvironment& out, const std::string& preload_library) {
    const std::string support =
        (std::filesystem::path(preload_library).parent_path() / "python").string();
    const std::string user_path = environment_value("PYTHONPATH");
    out.variables.emplace_back("PYTHONPATH", user_path.empty() ? support : support + ":" + user_path);
    if (!std::filesystem::exists(std::filesystem::path(support) / "sitecustomize.py"))
        out.notes.push_back("python: no sitecustomize.py in " + support +
                            ": no script frames, GC counts or markers from Python");
}

// PYTHONMALLOC=malloc turns pymalloc off so that every object allocation reaches malloc;
// it is about what is seen, not about frames, so --no-script-frames keeps it.
void add_python_allocator(ScriptEnvironment& out, const ScriptOptions& options) {
    const std::string user_malloc = environment_value("PYTHONMALLOC");
    if (options.keep_pymalloc) {
        out.notes.push_back(
            "python: allocator pymalloc kept (--keep-pymalloc): objects of up to 512 bytes come "
            "from pymalloc's arenas and are not seen as allocations");
    } else if (!user_malloc.empty()) {
        out.notes.push_back("python: allocator PYTHONMALLOC=" + user_malloc +
                            " as set in the environment (left as it was)");
    } else {
        out.variables.emplace_back("PYTHONMALLOC", "malloc");
        out.notes.push_back(
            "python: allocator PYTHONMALLOC=malloc (allocprof's default): pymalloc would hide "
            "most small object allocations from the malloc hook; --keep-pymalloc keeps it");
    }
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
    const bool python = runs_python(command);
    if (python) add_python_allocator(out, options);
    if (!options.script_frames) {
        out.notes.push_back("script frames off (--no-script-frames): stacks are native only");
        return out;
    }
    add_lua(out, preload_library);
    if (python) add_python_frames(out, preload_library);
    return out;
}

}  // namespace allocprof::record
