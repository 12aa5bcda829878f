// heaptrack_temporaries.h — temporary allocations counted by heaptrack 1.4's own rule, so
// that runs.temporary_heaptrack equals heaptrack_print's "temporary memory allocations" for
// the same workload.
//
// heaptrack calls a free temporary when the record just before it, in the one stream of all
// threads, is an allocation of the same "allocation info" — the same requested size and the
// same stack — as the block being freed (not necessarily the same block). A free resets that
// memory. heaptrack keeps it as the info's index, 0-based in order of first appearance, and
// resets it to 0: so a free that follows another free counts as temporary when its block's
// info is the run's very first one. The rule is kept as it is, quirk included, because the
// point is to equal heaptrack's count. A realloc is a free of the old block, then an
// allocation of the new one (heaptrack writes them in that order). The stack is the native
// one: heaptrack has no script frames.
#pragma once

#include <cstdint>

namespace allocprof::record {

class HeaptrackTemporaries {
public:
    void on_alloc(uint64_t size, uint32_t native_node) {
        if (!have_first_) {
            first_ = Info{size, native_node};
            have_first_ = true;
        }
        last_ = Info{size, native_node};
        last_is_reset_ = false;
    }
    void on_free(uint64_t size, uint32_t native_node) {
        const Info freed{size, native_node};
        if (last_is_reset_ ? (have_first_ && freed == first_) : freed == last_) ++count_;
        last_is_reset_ = true;
    }
    uint64_t count() const { return count_; }

private:
    struct Info {
        uint64_t size = 0;
        uint32_t node = 0;
        bool operator==(const Info&) const = default;
    };
    Info first_, last_;
    bool have_first_ = false;
    bool last_is_reset_ = true;
    uint64_t count_ = 0;
};

}  // namespace allocprof::record
