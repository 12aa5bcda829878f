// wrapper_usage.h — how much of a run goes through the allocation infrastructure the code
// already has: the wrappers and pools that site attribution skips (symbolize/site_config.h:
// the Lua and CPython presets, the user's own patterns), one group per preset and one per
// user pattern, with the allocations and bytes of the run whose stack passes through a
// function of the group (each stack counted once per group). Whole-run figures, from the
// stored stacks (stack_stats and the symbolized frames).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/run_database.h"
#include "symbolize/site_config.h"

namespace allocprof::symbolize {

struct WrapperUse {
    std::string group;                  // "preset lua", "preset cpython", or the user's pattern
    std::vector<std::string> patterns;  // its fnmatch globs on qualified names
    int64_t allocations = 0;
    int64_t bytes_allocated = 0;
};

// One entry per group of `config`, in its order (presets, then wrappers); zero counts for a
// group no stack reaches. Needs a symbolized run.
std::vector<WrapperUse> wrapper_usage(schema::Database& db, int64_t run_id, const SiteConfig& config);

// The site config stored with a run's symbolization (symbolization.site_config), or the
// default one when the run has none.
SiteConfig stored_site_config(schema::Database& db, int64_t run_id);

}  // namespace allocprof::symbolize
