// live_block_map.h — the blocks a target currently holds, keyed by address.
//
// Ingest does one insert per allocation and one erase per free, tens of millions of times
// in a run, so this is an open-addressing table with linear probing and backward-shift
// deletion (no tombstones: a churn of inserts and erases never degrades it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace allocprof::profiler {

struct LiveBlock {
    uint64_t block = 0;       // block id in the normalized event stream
    uint64_t size = 0;        // requested bytes
    uint64_t thread_seq = 0;  // the allocating thread's allocation count at birth
    uint32_t node = 0;        // leaf node of the allocating stack
    uint32_t thread = 0;
};

class LiveBlockMap {
public:
    LiveBlockMap() { rehash(1u << 16); }

    // Inserts or replaces. Returns true if the address was already live (a lost free).
    bool insert(uint64_t address, const LiveBlock& block, LiveBlock* replaced) {
        if ((count_ + 1) * 4 > slots_.size() * 3) rehash(slots_.size() * 2);
        size_t i = home(address);
        while (slots_[i].address != 0) {
            if (slots_[i].address == address) {
                if (replaced) *replaced = slots_[i].block;
                slots_[i].block = block;
                return true;
            }
            i = (i + 1) & mask_;
        }
        slots_[i] = {address, block};
        ++count_;
        return false;
    }

    // Removes and returns the block at `address`; false if it is not live.
    bool erase(uint64_t address, LiveBlock* out) {
        size_t i = home(address);
        while (slots_[i].address != address) {
            if (slots_[i].address == 0) return false;
            i = (i + 1) & mask_;
        }
        *out = slots_[i].block;
        // Backward-shift: pull later entries of the probe run into the hole.
        size_t hole = i;
        for (size_t j = (i + 1) & mask_; slots_[j].address != 0; j = (j + 1) & mask_) {
            size_t want = home(slots_[j].address);
            // Move j into the hole unless its home lies cyclically in (hole, j].
            bool stays = hole <= j ? (hole < want && want <= j) : (hole < want || want <= j);
            if (!stays) {
                slots_[hole] = slots_[j];
                hole = j;
            }
        }
        slots_[hole].address = 0;
        --count_;
        return true;
    }

    size_t size() const { return count_; }

    template <typename F>
    void for_each(F&& f) const {
        for (const Slot& s : slots_)
            if (s.address != 0) f(s.address, s.block);
    }

private:
    struct Slot {
        uint64_t address = 0;  // 0 = empty (no allocator returns NULL for a live block)
        LiveBlock block;
    };

    size_t home(uint64_t address) const {
        uint64_t h = address * 0x9E3779B97F4A7C15ull;
        return static_cast<size_t>(h >> 20) & mask_;
    }

    void rehash(size_t capacity) {
        std::vector<Slot> old;
        old.swap(slots_);
        slots_.assign(capacity, Slot{});
        mask_ = capacity - 1;
        count_ = 0;
        for (const Slot& s : old)
            if (s.address != 0) insert(s.address, s.block, nullptr);
    }

    std::vector<Slot> slots_;
    size_t mask_ = 0;
    size_t count_ = 0;
};

}  // namespace allocprof::profiler
