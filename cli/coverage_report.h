// coverage_report.h — the debug_coverage rows of a run, as JSON and as a short table for
// a terminal (`allocprof summary`, `allocprof symbolize`).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>

#include "schema/run_database.h"

namespace allocprof::cli {

// [{"module", "path", "status", "dwarf_source", "debug_file", "symbol_table", "package",
//   "frames_file_line", "frames_symbol_only", "frames_unknown", "fix"}, ...], modules with
// the most unresolved frames first; null when the run was never symbolized.
nlohmann::json load_coverage(schema::Database& db, int64_t run_id);

// Modules with every frame at file:line share one line; each other module gets its own,
// with its fix.
void print_coverage(const nlohmann::json& coverage, std::ostream& out);

}  // namespace allocprof::cli
