// heaptrack_import.h — one heaptrack recording (the file `heaptrack -o FILE PROGRAM` writes:
// its line-based trace format, zstd- or gzip-compressed or plain) into one run of an
// allocprof database, through the RunIngestor as if the target had sent it: allocations and
// frees in their order, the stack trie, the modules, memory over time. Summary, top,
// analyze, report and compare then read it like any recorded run.
//
// heaptrack's format (file format versions 2 and 3, heaptrack 1.1 and later; it is
// written by heaptrack_interpret): one record per line, numbers in lowercase hex:
//   v HEAPTRACK_VERSION FILE_FORMAT_VERSION
//   X COMMAND LINE               the program that ran
//   I PAGE_SIZE PAGES            the machine's page size and physical pages
//   s [LENGTH] TEXT              a string (1-based index; LENGTH from version 3 on)
//   i IP MODULE [FUNCTION [FILE LINE [FUNCTION FILE LINE]...]]
//                                an instruction pointer (1-based index): its module's path,
//                                its innermost frame, then the frames it was inlined into,
//                                outwards (string indices; 0 = none)
//   t IP_INDEX PARENT            a trace node (1-based index; parent 0 = the root)
//   a SIZE TRACE                 an allocation info: size and stack (0-based index)
//   + INFO / - INFO              an allocation / a free of a block of that info
//   c MILLISECONDS               time since the start
//   R PAGES                      resident set, in pages
//   A                            heaptrack attached to a running process
//   # ...                        a comment
//
// What heaptrack does not record, and how the run says so (its notes): which thread made
// an event (all are on one thread), which function allocated (all count as malloc) and
// reallocs (a realloc is a free and an allocation, as heaptrack records it), block
// addresses (a free names its size and stack, not its block: the most recent live block of
// those is released), the module load addresses (frames are heaptrack's own, written to
// symbol_frames keyed by the absolute address; runs.wire_version is 0, so `symbolize
// --redo` keeps them), the exit status, mmap, phases and op counts.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "schema/run_database.h"

namespace allocprof::record {

// A file that cannot be imported: what() is one line naming the file (and the line).
class ImportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ImportResult {
    int64_t run_id = 0;
    uint64_t allocations = 0;  // heaptrack's "calls to allocation functions"
    uint64_t frees = 0;
    uint64_t lines = 0;        // records read
};

// How function names are written to symbol_frames (heaptrack stores linkage names as the
// debug information has them); identity when empty.
using NameCleaner = std::function<std::string(const std::string&)>;

// Reads `file` whole, then adds its run to `db`: a file that does not parse adds nothing.
ImportResult import_heaptrack(schema::Database& db, const std::string& file, const NameCleaner& clean = {});

}  // namespace allocprof::record
