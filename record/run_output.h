// run_output.h — the file a recording writes, and what is added to its run later.
//
// The output of `record` never replaces a file of the user's: an existing allocprof
// database there is kept as FILE.old (perf's convention), anything else is refused.
#pragma once

#include <cstdint>
#include <string>

#include "schema/run_database.h"

namespace allocprof::record {

// Moves an existing allocprof database at `path` out of the way; refuses (LaunchError 125)
// to touch a file that is not one. Returns the .old path, or "" if there was none.
std::string keep_previous_output(const std::string& path);

// allocprof.<program>.<pid>.db in the working directory.
std::string default_output(const std::string& program);

// Appends one line to the run's notes (runs.notes, a JSON array): what the user should
// know about it, learnt after the recording (a failed symbolization).
void append_run_note(schema::Database& db, int64_t run_id, const std::string& note);

}  // namespace allocprof::record
