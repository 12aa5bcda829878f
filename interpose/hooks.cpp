// hooks.cpp — the interposed functions of the hook table (wire/hooked_functions.def): one
// line each over a few forwarding helpers, the memray/heaptrack shape. Resolve the real
// function, call it, record after a successful allocation; record a free *before* the
// real free (so no other thread can reuse the address and be reported first).
//
// The helpers take the real call as a lambda, so the pointer in g_real is read only after
// real_functions_ready() has resolved it; the mapping hooks never start the resolution
// and make the system call themselves until it is done (real_functions.cpp says why).
// The real call runs in a Closed part of the hook (tracker_state.h, Nesting): what it calls
// through a hooked symbol (glibc's reallocarray calls realloc) is not recorded twice.
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "interpose/bootstrap_allocator.h"
#include "interpose/real_functions.h"
#include "interpose/tracker.h"
#include "interpose/tracker_state.h"

#define ALLOCPROF_EXPORT extern "C" __attribute__((visibility("default")))
#define ALLOCPROF_FORWARDER static inline __attribute__((always_inline))

using allocprof::wire::HookFn;
using namespace allocprof::interpose;

namespace {

constexpr size_t kMallocAlignment = 16;
constexpr size_t kPageAlignment = 4096;

// A block dlsym got from the bootstrap buffer is being resized: move it to a real block.
void* move_out_of_bootstrap(void* ptr, size_t size) {
    void* fresh = malloc(size);
    if (fresh) {
        size_t old = bootstrap_block_size(ptr);
        memcpy(fresh, ptr, old < size ? old : size);
    }
    return fresh;
}

// realloc while this thread is served from the bootstrap buffer.
void* bootstrap_realloc(void* ptr, size_t size) {
    if (ptr && !is_bootstrap_block(ptr) && g_real.realloc) return g_real.realloc(ptr, size);
    void* fresh = bootstrap_allocate(size, 16);
    if (fresh && ptr) {
        size_t old = bootstrap_block_size(ptr);
        memcpy(fresh, ptr, old < size ? old : size);
    }
    return fresh;
}

// The real call, in a part of the hook where nested calls are not recorded.
template <typename Call>
ALLOCPROF_FORWARDER auto real_call(Call call) {
    NestingWindow real(kNestingClosed);
    return call();
}

// An allocating call: `size` requested bytes, served from the bootstrap buffer (aligned to
// `early_alignment`) while the real functions are being resolved.
template <typename Call>
ALLOCPROF_FORWARDER void* allocate(HookFn fn, size_t size, size_t early_alignment, Call call) {
    if (!real_functions_ready()) return bootstrap_allocate(size, early_alignment);
    HookScope scope(NestedCalls::Record);
    void* p = real_call(call);
    if (p && scope.recording()) record_alloc(fn, p, size);
    return p;
}

// count * size, or false (errno ENOMEM) when it overflows, as calloc and reallocarray fail.
ALLOCPROF_FORWARDER bool total_size(size_t count, size_t size, size_t* total) {
    if (!__builtin_mul_overflow(count, size, total)) return true;
    errno = ENOMEM;
    return false;
}

// posix_memalign: the block comes back through `out`, success is 0.
template <typename Call>
ALLOCPROF_FORWARDER int allocate_into(HookFn fn, void** out, size_t alignment, size_t size,
                                      Call call) {
    if (!real_functions_ready()) {
        *out = bootstrap_allocate(size, alignment);
        return *out ? 0 : ENOMEM;
    }
    HookScope scope(NestedCalls::Record);
    int rc = real_call(call);
    if (rc == 0 && scope.recording()) record_alloc(fn, *out, size);
    return rc;
}

// realloc-like: `call(ptr, a, b)` is the real call, `requested` the bytes asked for.
ALLOCPROF_FORWARDER void* reallocate(HookFn fn, void* ptr, size_t a, size_t b, size_t requested,
                                     ReallocCall call) {
    if (!real_functions_ready()) return bootstrap_realloc(ptr, requested);
    if (is_bootstrap_block(ptr)) return move_out_of_bootstrap(ptr, requested);
    HookScope scope(NestedCalls::Record);
    if (!scope.recording()) return real_call([=] { return call(ptr, a, b); });
    if (!ptr) {
        void* p = real_call([=] { return call(nullptr, a, b); });
        if (p) record_alloc(fn, p, requested);
        return p;
    }
    return tracked_realloc(fn, call, ptr, a, b, requested);
}

void* realloc_call(void* ptr, size_t size, size_t) { return g_real.realloc(ptr, size); }
void* reallocarray_call(void* ptr, size_t count, size_t size) {
    return g_real.reallocarray(ptr, count, size);
}

// Every free-like call: recorded before the real free; the free_sized family falls back to
// free where libc lacks it.
ALLOCPROF_FORWARDER void release(HookFn fn, void* ptr) {
    if (!ptr || is_bootstrap_block(ptr) || !resolve_real_functions()) return;
    HookScope scope(NestedCalls::Record);
    if (scope.recording() && record_free(fn, ptr)) return;  // the real free waits for its record
    real_call([=] { g_real.free(ptr); });
}

// Anonymous mappings are recorded as their own kind, outside the heap metrics.
template <typename Call>
ALLOCPROF_FORWARDER void* map(size_t length, int flags, Call call) {
    HookScope scope(NestedCalls::Record);
    void* p = real_call(call);
    if (p != MAP_FAILED && (flags & MAP_ANONYMOUS) && scope.recording()) record_mmap(p, length);
    return p;
}

// dlopen/dlclose themselves are not guarded: what the loader allocates is the target's.
template <typename Call>
ALLOCPROF_FORWARDER auto load(bool unloads, Call call) {
    using Result = decltype(call());
    if (!resolve_real_functions()) return Result{};  // only on the thread inside dlsym itself
    auto result = call();
    HookScope scope;
    bool succeeded = unloads ? result == 0 : result != 0;
    if (succeeded && scope.recording()) modules_changed(unloads);
    return result;
}

}  // namespace

