// runtime_sites.h — which sites are the runtime's own code rather than the program's.
//
// A site is attributed to the innermost frame that is not allocator plumbing
// (symbolize/site_attribution.h). When that frame is still inside the C runtime — libc
// (stdio buffers, locale, getpwnam...), the dynamic loader, libstdc++ or libgcc (the
// emergency exception pool, iostream start-up) — no change to the program's code at that
// line can remove it: the program's own call into the runtime is further out, or there is
// none (start-up). Such sites are ranked apart (tier "runtime"), counted in one line of
// the report, and get no plan item. The modules are matched by file name, so a runtime
// installed anywhere (a custom glibc, a toolchain's libstdc++) is recognised.
//
// The interpreter's own start-up is runtime too: site attribution gives every stack that
// passes through a function creating the interpreter or loading its standard library
// (symbolize::is_startup_function: Lua's lua_newstate, luaL_openlibs; CPython's
// Py_Initialize family) to that function's frame, so such a site allocates before the
// script's first line and only then; no line of the script can remove it. It is in tier
// "runtime" with its module, and the start-up function named
// (SiteMetrics::startup_function).
#pragma once

#include <string_view>

namespace allocprof::analyzers {

// Whether `module` (a file name such as "libc.so.6") is one of the runtime's libraries.
bool is_runtime_module(std::string_view module);

}  // namespace allocprof::analyzers
