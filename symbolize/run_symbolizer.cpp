// run_symbolizer.cpp — see run_symbolizer.h.
#include "symbolize/run_symbolizer.h"

#include <optional>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_set>

#include "symbolize/debug_coverage.h"
#include "symbolize/perf_map.h"
#include "symbolize/run_sites.h"
#include "schema/stored_stacks.h"
#include "symbolize/symbolizer.h"

namespace allocprof::symbolize {
namespace {

struct RunModule {
    std::string path;
    std::string build_id;
    std::set<uint64_t> addresses;
};

int64_t unix_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class FrameWriter {
  public:
    explicit FrameWriter(schema::Database& db)
        : erase_(db.prepare("DELETE FROM symbol_frames WHERE module_key = ? AND rel_pc = ?")),
          insert_(db.prepare(
              "INSERT INTO symbol_frames(module_key, rel_pc, frame_index, function, file, line, "
              "inlined, quality) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")),
          present_(db.prepare("SELECT DISTINCT rel_pc FROM symbol_frames WHERE module_key = ?")) {}

    std::unordered_set<uint64_t> present(const std::string& key) {
        std::unordered_set<uint64_t> out;
        present_.bind(1, key);
        while (present_.step()) out.insert(static_cast<uint64_t>(present_.int64(0)));
        present_.reset();
        return out;
    }

    void write(const std::string& key, uint64_t pc, const SymbolizedAddress& address) {
        erase_.bind(1, key).bind(2, pc).run();
        const char* quality = to_string(address.quality);
        if (address.frames.empty()) {
            insert_.bind(1, key).bind(2, pc).bind(3, 0).bind_null(4).bind_null(5).bind_null(6);
            insert_.bind(7, 0).bind(8, quality).run();
            return;
        }
        for (size_t i = 0; i < address.frames.size(); ++i) {
            const SymbolFrame& f = address.frames[i];
            insert_.bind(1, key).bind(2, pc).bind(3, static_cast<int64_t>(i));
            if (f.function.empty())
                insert_.bind_null(4);
            else
                insert_.bind(4, f.function);
            if (f.file.empty())
                insert_.bind_null(5);
            else
                insert_.bind(5, f.file);
            if (f.line <= 0)
                insert_.bind_null(6);
            else
                insert_.bind(6, f.line);
            insert_.bind(7, f.inlined ? 1 : 0).bind(8, quality).run();
        }
    }

  private:
    schema::Statement erase_;
    schema::Statement insert_;
    schema::Statement present_;
};

// Per module key of the run: the Symbolizer's view of the file and the frame counts.
struct ModuleCoverage {
    std::string path;
    ModuleDebugInfo info;
    CoverageCounts counts;
    bool pseudo = false;  // [perf-map], [no module]
};

void write_coverage(schema::Database& db, int64_t run_id, std::map<std::string, ModuleCoverage>& modules,
                    const SymbolizeOptions& options) {
    // One dpkg-query for every module that lacks DWARF.
    std::vector<std::string> ask;
    for (const auto& [key, m] : modules)
        if (!m.pseudo && (m.info.status == ModuleStatus::SymbolTable ||
                          m.info.status == ModuleStatus::NoSymbols))
            ask.push_back(m.path);
    if (options.on_progress && !ask.empty())
        options.on_progress("asking dpkg which packages hold the modules without debug information", 0, 0);
    const std::map<std::string, std::string> owners = debian_owners(ask);

    db.prepare("DELETE FROM debug_coverage WHERE run_id = ?").bind(1, run_id).run();
    auto insert = db.prepare(
        "INSERT INTO debug_coverage(run_id, module_key, path, status, dwarf_source, debug_file, "
        "symbol_table, package, frames_file_line, frames_symbol_only, frames_unknown, fix) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& [key, m] : modules) {
        std::string package;
        if (auto it = owners.find(m.path); it != owners.end()) package = it->second;
        std::string status = to_string(m.info.status);
        std::string fix = coverage_fix(m.info, package);
        if (m.path == schema::kPerfMapModule) {
            status = "perf_map";
            fix = "";
        } else if (m.path == schema::kNoModule) {
            status = "none";
            fix =
                "code outside any file: have the JIT write /tmp/perf-PID.map "
                "(node --perf-basic-prof, python3.12 -X perf)";
        } else if (!m.path.empty() && m.path[0] == '[') {
            fix = "";  // [vdso] and the like: nothing to install
        }
        insert.bind(1, run_id).bind(2, key).bind(3, m.path).bind(4, status);
        insert.bind(5, to_string(m.info.dwarf_source));
        if (m.info.debug_file.empty())
            insert.bind_null(6);
        else
            insert.bind(6, m.info.debug_file);
        if (m.info.symbol_table.empty())
            insert.bind_null(7);
        else
            insert.bind(7, m.info.symbol_table);
        if (package.empty())
            insert.bind_null(8);
        else
            insert.bind(8, package);
        insert.bind(9, m.counts.file_line)
            .bind(10, m.counts.symbol_only)
            .bind(11, m.counts.unknown);
        insert.bind(12, fix).run();
    }
}

}  // namespace

bool is_symbolized(schema::Database& db, int64_t run_id) {
    auto table = db.prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'symbolization'");
    if (!table.step() || table.int64(0) == 0) return false;
    auto row = db.prepare("SELECT count(*) FROM symbolization WHERE run_id = ?");
    row.bind(1, run_id);
    return row.step() && row.int64(0) > 0;
}

SymbolizeResult symbolize_run(schema::Database& db, int64_t run_id,
                              const SymbolizeOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    unsetenv("DEBUGINFOD_URLS");  // see the header: no network lookups, ever
    db.add_missing_tables();
    schema::Transaction transaction(db);
    SymbolizeResult result;

    // An imported run (runs.wire_version 0: allocprof import) came with its frames, keyed
    // by addresses no file here can resolve again: they are kept even with `redo`.
    bool imported = false;
    {
        auto row = db.prepare("SELECT wire_version FROM runs WHERE run_id = ?");
        row.bind(1, run_id);
        imported = row.step() && row.int64(0) == 0;
    }

    // The run's modules by key, with the addresses of their nodes.
    std::map<std::string, RunModule> modules;
    {
        std::map<int64_t, std::string> key_of;
        auto rows = db.prepare(
            "SELECT module_id, path, build_id FROM modules WHERE run_id = ? ORDER BY module_id");
        rows.bind(1, run_id);
        while (rows.step()) {
            std::string path = rows.text(1);
            std::string build_id = rows.is_null(2) ? "" : rows.text(2);
            std::string key = schema::module_key(path, build_id);
            key_of[rows.int64(0)] = key;
            modules.emplace(key, RunModule{path, build_id, {}});
        }
        auto nodes = db.prepare(
            "SELECT DISTINCT module_id, rel_pc FROM trace_nodes WHERE run_id = ? AND module_id IS "
            "NOT NULL");
        nodes.bind(1, run_id);
        while (nodes.step()) {
            auto it = key_of.find(nodes.int64(0));
            if (it != key_of.end())
                modules[it->second].addresses.insert(static_cast<uint64_t>(nodes.int64(1)));
        }
    }

    // File-backed code, through the Symbolizer.
    FrameWriter writer(db);
    std::optional<Symbolizer> own_symbolizer;
    if (!options.symbolizer) own_symbolizer.emplace(options.extra_debug_dirs);
    Symbolizer& symbolizer = options.symbolizer ? *options.symbolizer : *own_symbolizer;
    std::map<std::string, ModuleCoverage> coverage;
    uint64_t to_look_up = 0, looked_up = 0;
    for (const auto& entry : modules) to_look_up += entry.second.addresses.size();
    for (const auto& [key, m] : modules) {
        if (m.addresses.empty()) continue;  // loaded, but no allocating stack went through it
        ModuleHandle handle = symbolizer.open_module(m.path, m.build_id);
        coverage[key] = {m.path, symbolizer.module_info(handle), {}, false};
        std::unordered_set<uint64_t> present;
        if (!options.redo || imported) present = writer.present(key);
        result.addresses += m.addresses.size();
        for (uint64_t pc : m.addresses) {
            if (options.on_progress && (++looked_up & 0x3FF) == 0)
                options.on_progress("looking up addresses", looked_up, to_look_up);
            if (present.count(pc) != 0) continue;
            writer.write(key, pc, symbolizer.symbolize(handle, pc));
            ++result.resolved;
        }
    }

    // Code outside any file-backed mapping, from the perf map snapshot (named, no line).
    {
        const PerfMap perf_map = PerfMap::load(db, run_id);
        const std::string key = schema::perf_map_key(run_id);
        auto rows = db.prepare(
            "SELECT DISTINCT ip FROM trace_nodes WHERE run_id = ? AND module_id IS NULL AND ip >= 0 "
            "AND truncated_beyond IS NULL");
        rows.bind(1, run_id);
        while (rows.step()) {
            auto ip = static_cast<uint64_t>(rows.int64(0));
            ++result.addresses;
            const PerfMap::Entry* entry = perf_map.find(ip);
            if (entry == nullptr) continue;  // stays unknown: module "[no module]"
            SymbolizedAddress address;
            address.quality = SymbolQuality::SymbolOnly;
            address.frames.push_back({entry->name, "", 0, false});
            writer.write(key, ip, address);
            ++result.resolved;
        }
    }

    // Coverage per module: its distinct addresses by how they resolved (a frame under
    // several script stacks is one trie node per stack, and still one address).
    const schema::StoredStacks stacks = schema::StoredStacks::load(db, run_id);
    std::set<std::pair<uint32_t, uint64_t>> counted;
    stacks.for_each_node([&](uint32_t, const schema::StoredStacks::Node& node) {
        // Named by the interpreter, or by allocprof (a truncation node), not by debug information.
        if (node.script || node.truncated_beyond != 0) return;
        if (!counted.emplace(node.module, node.pc).second) return;
        const schema::StoredStacks::Module& m = stacks.modules()[node.module];
        std::string key = m.path == schema::kNoModule ? "none" : m.key;
        auto [it, added] = coverage.try_emplace(key);
        if (added) {
            it->second.path = m.path;
            it->second.pseudo = true;
        }
        it->second.counts.add(node.quality);
    });
    write_coverage(db, run_id, coverage, options);

    // Sites.
    const SiteAttributor attributor(options.config.patterns());
    const std::vector<StackFigures> stack_figures = load_stack_figures(db, run_id);
    const std::vector<Site> sites = attribute_sites(stacks, stack_figures, attributor);
    write_sites(db, run_id, sites);
    write_sites(db, run_id, attribute_script_sites(stacks, stack_figures), SiteGrouping::Script);
    result.sites = sites.size();

    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    auto row = db.prepare(
        "INSERT OR REPLACE INTO symbolization(run_id, symbolized_unix_ns, tool_version, "
        "duration_s, "
        "addresses, addresses_resolved, site_config) VALUES (?, ?, ?, ?, ?, ?, ?)");
    row.bind(1, run_id).bind(2, unix_now_ns()).bind(3, ALLOCPROF_VERSION).bind(4, result.seconds);
    row.bind(5, result.addresses).bind(6, result.resolved).bind(7, options.config.to_json().dump());
    row.run();
    transaction.commit();
    return result;
}

}  // namespace allocprof::symbolize
