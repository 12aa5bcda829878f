// default_sources.h — the sources `allocprof analyze` reads when the user names none: the
// program's own compilation units, as its debug information names them.
//
// For every module the run's stacks pass through (the runtime's libraries excepted), the
// compilation units of its DWARF (DW_AT_name against DW_AT_comp_dir) whose C or C++ source
// file exists on disk now. The root is their deepest common directory; the inventory of the
// coverage gaps is those files only (not every file under the root: the program is what
// its binaries were built from). The compile_commands.json is the first one found, as
// clangd looks for it, in a unit's compilation directory or one of its parents, or in a
// build/ subdirectory of one of them, that has an entry for one of the units; without one,
// the default flags.
//
// A module whose file was rebuilt since the run (another build-id) gives nothing: its
// DWARF no longer describes the code that ran, and `why_not` says so when that leaves none. No units (a stripped interpreter, sources
// moved away): no source analysis, and `why_not` says so.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "analyzers/source/source_options.h"
#include "schema/run_database.h"

namespace allocprof::analyzers::source {

struct DefaultSources {
    SourceOptions options;  // enabled() when units were found: root, units, compile_commands
    std::string why_not;    // when not enabled: why, in one sentence
};

DefaultSources default_sources(schema::Database& db, int64_t run_id);

// The deepest directory holding every one of `files` (absolute, normal paths).
std::filesystem::path common_directory(const std::vector<std::filesystem::path>& files);

}  // namespace allocprof::analyzers::source
