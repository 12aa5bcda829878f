// real_functions.cpp — resolution of g_real with dlsym(RTLD_NEXT), and the early paths of
// the mapping hooks.
//
// The traps:
//  - dlsym itself may call calloc/malloc/free (for its error state). Those calls come back
//    into our hooks before we know where the real functions are. The resolving thread marks
//    itself in t_resolving and the hooks serve it from the bootstrap buffer.
//  - a dlsym that fails allocates its error text through whichever malloc the program
//    has: an Optional name is looked up first without the loader (symbol_lookup.h), so
//    resolution calls dlsym only for names that exist, and allocates nothing.
//  - a program with its own malloc calls mmap from its first allocation on, before our
//    constructor and before anything is resolved: the mapping hooks never start the
//    resolution, and make the system call themselves until it is done (early_mmap...).
#include "interpose/real_functions.h"

#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "interpose/symbol_lookup.h"

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
    if (!required && !defined_after(reinterpret_cast<const void*>(&append_missing), name)) {
        slot = nullptr;
        return;
    }
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

// A raw system call's result as libc returns it: -1 (or MAP_FAILED) with errno set.
long syscall_result(long r) {
    if (r < 0 && r > -4096) {
        errno = int(-r);
        return -1;
    }
    return r;
}

}  // namespace

bool resolve_real_functions() {
    int state = g_state.load(std::memory_order_acquire);
    if (state == kResolved) return true;
    if (t_resolving) return false;
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

bool real_functions_ready() {
    if (t_resolving) return false;
    return resolve_real_functions();
}

bool real_functions_resolved() { return g_state.load(std::memory_order_acquire) == kResolved; }

void* early_mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
    long r = syscall_result(syscall(SYS_mmap, addr, length, prot, flags, fd, offset));
    return r == -1 ? MAP_FAILED : reinterpret_cast<void*>(r);
}

int early_munmap(void* addr, size_t length) {
    return int(syscall_result(syscall(SYS_munmap, addr, length)));
}

void* early_mremap(void* old_addr, size_t old_length, size_t new_length, int flags,
                   void* new_addr) {
    long r = syscall_result(syscall(SYS_mremap, old_addr, old_length, new_length, flags, new_addr));
    return r == -1 ? MAP_FAILED : reinterpret_cast<void*>(r);
}

BootstrapScope::BootstrapScope() : previous_(t_resolving) { t_resolving = true; }
BootstrapScope::~BootstrapScope() { t_resolving = previous_; }

const char* unresolved_required_functions() { return g_missing; }

void* global_symbol(const char* name) {
    BootstrapScope loader_state_stays_ours;
    return dlsym(RTLD_DEFAULT, name);
}

}  // namespace allocprof::interpose
