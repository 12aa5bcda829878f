// run_stacks.h — one run's stack trie with the symbolized frames of every node, in memory:
// what site attribution and `allocprof top` walk. Read from trace_nodes, modules and
// symbol_frames (and so only meaningful after symbolization; a node whose address is not
// in symbol_frames reads as unknown).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "schema/run_database.h"
#include "symbolize/site_attribution.h"
#include "symbolize/symbolizer.h"

namespace allocprof::symbolize {

// Names of the pseudo-modules of nodes outside any file-backed mapping.
inline constexpr std::string_view kPerfMapModule = "[perf-map]";
inline constexpr std::string_view kNoModule = "[no module]";
// Pseudo-modules of script frames (schema: script_functions).
inline constexpr std::string_view kLuaModule = "[lua]";
inline constexpr std::string_view kPythonModule = "[python]";


// The key of a module's addresses in symbol_frames (schema/allocprof_v1.sql).
std::string module_key(const std::string& path, const std::string& build_id);
std::string perf_map_key(int64_t run_id);

class RunStacks {
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
    };
    struct Module {
        std::string key;   // symbol_frames.module_key
        std::string path;  // modules.path, or the pseudo-module's name
        std::string name;  // file name ("libc.so.6"), or the pseudo-module's name
        std::string build_id;
    };

    // Throws schema::DatabaseError when the database cannot be read.
    static RunStacks load(schema::Database& db, int64_t run_id);

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
    // (innermost first) placed under the innermost eval function's callee, i.e. read from
    // the root: main -> ... -> eval -> script frames -> what the script called; with no
    // eval function among the frames, after every native frame.
    enum class View { Native, Merged };
    void stack(uint32_t leaf, std::vector<AttributionFrame>& out,
               std::vector<uint32_t>* nodes_out = nullptr, View view = View::Native) const;


    // Calls f(node_id, node) for every node of the run.
    template <typename F>
    void for_each_node(F&& f) const {
        for (uint32_t id = 0; id < nodes_.size(); ++id)
            if (nodes_[id].present) f(id, nodes_[id].node);
    }

  private:
    void load_script_frames(schema::Database& db, int64_t run_id,
                            const std::vector<std::pair<uint32_t, uint64_t>>& script_nodes);
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

}  // namespace allocprof::symbolize
