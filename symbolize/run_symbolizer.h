// run_symbolizer.h — symbolizes one run of a database and attributes its allocations to
// sites: every trace node's address through the Symbolizer (file-backed code) or the
// run's perf-map snapshot (code outside any file), into symbol_frames; then the
// debug-info coverage per module, the sites, and the symbolization row. One transaction:
// a failure leaves the database as it was.
//
// No network: libdwfl would ask debuginfod servers for missing debug files when
// DEBUGINFOD_URLS is set; symbolization unsets it for the process first (a profile run
// must not depend on, or leak binaries' build-ids to, a server).
#pragma once

#include <cstdint>
#include <optional>
#include <functional>
#include <string>
#include <vector>

#include "schema/run_database.h"
#include "symbolize/site_config.h"
#include "symbolize/symbolizer.h"

namespace allocprof::symbolize {

struct SymbolizeOptions {
    SiteConfig config = default_site_config();
    // Look addresses up again even when symbol_frames has them (after installing debug
    // packages). Without it, addresses already there (from another run of the same
    // module) are reused. An imported run's frames (runs.wire_version 0) are always kept.
    bool redo = false;
    std::vector<std::string> extra_debug_dirs;
    // Told now and then how many of the run's addresses have been looked up (a status line).
    std::function<void(const std::string& step, uint64_t done, uint64_t total)> on_progress;
    // A Symbolizer to use (for instance one warmed while the target ran); else a new one.
    Symbolizer* symbolizer = nullptr;
};

struct SymbolizeResult {
    uint64_t addresses = 0;  // distinct addresses of the run's trace nodes
    uint64_t resolved = 0;   // of them, looked up now
    uint64_t sites = 0;
    double seconds = 0;
};

SymbolizeResult symbolize_run(schema::Database& db, int64_t run_id,
                              const SymbolizeOptions& options);

// True when the run has a symbolization row (false too for a file older than the table).
bool is_symbolized(schema::Database& db, int64_t run_id);

}  // namespace allocprof::symbolize
