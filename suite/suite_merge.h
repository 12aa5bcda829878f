// suite_merge.h — moves the runs of one run database into another (the suite records each
// scenario repetition into its own file with `allocprof record`, then gathers them into
// the suite's database). Every table with a run_id is copied with the runs renumbered
// after the target's last run; symbol frames are shared by module identity (perf-map keys,
// which carry a run id, are renumbered too).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/run_database.h"

namespace allocprof::suite {

// Copies every run of `source` into `target`, in one transaction. Returns the new ids.
std::vector<int64_t> merge_runs(schema::Database& target, const std::string& source);

// Deletes the rows of `runs` from every table with a run_id, in one transaction.
void delete_runs(schema::Database& db, const std::vector<int64_t>& runs);

}  // namespace allocprof::suite
