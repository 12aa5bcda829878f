// export_frames.h — the frames of one allocating stack as every export format names them:
// leaf first, inlined frames expanded, script frames merged in at the interpreter's eval
// function (schema/stored_stacks.h, View::Merged), code nothing names as module+0xoffset
// (the name sites use, symbolize/site_attribution.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/stored_stacks.h"

namespace allocprof::exporter {

struct ExportFrame {
    uint32_t node = 0;     // the trie node the frame belongs to (inlined frames share one)
    uint64_t pc = 0;       // the node's address in its module (rel_pc); 0 for script frames
    std::string module;    // file name, "[lua]", "[python]", "[perf-map]", "[no module]"
    std::string function;  // never empty: module+0xoffset when nothing names the code
    std::string file;      // "" without DWARF ("./" removed)
    int line = 0;          // 0 without DWARF
    bool inlined = false;  // inlined into the next frame (its caller)
    bool script = false;   // a Lua or Python frame
};

// The frames of the stack ending at `leaf`, leaf first (empty for node 0, a stack that
// could not be taken).
std::vector<ExportFrame> export_stack(const schema::StoredStacks& stacks, uint32_t leaf);

}  // namespace allocprof::exporter