// clang-format off
ALLOCPROF_EXPORT void* malloc(size_t size) noexcept {
    return allocate(HookFn::Malloc, size, kMallocAlignment, [=] { return g_real.malloc(size); });
}
ALLOCPROF_EXPORT void* calloc(size_t count, size_t size) noexcept {
    size_t total;
    if (!total_size(count, size, &total)) return nullptr;
    return allocate(HookFn::Calloc, total, kMallocAlignment, [=] { return g_real.calloc(count, size); });
}
ALLOCPROF_EXPORT void* realloc(void* ptr, size_t size) noexcept {
    return reallocate(HookFn::Realloc, ptr, size, 0, size, realloc_call);
}
ALLOCPROF_EXPORT void* reallocarray(void* ptr, size_t count, size_t size) noexcept {
    size_t total;
    if (!total_size(count, size, &total)) return nullptr;
    return reallocate(HookFn::Reallocarray, ptr, count, size, total, reallocarray_call);
}
ALLOCPROF_EXPORT void free(void* ptr) noexcept { release(HookFn::Free, ptr); }
ALLOCPROF_EXPORT void free_sized(void* ptr, size_t) noexcept { release(HookFn::FreeSized, ptr); }
ALLOCPROF_EXPORT void free_aligned_sized(void* ptr, size_t, size_t) noexcept {
    release(HookFn::FreeAlignedSized, ptr);
}
ALLOCPROF_EXPORT int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
    return allocate_into(HookFn::PosixMemalign, out, alignment, size,
                         [=] { return g_real.posix_memalign(out, alignment, size); });
}
ALLOCPROF_EXPORT void* aligned_alloc(size_t alignment, size_t size) noexcept {
    return allocate(HookFn::AlignedAlloc, size, alignment, [=] { return g_real.aligned_alloc(alignment, size); });
}
ALLOCPROF_EXPORT void* memalign(size_t alignment, size_t size) noexcept {
    return allocate(HookFn::Memalign, size, alignment, [=] { return g_real.memalign(alignment, size); });
}
ALLOCPROF_EXPORT void* valloc(size_t size) noexcept {
    return allocate(HookFn::Valloc, size, kPageAlignment, [=] { return g_real.valloc(size); });
}
ALLOCPROF_EXPORT void* pvalloc(size_t size) noexcept {
    return allocate(HookFn::Pvalloc, size, kPageAlignment, [=] { return g_real.pvalloc(size); });
}
ALLOCPROF_EXPORT void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) noexcept {
    if (!real_functions_resolved()) return early_mmap(addr, length, prot, flags, fd, offset);
    return map(length, flags, [=] { return g_real.mmap(addr, length, prot, flags, fd, offset); });
}
ALLOCPROF_EXPORT void* mmap64(void* addr, size_t length, int prot, int flags, int fd, off_t offset) noexcept {
    if (!real_functions_resolved()) return early_mmap(addr, length, prot, flags, fd, offset);
    return map(length, flags, [=] { return g_real.mmap64(addr, length, prot, flags, fd, offset); });
}
ALLOCPROF_EXPORT int munmap(void* addr, size_t length) noexcept {
    if (!real_functions_resolved()) return early_munmap(addr, length);
    HookScope scope(NestedCalls::Record);
    // Recorded before: the range may be mapped again at once, by any thread.
    if (scope.recording() && record_munmap(addr, length)) return 0;  // unmapped after its record
    return real_call([=] { return g_real.munmap(addr, length); });
}
ALLOCPROF_EXPORT void* mremap(void* old_addr, size_t old_length, size_t new_length, int flags, ...) noexcept {
    void* new_addr = nullptr;
    if (flags & MREMAP_FIXED) {
        va_list args;
        va_start(args, flags);
        new_addr = va_arg(args, void*);
        va_end(args);
    }
    if (!real_functions_resolved()) return early_mremap(old_addr, old_length, new_length, flags, new_addr);
    HookScope scope(NestedCalls::Record);
    void* p = real_call([=] { return g_real.mremap(old_addr, old_length, new_length, flags, new_addr); });
    if (p != MAP_FAILED && scope.recording()) record_mremap(old_addr, old_length, p, new_length);
    return p;
}
ALLOCPROF_EXPORT void* dlopen(const char* file, int mode) noexcept {
    return load(false, [=] { return g_real.dlopen(file, mode); });
}
ALLOCPROF_EXPORT int dlclose(void* handle) noexcept {
    return load(true, [=] { return g_real.dlclose(handle); });
}
// clang-format on
