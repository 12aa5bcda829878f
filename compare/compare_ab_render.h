// compare_ab_render.h — an AbComparison (compare_ab.h) as GitHub-flavoured markdown (per
// scenario one table of A, B and the change per window and figure, then the sites that
// differ most) and as JSON with the same content ("format": "allocprof-compare-ab",
// "format_version": 1). Words only: no verdict, no marks.
// Its JSON schema is docs/schemas/allocprof-compare-ab.schema.json: a key added, renamed or
// removed here changes it too (tests/e2e/json_schema_test.cpp checks real output against it).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "compare/compare_ab.h"

namespace allocprof::compare {

std::string compare_ab_markdown(const AbComparison& c);
// Keys: format, format_version, a, b, allocator (HeapModel::to_json), top_sites, scenarios
// [{name, a_runs, b_runs, windows [{window ("" for the whole run), a_per_run, b_per_run,
// figures {FIGURE: {a, b, change, percent}}}], sites_paired, sites_only_in_a,
// sites_only_in_b, sites_differing, sites [{paired_by, a, b ({site_key, function_key, module,
// function, file, line, allocations, bytes_allocated} or null), allocations {a, b, change,
// percent}, bytes_allocated {...}}]}], only_in_a, only_in_b, notes. A figure a side does not
// have, and a percent of a change from 0, is null.
nlohmann::json compare_ab_json(const AbComparison& c);

}  // namespace allocprof::compare
