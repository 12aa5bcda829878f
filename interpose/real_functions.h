// real_functions.h — pointers to the functions the hooks forward to (the next definition
// after ours in the dynamic linker's search order: normally libc's), one per row of the hook
// table, wire/hooked_functions.def.
#pragma once

#include <stddef.h>
#include <sys/types.h>

namespace allocprof::interpose {

struct RealFunctions {
#define ALLOCPROF_HOOK(name, id, value, ret, params, kind) ret(*name) params;
#define ALLOCPROF_HOOK_SHARING(name, id, ret, params, kind) ret(*name) params;
#define ALLOCPROF_HOOK_NO_EVENT(name, ret, params, kind) ret(*name) params;
#include "wire/hooked_functions.def"
#undef ALLOCPROF_HOOK
#undef ALLOCPROF_HOOK_SHARING
#undef ALLOCPROF_HOOK_NO_EVENT
};

extern RealFunctions g_real;

// True once every Required entry of g_real is resolved. Resolves on the first call.
// While this thread is inside the resolution (dlsym allocating) or a BootstrapScope,
// returns false: the caller must serve the request from the bootstrap allocator.
bool real_functions_ready();
// Resolves on the first call like real_functions_ready, but true in a BootstrapScope once
// resolved: for the hooks that forward without allocating (free, dlopen). False only on
// the thread inside the resolution.
bool resolve_real_functions();
// True once the resolution is complete; never starts it. The mapping hooks forward to
// g_real only then, and to the early_* system calls before.
bool real_functions_resolved();
void* early_mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset);
int early_munmap(void* addr, size_t length);
void* early_mremap(void* old_addr, size_t old_length, size_t new_length, int flags, void* new_addr);

// While alive, this thread's allocations are served from the bootstrap buffer: for the
// library's own calls into the dynamic loader (dlsym, dladdr), whose error state glibc
// allocates and frees later from the *target's* next dlerror/dlopen. Served from the
// bootstrap buffer, that state is never recorded and its later free is ignored.
class BootstrapScope {
public:
    BootstrapScope();
    ~BootstrapScope();
    BootstrapScope(const BootstrapScope&) = delete;
    BootstrapScope& operator=(const BootstrapScope&) = delete;

private:
    bool previous_;
};

// Resolves a symbol of the target's global scope (an interpreter's API, for the language
// bindings) into `f`, inside a BootstrapScope. False when there is none.
void* global_symbol(const char* name);
template <typename F>
bool resolve_global(F& f, const char* name) {
    f = reinterpret_cast<F>(global_symbol(name));
    return f != nullptr;
}

// Names of Required functions that could not be resolved (empty string if none).
// Exposed so the tracker can say so in the run.
const char* unresolved_required_functions();

}  // namespace allocprof::interpose
