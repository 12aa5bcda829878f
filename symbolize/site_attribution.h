// site_attribution.h — which frame of an allocating stack is its *site* (the definition is
// in docs/definitions.md), and the site's symbolic identity. Pure functions on frame lists; no database.
//
// The site is the first source-level frame, walking from the leaf outwards and across
// inlined frames, that is not allocator plumbing:
//   - the preload library (normally already absent from stacks);
//   - libc's malloc family and string duplicators (malloc ... pvalloc, strdup, wcsdup, ...)
//     in libc.so (and the dynamic loader's inline wrappers of them, in ld-linux*.so);
//   - operator new / operator new[] in any module;
//   - C++ library internals: functions whose qualified name starts with std:: or
//     __gnu_cxx:: (a vector's _M_realloc_insert instantiated in the user's binary, the
//     push_back inlined into the user's function), and any frame whose source is a
//     libstdc++ header (/include/c++/), in case a name says neither;
//   - configured wrappers (site_config.h: Lua's luaM_*, CPython's PyMem_*, the user's).
// So a growing std::vector's site is the user's line that calls push_back, and the site
// of an inlined allocating helper is the helper itself (its own line, its own name): the
// innermost frame that is not plumbing, inlined or not.
// A frame nothing is known of (no function name) is never plumbing: its site is shown as
// module+0xoffset. A stack that is plumbing all the way out is attributed to its leaf.
//
// The interpreter's start-up is one site per start-up function: a stack that passes, at or
// outside the frame chosen above, through a function that creates the interpreter or loads
// its standard library (Lua's lua_newstate, luaL_newstate, luaL_openlibs; CPython's
// Py_Initialize family, which also imports site) is attributed to the innermost such frame.
// Otherwise Lua's allocator entry point would mix the state's creation with the script's
// work in one site; analyzers/runtime_sites.h keeps these sites out of the tiers and plan.
//
// Identity: the site key is (module file name, function, file, line), the function key
// (module file name, function). Both are symbolic, so they match across runs and
// rebuilds; only unknown code carries an address. allocprof compare pairs sites by exact
// site key first, then, among the sites unpaired on both sides, by function key (in order
// of line) — a blank line inserted above a site changes its key, not its function key.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "schema/stored_stacks.h"

namespace allocprof::symbolize {

// One source-level frame of a stack, leaf first when in a list (schema/stored_stacks.h).
using AttributionFrame = schema::StackFrame;

struct SiteIdentity {
    std::string module;
    std::string function;  // "module+0xoffset" for unknown code
    std::string file;      // leading "./" removed
    int line = 0;

    std::string site_key() const;      // JSON [module, function, file, line]
    std::string function_key() const;  // JSON [module, function]
};

// A function's qualified name without return type and parameters:
// "void std::vector<int>::_M_realloc_insert<int>(iter, int&&)" ->
// "std::vector<int>::_M_realloc_insert<int>", "main::{lambda(int)#1}::operator()(int) const" ->
// "main::{lambda(int)#1}::operator()".
std::string_view qualified_name(std::string_view demangled);

// Whether `qualified` (qualified_name of a frame's function) is one of the interpreters'
// start-up functions above.
bool is_startup_function(std::string_view qualified);

class SiteAttributor {
  public:
    // `wrapper_patterns`: fnmatch globs on qualified names (SiteConfig::patterns()).
    explicit SiteAttributor(std::vector<std::string> wrapper_patterns);

    bool is_plumbing(const AttributionFrame& frame) const { return kind(frame) == Kind::Plumbing; }
    // Index in `stack` (leaf first) of the site frame; 0 for an all-plumbing stack.
    // `stack` must not be empty.
    size_t site_index(std::span<const AttributionFrame> stack) const;
    // The identity of a frame chosen as a site.
    static SiteIdentity identity(const AttributionFrame& frame);

  private:
    enum class Kind : uint8_t { Code, Plumbing, Startup };
    Kind kind(const AttributionFrame& frame) const;
    Kind compute_kind(const AttributionFrame& frame) const;

    std::vector<std::string> patterns_;
    // The kind by module and function: a run asks about the same few thousand functions
    // millions of times.
    mutable std::unordered_map<std::string, Kind> cache_;
};

}  // namespace allocprof::symbolize
