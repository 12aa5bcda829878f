// cache_budget.cpp — see cache_budget.h.
#include "analyzers/cache_budget.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "analyzers/analysis_params.h"
#include "schema/units.h"

namespace allocprof::analyzers {

namespace {

bool read_line(const std::filesystem::path& file, std::string& out) {
    std::ifstream in(file);
    return static_cast<bool>(std::getline(in, out));
}

// "32768K", "1M", "512" -> bytes; 0 if unparsable.
uint64_t parse_size(const std::string& text) {
    size_t pos = 0;
    uint64_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') value = value * 10 + static_cast<uint64_t>(text[pos++] - '0');
    if (pos == 0) return 0;
    if (pos < text.size()) {
        switch (text[pos]) {
        case 'K': case 'k': return value << 10;
        case 'M': case 'm': return value << 20;
        case 'G': case 'g': return value << 30;
        default: return 0;
        }
    }
    return value;
}

}  // namespace

uint64_t last_level_cache_bytes(const std::string& cache_dir) {
    std::error_code ec;
    int best_level = -1;
    uint64_t best = 0;
    std::filesystem::directory_iterator it(cache_dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const auto name = it->path().filename().string();
        if (name.rfind("index", 0) != 0) continue;
        std::string level, type, size;
        if (!read_line(it->path() / "level", level) || !read_line(it->path() / "size", size)) continue;
        if (read_line(it->path() / "type", type) && type == "Instruction") continue;
        int lv = std::atoi(level.c_str());
        uint64_t bytes = parse_size(size);
        if (bytes == 0) continue;
        if (lv > best_level || (lv == best_level && bytes > best)) {
            best_level = lv;
            best = bytes;
        }
    }
    return best;
}

uint64_t workstation_gen0_budget(uint64_t llc_bytes, uint64_t physical_memory_bytes) {
    const uint64_t floor = 256u << 10;
    uint64_t gen0 = std::max(4 * llc_bytes / 5, floor);
    const uint64_t true_size = std::max(llc_bytes, floor);
    if (physical_memory_bytes != 0) {
        while (gen0 > physical_memory_bytes / 6) {
            gen0 /= 2;
            if (gen0 <= true_size) {
                gen0 = true_size;
                break;
            }
        }
    }
    return gen0 / 8 * 5;
}

AutoBudget auto_gen0_budget(const std::string& cache_dir, uint64_t physical_memory_bytes) {
    AutoBudget a;
    if (physical_memory_bytes == 0) {
        long pages = sysconf(_SC_PHYS_PAGES);
        long page = sysconf(_SC_PAGESIZE);
        if (pages > 0 && page > 0) physical_memory_bytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
    }
    a.llc_bytes = last_level_cache_bytes(cache_dir);
    if (a.llc_bytes == 0) {
        a.budget = kDefaultGen0Budget;
        a.rule = "auto: no cache size readable under " + cache_dir + "; the fixed default " +
                 units::format_bytes(kDefaultGen0Budget) + " is used";
        return a;
    }
    a.budget = workstation_gen0_budget(a.llc_bytes, physical_memory_bytes);
    a.rule = "auto: .NET workstation rule, max(4/5 x last-level cache " + units::format_bytes(a.llc_bytes) +
             ", 256 KB) x 5/8 = " + units::format_bytes(a.budget);
    return a;
}

}  // namespace allocprof::analyzers
