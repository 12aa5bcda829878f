// database_events.cpp — see database_events.h.
#include "analyzers/database_events.h"

#include "schema/event_codec.h"

namespace allocprof::analyzers {

EventReplay replay_database(schema::Database& db, int64_t run_id) {
    return [&db, run_id](const EventVisitor& visit) { schema::for_each_event(db, run_id, visit); };
}

}  // namespace allocprof::analyzers
