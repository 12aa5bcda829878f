// database_events.h — the only part of analyzers/ that touches a run database: replaying
// a run's stored event stream (schema::for_each_event, one chunk in memory at a time).
#pragma once

#include <cstdint>

#include "analyzers/run_analyzer.h"
#include "schema/run_database.h"

namespace allocprof::analyzers {

// A replay of run `run_id` of `db`; `db` must outlive it. Throws schema::DatabaseError on
// a damaged chunk.
EventReplay replay_database(schema::Database& db, int64_t run_id);

}  // namespace allocprof::analyzers
