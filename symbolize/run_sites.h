// run_sites.h — a run's allocation sites: each allocating stack (stack_stats leaf) is
// attributed to its site (site_attribution.h), and the site's figures are the sums of its
// stacks' stack_stats. Written to the sites and stack_sites tables. Script sites group
// the same stacks by their innermost script frame (script_sites, stack_script_sites).
#pragma once

#include <cstdint>
#include <vector>

#include "schema/run_database.h"
#include "schema/stored_stacks.h"
#include "symbolize/site_attribution.h"

namespace allocprof::symbolize {

// The stack_stats figures a site sums.
struct SiteFigures {
    uint64_t allocations = 0;
    uint64_t bytes_allocated = 0;
    uint64_t frees = 0;
    uint64_t reallocs = 0;
    uint64_t live_end_blocks = 0;
    uint64_t live_end_bytes = 0;
    uint64_t live_at_peak_bytes = 0;
    uint64_t temporary_k0 = 0;
    uint64_t temporary_k1 = 0;

    void add(const SiteFigures& other);
};

struct StackFigures {
    uint32_t node = 0;  // the leaf node of the stack
    SiteFigures figures;
};

struct Site {
    SiteIdentity identity;
    SiteFigures figures;
    uint32_t top_node = 0;         // the stack contributing most allocations
    uint64_t top_allocations = 0;  // its allocations
    std::vector<uint32_t> nodes;   // every stack attributed here
};

// The run's stack_stats rows.
std::vector<StackFigures> load_stack_figures(schema::Database& db, int64_t run_id);

// Attributes every stack to a site; sorted by allocations, then bytes, descending, ties
// by site key, so that site_id = index + 1 is stable for the same data.
std::vector<Site> attribute_sites(const schema::StoredStacks& stacks,
                                  const std::vector<StackFigures>& stack_figures,
                                  const SiteAttributor& attributor);

// The script site of stacks that run no script.
inline constexpr std::string_view kNoScriptFrame = "(no script frame)";

// Groups every stack by its innermost script frame (module [lua]/[python], the script
// function, file and line), sorted like attribute_sites. Stacks without a script frame
// form one group, kNoScriptFrame.
std::vector<Site> attribute_script_sites(const schema::StoredStacks& stacks,
                                         const std::vector<StackFigures>& stack_figures);

// Native: replaces the run's rows of sites and stack_sites; Script: of script_sites and
// stack_script_sites.
enum class SiteGrouping { Native, Script };
void write_sites(schema::Database& db, int64_t run_id, const std::vector<Site>& sites,
                 SiteGrouping grouping = SiteGrouping::Native);

}  // namespace allocprof::symbolize
