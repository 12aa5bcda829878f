// module_map.h — the list of loaded objects (path, load bias, segments, build-id) the
// profiler needs to turn stack addresses into (module, offset).
//
// Collected with dl_iterate_phdr into a scratch buffer *without* the stream lock (the
// loader's lock is taken inside, and a thread in dlopen may hold it while it waits for
// the stream lock), then appended to the stream under the lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace allocprof::interpose {

class ModuleMapSnapshot {
public:
    // Fills the snapshot with the current module map as encoded wire records
    // (ModuleMapBegin, Module..., ModuleMapEnd). Returns false on out-of-memory.
    bool collect();
    const void* data() const { return data_; }
    size_t size() const { return used_; }
    ~ModuleMapSnapshot();

    // Appends bytes to the snapshot (used by the dl_iterate_phdr callback).
    bool put(const void* p, size_t n);

private:
    unsigned char* data_ = nullptr;
    size_t used_ = 0;
    size_t capacity_ = 0;
};

// The address range of the preload library's own code, to drop its frames from stacks.
struct CodeRange {
    uintptr_t start = 0;
    uintptr_t end = 0;
    bool contains(uintptr_t ip) const { return ip >= start && ip < end; }
};
CodeRange find_own_code_range();

}  // namespace allocprof::interpose
