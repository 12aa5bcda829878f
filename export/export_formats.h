// export_formats.h — a run's allocating stacks in the formats other tools read:
//
// - pprof: profile.proto (pprof's own, compiled at build time), gzipped, as `go tool pprof`,
//   speedscope and most profile viewers load it. Sample types alloc_objects/count,
//   alloc_space/bytes, inuse_objects/count, inuse_space/bytes; "in use" is at the end of
//   the run, or with At::Peak just after the event of the process-wide peak (t-gmax).
//   One location per trie node, its lines the node's frames (inlined ones first, the
//   function they were inlined into last, as profile.proto orders them); script frames
//   (Lua, Python) are their own functions, named by the interpreter, with the script's
//   file and line. Each sample carries the label "phase" when the run marked phases.
// - collapsed stacks ("root;...;leaf N" per line, the input of flamegraph.pl, inferno and
//   speedscope), N the chosen metric; stacks whose metric is 0 are left out.
// - DHAT: the JSON of valgrind's DHAT (dhatFileVersion 2, mode "heap"), one program point
//   per stack: total bytes and blocks, lifetimes, the stack's own maximum, live at t-gmax
//   and at t-end; times are in events (the run's normalized event index), since allocprof
//   does not count instructions. dh_view.html loads it.
#pragma once

#include <string>

#include "export/export_profile.h"
#include "schema/stored_stacks.h"

namespace allocprof::exporter {

enum class At { End, Peak };

// The gzipped profile. Throws ExportError for At::Peak when the block counts at the peak
// are not known (a run without events).
std::string pprof_profile(const ExportRun& run, const schema::StoredStacks& stacks, At at);

enum class Metric { Allocations, Bytes, Peak, Unfreed, Temporary };
// Metric names as the command line spells them: allocations, bytes, peak, unfreed, temporary.
const char* metric_name(Metric metric);

std::string collapsed_stacks(const ExportRun& run, const schema::StoredStacks& stacks, Metric metric);

// Needs lifetimes and the blocks at the peak (a run with events): else ExportError.
std::string dhat_json(const ExportRun& run, const schema::StoredStacks& stacks);

}  // namespace allocprof::exporter
