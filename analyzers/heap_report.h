// heap_report.h — `allocprof heap` on a stored run: the heap replay (heap_replay.h) over the
// run's events, with the sites and stacks it names read from the run's symbolization, for
// the command to print. The run must be symbolized (the command symbolizes it first), be
// complete and hold its events.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analyzers/heap_replay.h"
#include "schema/run_database.h"

namespace allocprof::analyzers {

// One frame of a stack, as `allocprof top` names it (function, file:line, module).
struct HeapFrame {
    std::string function;  // module+0xoffset for code nothing names
    std::string file;      // "" without DWARF
    int64_t line = 0;      // 0 without DWARF
    std::string module;
    bool inlined = false;  // inlined into the next frame
};

struct HeapReport {
    std::string file;
    int64_t run_id = 0;
    std::vector<std::string> command;  // the recorded program's argv
    HeapQuestion question;
    HeapResult result;
    std::map<uint32_t, HeapFrame> sites;  // site index -> its site frame
    std::map<uint32_t, std::vector<HeapFrame>>
        stacks;  // node -> frames from its site frame out to main
};

// The phase names of run `run_id`, in order of first beginning.
std::vector<std::string> run_phase_names(schema::Database& db, int64_t run_id);

// Replays run `run_id` of `db` under `question`, naming every site and stack the result
// lists (at most `frames` frames per stack). Throws std::runtime_error naming the file and
// the run for a run that cannot be replayed (incomplete, recorded with --no-events), and
// schema::DatabaseError for damaged events.
HeapReport heap_report(schema::Database& db, int64_t run_id, const HeapQuestion& question,
                       size_t frames);

}  // namespace allocprof::analyzers
