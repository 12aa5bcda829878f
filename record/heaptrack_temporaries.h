// heaptrack_temporaries.h — temporary allocations counted by heaptrack 1.4's own rule, so
// that runs.temporary_heaptrack equals heaptrack_print's "temporary memory allocations" for
// the same workload (docs/definitions.md says where the two can differ).
//
// heaptrack calls a free temporary when the record just before it, in the one stream of all
// threads, is an allocation of the same "allocation info" — the same requested size and the
// same stack — as the block being freed (not necessarily the same block). A free resets that
// memory, so a free right after another free is never temporary. (heaptrack resets to info
// index 0, which would make a free of the first info count after a free; under heaptrack
// that first info is libstdc++'s emergency pool, allocated before main and freed only by
// heaptrack's own exit, so for the program's frees the reset counts nothing.) A realloc is a
// free of the old block, then an allocation of the new one, in that order, as heaptrack
// writes it. The stack is the native one: heaptrack has no script frames.
#pragma once

#include <cstdint>

namespace allocprof::record {

class HeaptrackTemporaries {
public:
    void on_alloc(uint64_t size, uint32_t native_node) {
        last_ = Info{size, native_node};
        have_last_ = true;
    }
    void on_free(uint64_t size, uint32_t native_node) {
        if (have_last_ && Info{size, native_node} == last_) ++count_;
        have_last_ = false;
    }
    uint64_t count() const { return count_; }

private:
    struct Info {
        uint64_t size = 0;
        uint32_t node = 0;
        bool operator==(const Info&) const = default;
    };
    Info last_;
    bool have_last_ = false;  // false at the start and after every free
    uint64_t count_ = 0;
};

}  // namespace allocprof::record
