// internal_memory.cpp — see internal_memory.h.
#include "interpose/internal_memory.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace allocprof::interpose {

void* internal_map(size_t size) {
    long r = syscall(SYS_mmap, nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0L);
    if (r < 0 && r > -4096) return nullptr;  // raw syscall() returns -1 and sets errno
    void* p = reinterpret_cast<void*>(r);
    return p == MAP_FAILED ? nullptr : p;
}

void internal_unmap(void* p, size_t size) {
    if (p) syscall(SYS_munmap, p, size);
}

}  // namespace allocprof::interpose
