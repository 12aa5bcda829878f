// debug_coverage.h — how well each module of a run symbolized, and the one line that
// tells the user how to get file:line where it is missing: install the Debian -dbgsym
// (or -dbg) package of a packaged file, rebuild one's own with -g, record again after a
// rebuild. Kept in the debug_coverage table; shown by `allocprof summary`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "symbolize/symbolizer.h"

namespace allocprof::symbolize {

// Frames (distinct trace nodes) of one module by how they resolved.
struct CoverageCounts {
    uint64_t file_line = 0;
    uint64_t symbol_only = 0;
    uint64_t unknown = 0;

    uint64_t total() const { return file_line + symbol_only + unknown; }
    void add(SymbolQuality quality);
};

// The fix for a module file in the state `info`, owned by Debian package `package`
// (empty if none): "" when nothing is missing.
std::string coverage_fix(const ModuleDebugInfo& info, const std::string& package);

// The Debian packages that own `paths` (one dpkg-query -S for all of them; /lib and
// /usr/lib are tried both, for merged-/usr systems): path -> package name without the
// architecture. Paths no package owns, or no dpkg at all, are absent.
std::map<std::string, std::string> debian_owners(const std::vector<std::string>& paths);

}  // namespace allocprof::symbolize
