// live_block_map.h — the blocks a target currently holds, keyed by address.
//
// Ingest does one insert per allocation and one erase per free, tens of millions of times
// in a run, so this is an open-addressing table with linear probing and backward-shift
// deletion (no tombstones: a churn of inserts and erases never degrades it). With a
// million live blocks the table is tens of megabytes and nearly every access misses the
// cache and the TLB: the slots live in transparent huge pages, and ingest prefetches the
// slot of a record a few records ahead (prefetch()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/mman.h>

#include <new>
#include <utility>

namespace allocprof::record {

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
    ~LiveBlockMap() { unmap(slots_, capacity_); }
    LiveBlockMap(const LiveBlockMap&) = delete;
    LiveBlockMap& operator=(const LiveBlockMap&) = delete;
    LiveBlockMap(LiveBlockMap&& other) noexcept { *this = std::move(other); }
    LiveBlockMap& operator=(LiveBlockMap&& other) noexcept {
        if (this != &other) {
            unmap(slots_, capacity_);
            slots_ = std::exchange(other.slots_, nullptr);
            capacity_ = std::exchange(other.capacity_, 0);
            mask_ = other.mask_;
            shift_ = other.shift_;
            count_ = std::exchange(other.count_, 0);
            other.rehash(1u << 16);
        }
        return *this;
    }

    // Inserts or replaces. Returns true if the address was already live (a lost free).
    bool insert(uint64_t address, const LiveBlock& block, LiveBlock* replaced) {
        // Load factor at most 1/2: linear probing's miss cost grows as 1/(1-a)^2.
        if ((count_ + 1) * 2 > capacity_) rehash(capacity_ * 2);
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

    // Starts loading the slot `address` hashes to: ingest calls this a few records ahead,
    // so the cache miss of a table much larger than the cache overlaps with other work.
    void prefetch(uint64_t address) const { __builtin_prefetch(&slots_[home(address)], 1); }

    size_t size() const { return count_; }

    template <typename F>
    void for_each(F&& f) const {
        for (size_t i = 0; i < capacity_; ++i)
            if (slots_[i].address != 0) f(slots_[i].address, slots_[i].block);
    }

private:
    struct Slot {
        uint64_t address = 0;  // 0 = empty (no allocator returns NULL for a live block)
        LiveBlock block;
    };

    // Fibonacci hashing: the top bits of the product depend on every address bit.
    size_t home(uint64_t address) const {
        return static_cast<size_t>((address * 0x9E3779B97F4A7C15ull) >> shift_);
    }

    // Fresh anonymous memory is zero: every slot starts empty without a pass over it.
    static Slot* map_slots(size_t capacity) {
        size_t bytes = capacity * sizeof(Slot);
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        madvise(p, bytes, MADV_HUGEPAGE);
        return static_cast<Slot*>(p);
    }
    static void unmap(Slot* slots, size_t capacity) {
        if (slots) munmap(slots, capacity * sizeof(Slot));
    }

    void rehash(size_t capacity) {
        Slot* old = slots_;
        size_t old_capacity = capacity_;
        slots_ = map_slots(capacity);
        capacity_ = capacity;
        mask_ = capacity - 1;
        shift_ = 64 - __builtin_ctzll(capacity);
        count_ = 0;
        for (size_t i = 0; i < old_capacity; ++i)
            if (old[i].address != 0) insert(old[i].address, old[i].block, nullptr);
        unmap(old, old_capacity);
    }

    Slot* slots_ = nullptr;
    size_t capacity_ = 0;
    size_t mask_ = 0;
    int shift_ = 64;
    size_t count_ = 0;
};

}  // namespace allocprof::record
