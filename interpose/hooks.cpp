// hooks.cpp — the interposed functions: one short forwarder each. Resolve the real
// function, call it, record after a successful allocation; record a free *before* the
// real free (so no other thread can reuse the address and be reported first).
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

using allocprof::wire::HookFn;
using namespace allocprof::interpose;

namespace {

void* realloc_call(void* ptr, size_t size, size_t) { return g_real.realloc(ptr, size); }
void* reallocarray_call(void* ptr, size_t count, size_t size) {
    return g_real.reallocarray(ptr, count, size);
}

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

void* aligned(HookFn fn, void* (*real)(size_t, size_t), size_t alignment, size_t size) {
    HookScope scope;
    void* p = real(alignment, size);
    if (p && scope.recording()) record_alloc(fn, p, size);
    return p;
}

void release(HookFn fn, void* ptr) {
    if (!ptr || is_bootstrap_block(ptr)) return;
    HookScope scope;
    if (scope.recording()) record_free(fn, ptr);
    g_real.free(ptr);
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void* malloc(size_t size) noexcept {
    if (!real_functions_ready()) return bootstrap_allocate(size, 16);
    HookScope scope;
    void* p = g_real.malloc(size);
    if (p && scope.recording()) record_alloc(HookFn::Malloc, p, size);
    return p;
}

__attribute__((visibility("default"))) void* calloc(size_t count, size_t size) noexcept {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return nullptr;
    }
    if (!real_functions_ready()) return bootstrap_allocate(total, 16);
    HookScope scope;
    void* p = g_real.calloc(count, size);
    if (p && scope.recording()) record_alloc(HookFn::Calloc, p, total);
    return p;
}

__attribute__((visibility("default"))) void* realloc(void* ptr, size_t size) noexcept {
    if (!real_functions_ready()) return bootstrap_realloc(ptr, size);
    if (is_bootstrap_block(ptr)) return move_out_of_bootstrap(ptr, size);
    HookScope scope;
    if (!scope.recording()) return g_real.realloc(ptr, size);
    if (!ptr) {
        void* p = g_real.realloc(nullptr, size);
        if (p) record_alloc(HookFn::Realloc, p, size);
        return p;
    }
    return tracked_realloc(HookFn::Realloc, realloc_call, ptr, size, 0, size);
}

__attribute__((visibility("default"))) void* reallocarray(void* ptr, size_t count,
                                                          size_t size) noexcept {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return nullptr;
    }
    if (!real_functions_ready()) return bootstrap_realloc(ptr, total);
    if (is_bootstrap_block(ptr)) return move_out_of_bootstrap(ptr, total);
    HookScope scope;
    if (!scope.recording()) return g_real.reallocarray(ptr, count, size);
    if (!ptr) {
        void* p = g_real.reallocarray(nullptr, count, size);
        if (p) record_alloc(HookFn::Reallocarray, p, total);
        return p;
    }
    return tracked_realloc(HookFn::Reallocarray, reallocarray_call, ptr, count, size, total);
}

__attribute__((visibility("default"))) void free(void* ptr) noexcept {
    release(HookFn::Free, ptr);
}

__attribute__((visibility("default"))) void free_sized(void* ptr, size_t) noexcept {
    release(HookFn::FreeSized, ptr);
}

__attribute__((visibility("default"))) void free_aligned_sized(void* ptr, size_t,
                                                               size_t) noexcept {
    release(HookFn::FreeAlignedSized, ptr);
}

__attribute__((visibility("default"))) int posix_memalign(void** out, size_t alignment,
                                                          size_t size) noexcept {
    if (!real_functions_ready()) {
        *out = bootstrap_allocate(size, alignment);
        return *out ? 0 : ENOMEM;
    }
    HookScope scope;
    int rc = g_real.posix_memalign(out, alignment, size);
    if (rc == 0 && scope.recording()) record_alloc(HookFn::PosixMemalign, *out, size);
    return rc;
}

__attribute__((visibility("default"))) void* aligned_alloc(size_t alignment, size_t size) noexcept {
    if (!real_functions_ready()) return bootstrap_allocate(size, alignment);
    return aligned(HookFn::AlignedAlloc, g_real.aligned_alloc, alignment, size);
}

__attribute__((visibility("default"))) void* memalign(size_t alignment, size_t size) noexcept {
    if (!real_functions_ready()) return bootstrap_allocate(size, alignment);
    return aligned(HookFn::Memalign, g_real.memalign, alignment, size);
}

__attribute__((visibility("default"))) void* valloc(size_t size) noexcept {
    if (!real_functions_ready()) return bootstrap_allocate(size, 4096);
    HookScope scope;
    void* p = g_real.valloc(size);
    if (p && scope.recording()) record_alloc(HookFn::Valloc, p, size);
    return p;
}

__attribute__((visibility("default"))) void* pvalloc(size_t size) noexcept {
    if (!real_functions_ready()) return bootstrap_allocate(size, 4096);
    HookScope scope;
    void* p = g_real.pvalloc(size);
    if (p && scope.recording()) record_alloc(HookFn::Pvalloc, p, size);
    return p;
}

// Anonymous mappings are recorded as their own kind, outside the heap metrics.
static void* map(void* (*real)(void*, size_t, int, int, int, off_t), void* addr, size_t length,
                 int prot, int flags, int fd, off_t offset) {
    HookScope scope;
    void* p = real(addr, length, prot, flags, fd, offset);
    if (p != MAP_FAILED && (flags & MAP_ANONYMOUS) && scope.recording()) record_mmap(p, length);
    return p;
}

__attribute__((visibility("default"))) void* mmap(void* addr, size_t length, int prot, int flags,
                                                  int fd, off_t offset) noexcept {
    return map(g_real.mmap, addr, length, prot, flags, fd, offset);
}

__attribute__((visibility("default"))) void* mmap64(void* addr, size_t length, int prot,
                                                    int flags, int fd, off_t offset) noexcept {
    return map(g_real.mmap64, addr, length, prot, flags, fd, offset);
}

__attribute__((visibility("default"))) int munmap(void* addr, size_t length) noexcept {
    HookScope scope;
    if (scope.recording()) record_munmap(addr, length);
    return g_real.munmap(addr, length);
}

__attribute__((visibility("default"))) void* mremap(void* old_addr, size_t old_length,
                                                    size_t new_length, int flags, ...) noexcept {
    void* new_addr = nullptr;
    if (flags & MREMAP_FIXED) {
        va_list args;
        va_start(args, flags);
        new_addr = va_arg(args, void*);
        va_end(args);
    }
    HookScope scope;
    void* p = g_real.mremap(old_addr, old_length, new_length, flags, new_addr);
    if (p != MAP_FAILED && scope.recording()) record_mremap(old_addr, old_length, p, new_length);
    return p;
}

// dlopen/dlclose themselves are not guarded: what the loader allocates is the target's.
__attribute__((visibility("default"))) void* dlopen(const char* file, int mode) noexcept {
    void* handle = g_real.dlopen(file, mode);
    HookScope scope;
    if (handle && scope.recording()) modules_changed(false);
    return handle;
}

__attribute__((visibility("default"))) int dlclose(void* handle) noexcept {
    int rc = g_real.dlclose(handle);
    HookScope scope;
    if (rc == 0 && scope.recording()) modules_changed(true);
    return rc;
}

}  // extern "C"
