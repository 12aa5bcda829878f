// cache_budget.h — `--gen0-budget auto`: the nursery budget .NET's workstation GC would
// pick on this machine.
//
// The rule (gc.cpp, gc_heap::get_gen0_min_size, workstation build, no config):
//   llc   = size of the largest (last-level) data or unified cache of CPU 0
//   gen0  = max(4 * llc / 5, 256 KiB)
//   while gen0 > physical memory / 6: gen0 /= 2, not below max(llc, 256 KiB)
//   gen0  = gen0 / 8 * 5                      (so about llc / 2)
// The cache comes from /sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}.
// Fallback: when no cache size can be read (containers without sysfs, other systems), the
// fixed default budget (8 MiB) is used and the rule says so.
#pragma once

#include <cstdint>
#include <string>

namespace allocprof::analyzers {

struct AutoBudget {
    uint64_t budget = 0;     // bytes
    uint64_t llc_bytes = 0;  // 0 when unreadable
    std::string rule;        // human-readable: what was read and how the budget follows
};

// The size in bytes of the highest-level data or unified cache listed under
// `cache_dir` (a directory of index*/ entries); 0 if none is readable.
uint64_t last_level_cache_bytes(const std::string& cache_dir);

// The workstation rule above for a given cache and memory size (pure).
uint64_t workstation_gen0_budget(uint64_t llc_bytes, uint64_t physical_memory_bytes);

// Applies the rule to this machine (or to `cache_dir`, for tests). `physical_memory_bytes`
// 0 = read it with sysconf.
AutoBudget auto_gen0_budget(const std::string& cache_dir = "/sys/devices/system/cpu/cpu0/cache",
                            uint64_t physical_memory_bytes = 0);

}  // namespace allocprof::analyzers
