// stored_stacks.h — the one reader of a run's stored stacks: the stack trie (trace_nodes)
// with the symbolized frames of every native node (modules, symbol_frames) and the script
// function of every script node (script_functions), in memory. What site attribution,
// `allocprof top`, the reports' flame graph and the source analysis walk.
//
// Only meaningful after symbolization: a native node whose address is not in symbol_frames
// reads as unknown (its frame is module+0xoffset to whoever names it).
//
// Script frames (Lua, Python) are the innermost nodes of a stack, on top of its native
// leaf (that is how the recorder interns them, so the native part keeps one node however
// the script's line moves). Every reader merges them in at one place: under the innermost
// native frame of an eval function, so that a stack read from the root goes
// main -> ... -> eval -> script frames -> what the script called.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "schema/run_database.h"

namespace allocprof::schema {

// Names of the pseudo-modules of nodes outside any file-backed mapping.
inline constexpr std::string_view kPerfMapModule = "[perf-map]";
inline constexpr std::string_view kNoModule = "[no module]";
// Pseudo-modules of script frames.
inline constexpr std::string_view kLuaModule = "[lua]";
inline constexpr std::string_view kPythonModule = "[python]";
// Pseudo-module of the truncation node (trace_nodes.truncated_beyond): the root-most frame
// of a stack deeper than the run's max_frames, named "[truncated: more than N frames]".
inline constexpr std::string_view kTruncatedModule = "[truncated]";
std::string truncated_frame_name(int64_t limit);
// What to do about stacks cut at `limit` frames (runs.max_frames; 0 if not known): the
// --max-frames to record again with, or that the limit is already the largest.
std::string truncation_advice(int64_t limit);

// How much is known of a code address (symbol_frames.quality).
enum class SymbolQuality {
    FileLine,    // the innermost frame has a file and a line (DWARF)
    SymbolOnly,  // a function name from a symbol table, no line
    Unknown,     // nothing: print module+0xoffset
};

// The key of a module's addresses in symbol_frames: its build-id, else 'path:' + path.
std::string module_key(const std::string& path, const std::string& build_id);
// The key of a run's perf-map snapshot in symbol_frames.
std::string perf_map_key(int64_t run_id);

// Native functions that run script code: where script frames are merged in.
bool is_eval_function(std::string_view function);

// One source-level frame of a stack, leaf first when in a list. The views point into the
// StoredStacks that produced it.
struct StackFrame {
    std::string_view module;    // file name of the module ("libc.so.6"), or "[perf-map]"...
    std::string_view function;  // demangled; empty when unknown
    std::string_view file;      // empty without DWARF ("./" kept as stored)
    int line = 0;               // 0 without DWARF
    uint64_t offset = 0;        // the address in the module (rel_pc), for module+0xoffset
    bool inlined = false;       // inlined into its caller (the next frame of a leaf-first list)
    bool script = false;        // a script frame (Lua, Python)
};

class StoredStacks {
  public:
    struct Frame {
        std::string_view function;  // empty when unknown
        std::string_view file;
        int line = 0;
        bool inlined = false;
    };
    struct Node {
        uint32_t parent = 0;
        uint32_t module = 0;  // index into modules()
        uint64_t pc = 0;      // rel_pc, or the ip for nodes without a module
        SymbolQuality quality = SymbolQuality::Unknown;
        uint32_t first_frame = 0;
        uint32_t frame_count = 0;  // 0 when unknown
        bool script = false;       // a script frame (Lua, Python): one frame, module [lua]/[python]
        uint32_t truncated_beyond = 0;  // the truncation node: its stacks' limit (one frame,
                                        // module [truncated]); 0 for every other node
    };
    struct Module {
        std::string key;   // symbol_frames.module_key
        std::string path;  // modules.path, or the pseudo-module's name
        std::string name;  // file name ("libc.so.6"), or the pseudo-module's name
        std::string build_id;
    };

    // Throws DatabaseError when the database cannot be read.
    static StoredStacks load(Database& db, int64_t run_id);

    // nullptr for the root (0) and ids the run does not have.
    const Node* node(uint32_t id) const {
        return id < nodes_.size() && nodes_[id].present ? &nodes_[id].node : nullptr;
    }
    std::span<const Frame> frames(const Node& node) const {
        return {frames_.data() + node.first_frame, node.frame_count};
    }
    const std::vector<Module>& modules() const { return modules_; }
    size_t node_count() const { return node_count_; }

    // The frames of the stack ending at `leaf`, leaf first, inlined frames expanded; an
    // unknown node gives one frame with an empty function. `nodes_out` (optional) gets
    // the node of each frame. Native: script frames left out. Merged: script frames
    // (innermost first) placed under the innermost eval function's callee (see the file
    // comment); with no eval function among the frames, after every native frame.
    enum class View { Native, Merged };
    void stack(uint32_t leaf, std::vector<StackFrame>& out,
               std::vector<uint32_t>* nodes_out = nullptr, View view = View::Native) const;

    // Calls f(node_id, node) for every node of the run.
    template <typename F>
    void for_each_node(F&& f) const {
        for (uint32_t id = 0; id < nodes_.size(); ++id)
            if (nodes_[id].present) f(id, nodes_[id].node);
    }

  private:
    struct ScriptNode {
        uint32_t node;
        uint32_t function;
        uint32_t line;
    };
    void load_script_frames(Database& db, int64_t run_id, const std::vector<ScriptNode>& script_nodes);
    struct Slot {
        Node node;
        bool present = false;
    };
    std::vector<Slot> nodes_;  // index = node id
    size_t node_count_ = 0;
    std::vector<Module> modules_;
    std::vector<Frame> frames_;
    std::unordered_set<std::string> strings_;  // interned; owns what the frames point at
    std::string_view intern(std::string text) { return *strings_.insert(std::move(text)).first; }
};

}  // namespace allocprof::schema
