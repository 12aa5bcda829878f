// real_functions.h — pointers to the functions the hooks forward to (the next definition
// after ours in the dynamic linker's search order: normally libc's), generated from
// hooked_functions.def.
#pragma once

#include <stddef.h>
#include <sys/types.h>

namespace allocprof::interpose {

struct RealFunctions {
#define X(name, ret, params, kind) ret(*name) params;
#include "hooked_functions.def"
#undef X
};

extern RealFunctions g_real;

// True once every Required entry of g_real is resolved. Resolves on the first call.
// While this thread is inside the resolution (dlsym allocating), returns false: the
// caller must serve the request from the bootstrap allocator.
bool real_functions_ready();

// Names of Required functions that could not be resolved (empty string if none).
// Exposed so the tracker can say so in the run.
const char* unresolved_required_functions();

}  // namespace allocprof::interpose
