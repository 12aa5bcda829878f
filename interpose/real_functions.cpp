// real_functions.cpp — resolution of g_real with dlsym(RTLD_NEXT).
//
// The trap: dlsym itself may call calloc/malloc/free (for its error state). Those calls
// come back into our hooks before we know where the real functions are. The resolving
// thread marks itself in t_resolving and the hooks serve it from the bootstrap buffer.
#include "interpose/real_functions.h"

#include <dlfcn.h>
#include <sched.h>
#include <string.h>

#include <atomic>

namespace allocprof::interpose {

RealFunctions g_real;

namespace {

enum : int { kUnresolved = 0, kResolving = 1, kResolved = 2 };
std::atomic<int> g_state{kUnresolved};
__attribute__((tls_model("initial-exec"))) thread_local bool t_resolving = false;
char g_missing[256];

void append_missing(const char* name) {
    size_t used = strlen(g_missing);
    size_t n = strlen(name);
    if (used + n + 2 >= sizeof(g_missing)) return;
    if (used) g_missing[used++] = ' ';
    memcpy(g_missing + used, name, n + 1);
}

template <typename F>
void resolve(F& slot, const char* name, bool required) {
    slot = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
    if (!slot && required) append_missing(name);
}

void resolve_all() {
    constexpr bool Required = true;
    constexpr bool Optional = false;
    (void)Required;
    (void)Optional;
#define ALLOCPROF_HOOK(name, id, value, ret, params, kind) resolve(g_real.name, #name, kind);
#define ALLOCPROF_HOOK_SHARING(name, id, ret, params, kind) resolve(g_real.name, #name, kind);
#define ALLOCPROF_HOOK_NO_EVENT(name, ret, params, kind) resolve(g_real.name, #name, kind);
#include "wire/hooked_functions.def"
#undef ALLOCPROF_HOOK
#undef ALLOCPROF_HOOK_SHARING
#undef ALLOCPROF_HOOK_NO_EVENT
}

}  // namespace

bool real_functions_ready() {
    if (t_resolving) return false;
    int state = g_state.load(std::memory_order_acquire);
    if (state == kResolved) return true;
    int expected = kUnresolved;
    if (g_state.compare_exchange_strong(expected, kResolving, std::memory_order_acq_rel)) {
        t_resolving = true;
        resolve_all();
        t_resolving = false;
        g_state.store(kResolved, std::memory_order_release);
        return true;
    }
    // Another thread is resolving; it takes microseconds.
    while (g_state.load(std::memory_order_acquire) != kResolved) sched_yield();
    return true;
}

BootstrapScope::BootstrapScope() : previous_(t_resolving) { t_resolving = true; }
BootstrapScope::~BootstrapScope() { t_resolving = previous_; }

const char* unresolved_required_functions() { return g_missing; }

void* global_symbol(const char* name) {
    BootstrapScope loader_state_stays_ours;
    return dlsym(RTLD_DEFAULT, name);
}

}  // namespace allocprof::interpose
