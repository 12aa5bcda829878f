// stored_stacks.cpp — see stored_stacks.h.
#include "schema/stored_stacks.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <utility>

namespace allocprof::schema {

std::string module_key(const std::string& path, const std::string& build_id) {
    return build_id.empty() ? "path:" + path : build_id;
}

std::string truncated_frame_name(int64_t limit) {
    return "[truncated: more than " + std::to_string(limit) + " frames]";
}

std::string truncation_advice(int64_t limit) {
    constexpr int64_t kLargest = 8192;  // wire::kMaxMaxFrames (schema/ does not include wire/)
    if (limit >= kLargest) return "they are deeper than the largest --max-frames (8192)";
    const int64_t more = limit <= 0 ? 4096 : std::min(kLargest, limit * 4);
    return "record again with --max-frames " + std::to_string(more);
}

std::string perf_map_key(int64_t run_id) { return "perf-map:" + std::to_string(run_id); }

bool is_eval_function(std::string_view function) {
    for (std::string_view eval : {"luaV_execute", "_PyEval_EvalFrameDefault", "_PyEval_EvalFrame",
                                  "PyEval_EvalFrameEx"})
        if (function == eval) return true;
    return false;
}

namespace {

SymbolQuality quality_from_text(const std::string& text) {
    if (text == "file_line") return SymbolQuality::FileLine;
    if (text == "symbol_only") return SymbolQuality::SymbolOnly;
    return SymbolQuality::Unknown;
}

}  // namespace

StoredStacks StoredStacks::load(Database& db, int64_t run_id) {
    StoredStacks stacks;
    // module_id -> index into modules_; one entry per distinct key.
    std::map<int64_t, uint32_t> module_index;
    std::map<std::string, uint32_t> by_key;
    auto add_module = [&](Module m) {
        auto [it, added] = by_key.emplace(m.key, static_cast<uint32_t>(stacks.modules_.size()));
        if (added) stacks.modules_.push_back(std::move(m));
        return it->second;
    };
    {
        auto rows = db.prepare("SELECT module_id, path, build_id FROM modules WHERE run_id = ?");
        rows.bind(1, run_id);
        while (rows.step()) {
            Module m;
            m.path = rows.text(1);
            m.build_id = rows.is_null(2) ? "" : rows.text(2);
            m.key = module_key(m.path, m.build_id);
            m.name = std::filesystem::path(m.path).filename().string();
            if (m.name.empty()) m.name = m.path;
            module_index[rows.int64(0)] = add_module(std::move(m));
        }
    }
    const uint32_t perf_map = add_module(
        {perf_map_key(run_id), std::string(kPerfMapModule), std::string(kPerfMapModule), ""});
    const uint32_t no_module = add_module({"", std::string(kNoModule), std::string(kNoModule), ""});

    // Nodes, and the addresses each module needs frames for.
    std::vector<std::unordered_map<uint64_t, std::vector<uint32_t>>> wanted(stacks.modules_.size());
    std::vector<ScriptNode> script_nodes;
    std::vector<std::pair<uint32_t, uint32_t>> truncation_nodes;  // (node, limit)
    {
        // Files written before stacks were marked have no truncation nodes.
        const bool marked = db.has_column("trace_nodes", "truncated_beyond");
        auto rows = db.prepare(
            std::string("SELECT node_id, parent_id, ip, module_id, rel_pc, script_function_id, script_line, ") +
            (marked ? "truncated_beyond" : "NULL") + " FROM trace_nodes WHERE run_id = ?");
        rows.bind(1, run_id);
        while (rows.step()) {
            auto id = static_cast<uint32_t>(rows.int64(0));
            if (id >= stacks.nodes_.size()) stacks.nodes_.resize(id + 1);
            Slot& slot = stacks.nodes_[id];
            slot.present = true;
            slot.node.parent = static_cast<uint32_t>(rows.int64(1));
            ++stacks.node_count_;
            if (!rows.is_null(5)) {
                script_nodes.push_back({id, static_cast<uint32_t>(rows.int64(5)),
                                        static_cast<uint32_t>(rows.is_null(6) ? 0 : rows.int64(6))});
                continue;
            }
            if (!rows.is_null(7)) {
                truncation_nodes.emplace_back(id, static_cast<uint32_t>(std::max<int64_t>(rows.int64(7), 1)));
                continue;
            }
            auto found = rows.is_null(3) ? module_index.end() : module_index.find(rows.int64(3));
            if (found != module_index.end()) {
                slot.node.module = found->second;
                slot.node.pc = static_cast<uint64_t>(rows.int64(4));
            } else {
                slot.node.module = perf_map;  // becomes no_module unless the map names it
                slot.node.pc = static_cast<uint64_t>(rows.int64(2));
            }
            wanted[slot.node.module][slot.node.pc].push_back(id);
        }
    }

    auto frames = db.prepare(
        "SELECT rel_pc, frame_index, function, file, line, inlined, quality FROM symbol_frames "
        "WHERE module_key = ? ORDER BY rel_pc, frame_index");
    for (uint32_t m = 0; m < wanted.size(); ++m) {
        if (wanted[m].empty() || m == no_module) continue;
        frames.bind(1, stacks.modules_[m].key);
        uint64_t current_pc = 0;
        const std::vector<uint32_t>* users = nullptr;
        uint32_t first = 0;
        // Points the nodes of the address just read at its frames.
        auto finish = [&]() {
            if (users == nullptr) return;
            auto count = static_cast<uint32_t>(stacks.frames_.size() - first);
            for (uint32_t id : *users) {
                Node& n = stacks.nodes_[id].node;
                n.first_frame = first;
                n.frame_count = n.quality == SymbolQuality::Unknown ? 0 : count;
            }
            users = nullptr;
        };
        while (frames.step()) {
            auto pc = static_cast<uint64_t>(frames.int64(0));
            if (users == nullptr || pc != current_pc) {
                finish();
                current_pc = pc;
                auto it = wanted[m].find(pc);
                if (it == wanted[m].end()) continue;
                users = &it->second;
                first = static_cast<uint32_t>(stacks.frames_.size());
                SymbolQuality quality = quality_from_text(frames.text(6));
                for (uint32_t id : *users) stacks.nodes_[id].node.quality = quality;
            }
            Frame f;
            if (!frames.is_null(2)) f.function = stacks.intern(frames.text(2));
            if (!frames.is_null(3)) f.file = stacks.intern(frames.text(3));
            f.line = frames.is_null(4) ? 0 : static_cast<int>(frames.int64(4));
            f.inlined = frames.int64(5) != 0;
            stacks.frames_.push_back(f);
        }
        finish();
        frames.reset();
    }
    // After the modules' frames: it adds the script pseudo-modules, which `wanted` has no
    // entry for.
    stacks.load_script_frames(db, run_id, script_nodes);
    if (!truncation_nodes.empty()) {
        const auto module = static_cast<uint32_t>(stacks.modules_.size());
        stacks.modules_.push_back({"truncated", std::string(kTruncatedModule), std::string(kTruncatedModule), ""});
        for (const auto& [id, limit] : truncation_nodes) {
            Node& n = stacks.nodes_[id].node;
            n.module = module;
            n.truncated_beyond = limit;
            n.quality = SymbolQuality::SymbolOnly;
            n.first_frame = static_cast<uint32_t>(stacks.frames_.size());
            n.frame_count = 1;
            stacks.frames_.push_back({stacks.intern(truncated_frame_name(limit)), {}, 0, false});
        }
    }
    // Nodes outside any module that the perf map did not name.
    for (const auto& [pc, ids] : wanted[perf_map])
        for (uint32_t id : ids)
            if (stacks.nodes_[id].node.quality == SymbolQuality::Unknown)
                stacks.nodes_[id].node.module = no_module;
    return stacks;
}

void StoredStacks::load_script_frames(Database& db, int64_t run_id, const std::vector<ScriptNode>& script_nodes) {
    if (script_nodes.empty()) return;
    struct Function {
        uint32_t module;
        std::string_view name, file;
    };
    std::unordered_map<uint32_t, Function> functions;
    std::map<std::string, uint32_t> module_of_language;
    auto rows = db.prepare(
        "SELECT function_id, language, name, file FROM script_functions WHERE run_id = ?");
    rows.bind(1, run_id);
    while (rows.step()) {
        const std::string language = rows.text(1);
        auto [it, added] = module_of_language.try_emplace(language, uint32_t(modules_.size()));
        if (added) {
            std::string name = language == "lua" ? std::string(kLuaModule)
                               : language == "python" ? std::string(kPythonModule)
                                                      : "[" + language + "]";
            modules_.push_back({"script:" + language, name, name, ""});
        }
        functions[static_cast<uint32_t>(rows.int64(0))] = {it->second, intern(rows.text(2)),
                                                           intern(rows.text(3))};
    }
    const uint32_t unknown = static_cast<uint32_t>(modules_.size());
    modules_.push_back({"script:unknown", "[script]", "[script]", ""});
    for (const ScriptNode& s : script_nodes) {
        Node& n = nodes_[s.node].node;
        n.script = true;
        n.pc = 0;
        auto it = functions.find(s.function);
        if (it == functions.end()) {
            n.module = unknown;  // a frame whose function record never arrived
            continue;
        }
        n.module = it->second.module;
        n.quality = SymbolQuality::FileLine;
        n.first_frame = static_cast<uint32_t>(frames_.size());
        n.frame_count = 1;
        frames_.push_back({it->second.name, it->second.file, static_cast<int>(s.line), false});
    }
}

void StoredStacks::stack(uint32_t leaf, std::vector<StackFrame>& out, std::vector<uint32_t>* nodes_out,
                         View view) const {
    out.clear();
    if (nodes_out != nullptr) nodes_out->clear();
    std::vector<StackFrame> script;  // innermost first
    std::vector<uint32_t> script_nodes;
    // A trie has no cycles, but a damaged file might: never walk more nodes than exist.
    size_t budget = node_count_;
    for (const Node* n = node(leaf); n != nullptr && budget-- > 0;
         leaf = n->parent, n = node(leaf)) {
        const Module& m = modules_[n->module];
        if (n->script && view == View::Native) continue;
        auto& frames_out = n->script ? script : out;
        auto* nodes = n->script ? &script_nodes : nodes_out;
        if (n->frame_count == 0) {
            frames_out.push_back({m.name, {}, {}, 0, n->pc, false, n->script});
            if (nodes != nullptr) nodes->push_back(leaf);
            continue;
        }
        for (const Frame& f : frames(*n)) {
            frames_out.push_back({m.name, f.function, f.file, f.line, n->pc, f.inlined, n->script});
            if (nodes != nullptr) nodes->push_back(leaf);
        }
    }
    if (script.empty()) return;
    size_t at = out.size();
    for (size_t i = 0; i < out.size(); ++i)
        if (is_eval_function(out[i].function)) {
            at = i;
            break;
        }
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), script.begin(), script.end());
    if (nodes_out != nullptr)
        nodes_out->insert(nodes_out->begin() + static_cast<std::ptrdiff_t>(at),
                          script_nodes.begin(), script_nodes.end());
}

}  // namespace allocprof::schema
