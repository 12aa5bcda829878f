// report_loader.cpp — see report_loader.h.
//
// Ordering choices (the stored numbers are not changed, only arranged):
// - windows: the run, then phases by their first event;
// - sites: by analysis_sites.position (impact order);
// - stacks (HTML view only): by the larger of a stack's shares of the run's allocations and
//   bytes, descending, ties by node id, so the flame graph keeps the heaviest whichever way
//   it is drawn; frames root first, inlined frames expanded (symbol_frames);
// - plan: by phase; within a phase by the largest share of the run's allocs/op, B/op and
//   Gen0* the item's saving removes (the impact rule of DESIGN.md applied to savings),
//   ties by plan order; priorities P1.n for phase 2, P2.n for phase 3, P3.n for phase 4.
#include "reports/report_loader.h"

#include "schema/script_frames.h"
#include "wire/wire_format.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "reports/report_format.h"
#include "reports/source_loader.h"

namespace allocprof::reports {
namespace {

using nlohmann::json;

std::optional<int64_t> opt_int(const schema::Statement& s, int c) {
    return s.is_null(c) ? std::nullopt : std::optional<int64_t>(s.int64(c));
}
std::optional<double> opt_real(const schema::Statement& s, int c) {
    return s.is_null(c) ? std::nullopt : std::optional<double>(s.real(c));
}
std::optional<std::string> opt_text(const schema::Statement& s, int c) {
    return s.is_null(c) ? std::nullopt : std::optional<std::string>(s.text(c));
}

RunInfo load_run(schema::Database& db, int64_t run_id) {
    RunInfo r;
    auto s = db.prepare(
        "SELECT scenario, command, cwd, hostname, tool_version, duration_s, exit_status, "
        "term_signal, truncated, threads, peak_rss_bytes, mmap_calls, mmap_bytes, munmap_calls, "
        "notes, (SELECT count(*) FROM runs), peak_live_bytes, peak_live_event, peak_live_ns, "
        "event_count FROM runs WHERE run_id = ?");
    s.bind(1, run_id);
    if (!s.step()) throw ReportError(db.path() + ": no run " + std::to_string(run_id));
    r.run_id = run_id;
    r.scenario = s.is_null(0) ? "" : s.text(0);
    json command = json::parse(s.text(1), nullptr, false);
    if (command.is_array())
        for (const auto& a : command)
            if (a.is_string()) r.command.push_back(a.get<std::string>());
    r.cwd = s.text(2);
    r.hostname = s.text(3);
    r.recorded_with = s.text(4);
    r.duration_s = opt_real(s, 5);
    r.exit_status = opt_int(s, 6);
    r.term_signal = opt_int(s, 7);
    r.truncated = s.int64(8) != 0;
    r.threads = s.int64(9);
    r.peak_rss_bytes = opt_int(s, 10);
    r.mmap_calls = s.int64(11);
    r.mmap_bytes = s.int64(12);
    r.munmap_calls = s.int64(13);
    json notes = json::parse(s.text(14), nullptr, false);
    if (notes.is_array())
        for (const auto& n : notes)
            if (n.is_string()) r.notes.push_back(n.get<std::string>());
    r.runs_in_file = s.int64(15);
    r.peak_live_bytes = s.int64(16);
    r.peak_live_event = opt_int(s, 17);
    r.peak_live_ns = opt_int(s, 18);
    r.event_count = s.int64(19);
    return r;
}

AnalysisInfo load_analysis(schema::Database& db, int64_t run_id) {
    AnalysisInfo a;
    auto s = db.prepare(
        "SELECT analyzed_unix_ns, tool_version, params, site_config, ops, ops_source, "
        "unmatched_frees FROM analysis WHERE run_id = ?");
    s.bind(1, run_id);
    if (!s.step()) throw ReportError(db.path() + ": run " + std::to_string(run_id) + " has no analysis");
    a.analyzed_unix_ns = s.int64(0);
    a.date = format_utc(a.analyzed_unix_ns);
    a.tool_version = s.text(1);
    a.params = json::parse(s.text(2), nullptr, false);
    a.site_config = json::parse(s.text(3), nullptr, false);
    if (a.params.is_discarded()) a.params = json::object();
    if (a.site_config.is_discarded()) a.site_config = json::object();
    a.ops = s.int64(4);
    a.ops_source = s.text(5);
    a.unmatched_frees = s.int64(6);
    a.gen0_budget = a.params.value("gen0_budget", uint64_t{0});
    a.gen0_budget_rule = a.params.value("gen0_budget_rule", std::string());
    a.large_object_threshold = a.params.value("large_object_threshold", uint64_t{0});
    if (a.params.contains("temporary_k") && a.params["temporary_k"].is_array())
        for (const auto& k : a.params["temporary_k"])
            if (k.is_number_integer()) a.temporary_k.push_back(k.get<int64_t>());
    return a;
}

std::vector<WindowRow> load_windows(schema::Database& db, int64_t run_id, const std::string& run_label) {
    std::vector<WindowRow> rows;
    auto s = db.prepare(
        "SELECT window, occurrences, ops, per_run, allocations, reallocs, frees, bytes_allocated, "
        "allocs_per_op, bytes_per_op, collections, gen0_per_1k, gen0_star_per_1k, survival_rate, "
        "dies_young, temporary_k0, temporary_k1, peak_live_bytes, unfreed_blocks, unfreed_bytes, "
        "leak_slope, size_p50, size_p90, size_p99, size_max FROM analysis_windows WHERE run_id = ? "
        "ORDER BY window <> '', begin_event, window");
    s.bind(1, run_id);
    while (s.step()) {
        WindowRow w;
        int c = 0;
        w.window = s.text(c++);
        w.label = w.window.empty() ? run_label : "phase " + w.window;
        w.occurrences = s.int64(c++);
        w.ops = s.int64(c++);
        w.per_run = s.int64(c++) != 0;
        w.allocations = s.int64(c++);
        w.reallocs = s.int64(c++);
        w.frees = s.int64(c++);
        w.bytes_allocated = s.int64(c++);
        w.allocs_per_op = s.real(c++);
        w.bytes_per_op = s.real(c++);
        w.collections = s.int64(c++);
        w.gen0_per_1k = s.real(c++);
        w.gen0_star_per_1k = s.real(c++);
        w.survival_rate = opt_real(s, c++);
        w.dies_young = s.int64(c++);
        w.temporary_k0 = s.int64(c++);
        w.temporary_k1 = s.int64(c++);
        w.peak_live_bytes = s.int64(c++);
        w.unfreed_blocks = opt_int(s, c++);
        w.unfreed_bytes = opt_int(s, c++);
        w.leak_slope = opt_real(s, c++);
        w.size_p50 = s.int64(c++);
        w.size_p90 = s.int64(c++);
        w.size_p99 = s.int64(c++);
        w.size_max = s.int64(c++);
        rows.push_back(std::move(w));
    }
    if (rows.empty() || !rows.front().window.empty())
        throw ReportError(db.path() + ": run " + std::to_string(run_id) +
                          " has an analysis without its whole-run window: run allocprof analyze again");
    return rows;
}

void load_gc(schema::Database& db, int64_t run_id, std::vector<WindowRow>& windows) {
    if (!table_exists(db, "analysis_gc")) return;
    auto s = db.prepare(
        "SELECT language, generation, cycles, per_1k_ops FROM analysis_gc WHERE run_id = ? AND "
        "window = ? ORDER BY language, generation");
    for (WindowRow& w : windows) {
        s.bind_all(run_id, w.window);
        while (s.step()) w.gc.push_back({s.text(0), s.int64(1), s.int64(2), s.real(3)});
        s.reset();
    }
}

// The script locations, when the run has script frames (a row other than the
// "(no script frame)" one, whose module is '').
void load_script_sites(schema::Database& db, int64_t run_id, Report& r) {
    if (!table_exists(db, "script_sites")) return;
    auto scripted = db.prepare("SELECT count(*) FROM script_sites WHERE run_id = ? AND module <> ''");
    scripted.bind(1, run_id);
    if (!scripted.step() || scripted.int64(0) == 0) return;
    auto all = db.prepare("SELECT count(*) FROM script_sites WHERE run_id = ?");
    all.bind(1, run_id);
    all.step();
    r.script_sites_total = all.int64(0);
    auto s = db.prepare(
        "SELECT x.module, x.function, x.file, x.line, x.allocations, x.bytes_allocated, "
        "(SELECT count(*) FROM stack_script_sites ss WHERE ss.run_id = x.run_id AND ss.site_id = "
        "x.site_id), n.function, n.file, n.line FROM script_sites x LEFT JOIN stack_sites t ON "
        "t.run_id = x.run_id AND t.node_id = x.top_node LEFT JOIN sites n ON n.run_id = t.run_id "
        "AND n.site_id = t.site_id WHERE x.run_id = ? ORDER BY x.allocations DESC, x.site_id LIMIT ?");
    s.bind_all(run_id, static_cast<int64_t>(kScriptSiteRows));
    while (s.step()) {
        ScriptSiteRow row;
        row.module = s.text(0);
        row.function = s.text(1);
        row.file = s.text(2);
        row.line = s.int64(3);
        row.allocations = s.int64(4);
        row.bytes_allocated = s.int64(5);
        row.stacks = s.int64(6);
        row.native_function = opt_text(s, 7).value_or("");
        row.native_file = opt_text(s, 8).value_or("");
        row.native_line = opt_int(s, 9).value_or(0);
        r.script_sites.push_back(std::move(row));
    }
}

std::vector<SiteRow> load_sites(schema::Database& db, int64_t run_id) {
    std::vector<SiteRow> rows;
    auto s = db.prepare(
        "SELECT s.site_id, s.module, s.function, s.file, s.line, s.allocations, s.bytes_allocated, "
        "a.allocs_per_op, a.bytes_per_op, a.gen0_star_per_1k, a.survival_rate, a.dies_young, "
        "a.live_at_peak_bytes, a.max_live_bytes, a.unfreed_bytes, a.leak_slope, a.size_p50, "
        "a.size_p90, a.size_p99, a.size_max, a.lifetime, a.chains, a.inferred_chains, "
        "a.chain_pattern, a.chain_description, a.copied_bytes, a.avoidable_bytes, a.impact, "
        "a.impact_metric, a.position, a.tier, a.base_tier, a.rule "
        "FROM analysis_sites a JOIN sites s USING (run_id, site_id) WHERE a.run_id = ? "
        "ORDER BY a.position, a.site_id");
    s.bind(1, run_id);
    while (s.step()) {
        SiteRow r;
        int c = 0;
        r.site_id = s.int64(c++);
        r.module = s.text(c++);
        r.function = s.text(c++);
        r.file = s.text(c++);
        r.line = s.int64(c++);
        r.allocations = s.int64(c++);
        r.bytes_allocated = s.int64(c++);
        r.allocs_per_op = s.real(c++);
        r.bytes_per_op = s.real(c++);
        r.gen0_star_per_1k = s.real(c++);
        r.survival_rate = opt_real(s, c++);
        r.dies_young = s.int64(c++);
        r.live_at_peak_bytes = s.int64(c++);
        r.max_live_bytes = s.int64(c++);
        r.unfreed_bytes = s.int64(c++);
        r.leak_slope = opt_real(s, c++);
        r.size_p50 = s.int64(c++);
        r.size_p90 = s.int64(c++);
        r.size_p99 = s.int64(c++);
        r.size_max = s.int64(c++);
        r.lifetime = s.text(c++);
        r.chains = s.int64(c++);
        r.inferred_chains = s.int64(c++);
        r.chain_pattern = opt_text(s, c++);
        r.chain_description = opt_text(s, c++);
        r.copied_bytes = s.int64(c++);
        r.avoidable_bytes = s.int64(c++);
        r.impact = s.real(c++);
        r.impact_metric = s.text(c++);
        r.position = s.int64(c++);
        r.tier = s.text(c++);
        r.base_tier = s.text(c++);
        r.rule = s.text(c++);
        rows.push_back(std::move(r));
    }
    return rows;
}

// The share of the run's baseline an item's saving removes (see the file comment).
double saving_share(const PlanRow& p, const WindowRow& run) {
    double share = 0;
    if (run.allocs_per_op > 0) share = std::max(share, p.saving_allocs_per_op / run.allocs_per_op);
    if (run.bytes_per_op > 0) share = std::max(share, p.saving_bytes_per_op / run.bytes_per_op);
    if (run.gen0_star_per_1k > 0) share = std::max(share, p.saving_gen0_star_1k / run.gen0_star_per_1k);
    return share;
}

std::vector<PlanRow> load_plan(schema::Database& db, int64_t run_id, const WindowRow& run) {
    std::vector<PlanRow> rows;
    auto s = db.prepare(
        "SELECT item_index, site_id, phase, kind, risk, tier, change, evidence, tier_sizes, "
        "saving_allocs_per_op, saving_bytes_per_op, saving_gen0_star_1k, saving_gen0_1k "
        "FROM plan_items WHERE run_id = ? ORDER BY item_index");
    s.bind(1, run_id);
    while (s.step()) {
        PlanRow p;
        int c = 0;
        p.item_index = s.int64(c++);
        p.site_id = s.int64(c++);
        p.phase = s.int64(c++);
        p.kind = s.text(c++);
        p.risk = s.text(c++);
        p.tier = s.text(c++);
        p.change = s.text(c++);
        p.evidence = s.text(c++);
        json sizes = json::parse(s.text(c++), nullptr, false);
        if (sizes.is_array())
            for (const auto& v : sizes)
                if (v.is_number_integer()) p.tier_sizes.push_back(v.get<int64_t>());
        p.saving_allocs_per_op = s.real(c++);
        p.saving_bytes_per_op = s.real(c++);
        p.saving_gen0_star_1k = s.real(c++);
        p.saving_gen0_1k = opt_real(s, c++);
        p.saving_share = saving_share(p, run);
        rows.push_back(std::move(p));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const PlanRow& a, const PlanRow& b) {
        if (a.phase != b.phase) return a.phase < b.phase;
        if (a.saving_share != b.saving_share) return a.saving_share > b.saving_share;
        return a.item_index < b.item_index;
    });
    int64_t phase = -1, n = 0;
    for (PlanRow& p : rows) {
        if (p.phase != phase) {
            phase = p.phase;
            n = 0;
        }
        p.priority = "P" + std::to_string(p.phase - 1) + "." + std::to_string(++n);
    }
    return rows;
}

std::vector<CoverageRow> load_coverage(schema::Database& db, int64_t run_id) {
    std::vector<CoverageRow> rows;
    if (!table_exists(db, "debug_coverage")) return rows;
    auto s = db.prepare(
        "SELECT module_key, path, status, dwarf_source, debug_file, symbol_table, package, "
        "frames_file_line, frames_symbol_only, frames_unknown, fix FROM debug_coverage "
        "WHERE run_id = ? ORDER BY path, module_key");
    s.bind(1, run_id);
    while (s.step()) {
        CoverageRow r;
        int c = 0;
        r.module_key = s.text(c++);
        r.path = s.text(c++);
        r.status = s.text(c++);
        r.dwarf_source = s.text(c++);
        r.debug_file = opt_text(s, c++);
        r.symbol_table = opt_text(s, c++);
        r.package = opt_text(s, c++);
        r.frames_file_line = s.int64(c++);
        r.frames_symbol_only = s.int64(c++);
        r.frames_unknown = s.int64(c++);
        r.fix = s.text(c++);
        rows.push_back(std::move(r));
    }
    return rows;
}

std::vector<HookCalls> load_hooks(schema::Database& db, int64_t run_id) {
    std::vector<HookCalls> hooks;
    auto s = db.prepare("SELECT calls, bytes FROM function_calls WHERE run_id = ? AND function = ?");
    for (const char* name : kHookedFunctions) {
        HookCalls h{name, 0, 0};
        s.bind(1, run_id).bind(2, name);
        if (s.step()) {
            h.calls = s.int64(0);
            h.bytes = s.int64(1);
        }
        s.reset();
        hooks.push_back(h);
    }
    return hooks;
}

std::string file_name(const std::string& path) {
    return std::filesystem::path(path).filename().string();
}

// python3, python3.12, python: their small objects come from pymalloc unless
// PYTHONMALLOC=malloc (which the database does not record).
bool runs_python(const std::vector<std::string>& command) {
    for (size_t i = 0; i < command.size() && i < 2; ++i) {
        const std::string name = file_name(command[i]);
        if (name.rfind("python", 0) == 0 &&
            name.find_first_not_of("0123456789.", 6) == std::string::npos)
            return true;
        if (name != "env") break;
    }
    return false;
}

std::string join_codes(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + md_code(n);
    return out;
}

std::string site_name(const SiteRow& s) {
    std::string name = md_code(s.function);
    if (!s.file.empty()) name += " at " + md_code(s.file + ":" + std::to_string(s.line));
    return name;
}

void add_gaps(Report& r) {
    const WindowRow& run = r.run_window();
    if (run.per_run)
        r.gaps.push_back({"ops", "The run counted no operations (ops source: " + r.analysis.ops_source +
                                     "): its per-op columns are per run. Record with `--ops N`, or "
                                     "call `allocprof_ops(n)` in the program."});
    std::vector<std::string> phases_without_ops;
    for (const WindowRow& w : r.windows)
        if (!w.window.empty() && w.per_run) phases_without_ops.push_back(w.window);
    if (!phases_without_ops.empty())
        r.gaps.push_back({"ops", "Phases without op counts: " + join_codes(phases_without_ops) +
                                     "; their per-op columns are totals over the phase."});
    for (const CoverageRow& c : r.coverage) {
        if (c.fix.empty() && c.frames_unknown == 0) continue;
        const int64_t frames = c.frames_file_line + c.frames_symbol_only + c.frames_unknown;
        std::string text = md_code(c.path) + ": of " + format_count(frames) + " frames, " +
                           format_count(c.frames_file_line) + " at file:line, " +
                           format_count(c.frames_symbol_only) + " with a name only, " +
                           format_count(c.frames_unknown) + " unnamed (module+offset)";
        text += c.fix.empty() ? "." : "; fix: " + c.fix + ".";
        r.gaps.push_back({"symbols", text});
    }
    std::vector<std::string> never;
    for (const HookCalls& h : r.hooks)
        if (h.calls == 0) never.push_back(h.function);
    if (!never.empty())
        r.gaps.push_back({"hooks", "Hooked functions this run never called (no data on their paths): " +
                                       join_codes(never) + "."});
    for (const std::string& note : r.run.notes) {
        const bool allocator = note.find("malloc is provided by") != std::string::npos ||
                               note.find("operator new is replaced") != std::string::npos ||
                               note.find("not hooked") != std::string::npos;
        r.gaps.push_back({allocator ? "allocator" : "run", note + (note.ends_with(".") ? "" : ".")});
    }
    bool python_malloc = false;  // record notes which allocator a Python target used
    for (const std::string& note : r.run.notes)
        python_malloc |= note.find("allocator PYTHONMALLOC=malloc") != std::string::npos;
    if (runs_python(r.run.command) && !python_malloc)
        r.gaps.push_back({"allocator",
                          "The target is CPython: unless it ran with `PYTHONMALLOC=malloc`, objects "
                          "of 512 B or less come from pymalloc arenas, which allocprof sees only as "
                          "the arenas' own allocations."});
    if (r.run.mmap_calls > 0)
        r.gaps.push_back({"allocator", format_count(r.run.mmap_calls) + " anonymous `mmap` calls (" +
                                           format_bytes(static_cast<double>(r.run.mmap_bytes)) +
                                           ") are outside the heap metrics; an allocator that "
                                           "carves them up is not seen block by block."});
    if (r.run.truncated)
        r.gaps.push_back({"run", "The run is truncated: the target's clean end never arrived, so the "
                                 "numbers cover what reached the profiler."});
    if (r.analysis.unmatched_frees > 0)
        r.gaps.push_back({"run", format_count(r.analysis.unmatched_frees) +
                                     " frees of blocks the stream never showed allocated."});
}

void add_next_steps(Report& r) {
    if (!r.plan.empty()) {
        const PlanRow& first = r.plan.front();
        const SiteRow* site = r.site(first.site_id);
        r.next_steps.push_back("Start with " + first.priority + ": " + first.change + " (" +
                               (site ? site_name(*site) : "site " + std::to_string(first.site_id)) +
                               "), then work down the Phase 2 table.");
        r.next_steps.push_back("After each change, record the same command again and compare the "
                               "runs: `allocprof compare " + r.file + " after.db`.");
    }
    bool symbols = false, ops = false, python = false;
    for (const Gap& g : r.gaps) {
        symbols |= g.kind == "symbols";
        ops |= g.kind == "ops";
        python |= g.text.find("PYTHONMALLOC") != std::string::npos;
    }
    if (symbols)
        r.next_steps.push_back("Install the missing debug information (see Coverage gaps), then "
                               "`allocprof symbolize " + r.file + "` and `allocprof analyze " + r.file +
                               "` to name the unnamed sites.");
    if (ops)
        r.next_steps.push_back("Count operations (`--ops N` or `allocprof_ops(n)`) so that per-op "
                               "figures and Gen0/1k compare across inputs and runs.");
    if (python)
        r.next_steps.push_back("Record the Python target again with `PYTHONMALLOC=malloc` to see "
                               "every object allocation.");
    if (!r.source_gaps.empty()) {
        const int64_t others = static_cast<int64_t>(r.source_gaps.size()) - 1;
        r.next_steps.push_back("Add a scenario that runs `" + r.source_gaps.front().function + "`" +
                               (others > 0 ? " and the " + format_plural(others, "other function", "other functions")
                                           : std::string()) +
                               " listed under " + kSourceGapsTitle + ": what they allocate is not measured yet.");
    }
    r.next_steps.push_back("Keep this run as the baseline and gate CI on its B/op and `Gen0*` with "
                           "`allocprof compare`.");
}


// ---- views: allocating stacks, memory series, phases (HTML) ------------------------------

struct TraceNode {
    int64_t parent = 0;
    std::optional<int64_t> module_id;
    int64_t ip = 0;
    int64_t rel_pc = 0;
};

struct ModuleInfo {
    std::string key;   // symbol_frames.module_key: the build-id, else 'path:' + path
    std::string name;  // file name
};

std::string hex_offset(const std::string& module, int64_t pc) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "+0x%llx", static_cast<unsigned long long>(pc));
    return module + buf;
}

// The frames of one trace node, innermost first, as symbol_frames holds them; one frame
// named module+0xoffset when nothing names the address (the same names sites use).
class FrameResolver {
public:
    FrameResolver(schema::Database& db, int64_t run_id)
        : query_(db.prepare("SELECT function, file, line, inlined, quality FROM symbol_frames "
                            "WHERE module_key = ? AND rel_pc = ? ORDER BY frame_index")),
          perf_map_key_("perf-map:" + std::to_string(run_id)) {
        auto rows = db.prepare("SELECT module_id, path, build_id FROM modules WHERE run_id = ?");
        rows.bind(1, run_id);
        while (rows.step()) {
            const std::string path = rows.text(1);
            const std::string build_id = rows.is_null(2) ? "" : rows.text(2);
            std::string name = file_name(path);
            if (name.empty()) name = path;
            modules_[rows.int64(0)] = {build_id.empty() ? "path:" + path : build_id, name};
        }
        if (!table_exists(db, "script_functions")) return;
        auto functions = db.prepare(
            "SELECT function_id, language, name, file FROM script_functions WHERE run_id = ?");
        functions.bind(1, run_id);
        while (functions.step())
            script_functions_[functions.int64(0)] = {"[" + functions.text(1) + "]", functions.text(2),
                                                     functions.text(3), 0, false};
    }

    std::vector<StackFrame> frames(const TraceNode& n) {
        const auto ip = static_cast<uint64_t>(n.ip);
        if (wire::is_script_frame_ip(ip)) {  // a Lua/Python frame (schema: script_functions)
            auto f = script_functions_.find(wire::script_frame_function(ip));
            StackFrame frame = f != script_functions_.end()
                                   ? f->second
                                   : StackFrame{"[script]", "unknown script function", "", 0, false};
            frame.line = wire::script_frame_line(ip);
            return {frame};
        }
        auto m = n.module_id ? modules_.find(*n.module_id) : modules_.end();
        const bool in_module = m != modules_.end();
        const std::string key = in_module ? m->second.key : perf_map_key_;
        const std::string module = in_module ? m->second.name : "[perf-map]";
        const int64_t pc = in_module ? n.rel_pc : n.ip;
        std::vector<StackFrame> out;
        query_.bind(1, key).bind(2, pc);
        bool unknown = false;
        while (query_.step()) {
            if (query_.text(4) == "unknown" || query_.is_null(0)) {
                unknown = true;
                break;
            }
            StackFrame f;
            f.module = module;
            f.function = query_.text(0);
            f.file = query_.is_null(1) ? "" : query_.text(1);
            if (f.file.rfind("./", 0) == 0) f.file.erase(0, 2);
            f.line = query_.is_null(2) ? 0 : query_.int64(2);
            f.inlined = query_.int64(3) != 0;
            out.push_back(std::move(f));
        }
        query_.reset();
        if (out.empty() || unknown) {
            out.clear();
            const std::string shown = in_module ? module : "[no module]";
            out.push_back({shown, hex_offset(shown, pc), "", 0, false});
        }
        return out;
    }

private:
    schema::Statement query_;
    std::string perf_map_key_;
    std::map<int64_t, ModuleInfo> modules_;
    std::map<int64_t, StackFrame> script_functions_;
};

StackSet load_stacks(schema::Database& db, int64_t run_id, size_t max_stacks) {
    StackSet set;
    set.loaded = true;
    std::vector<AllocatingStack> all;
    {
        auto s = db.prepare("SELECT node_id, allocations, bytes_allocated FROM stack_stats "
                            "WHERE run_id = ? ORDER BY node_id");
        s.bind(1, run_id);
        while (s.step()) {
            AllocatingStack st;
            st.node_id = s.int64(0);
            st.allocations = s.int64(1);
            st.bytes_allocated = s.int64(2);
            set.total_allocations += st.allocations;
            set.total_bytes += st.bytes_allocated;
            all.push_back(std::move(st));
        }
    }
    set.total_stacks = static_cast<int64_t>(all.size());
    const double allocs = static_cast<double>(std::max<int64_t>(set.total_allocations, 1));
    const double bytes = static_cast<double>(std::max<int64_t>(set.total_bytes, 1));
    auto weight = [&](const AllocatingStack& s) {
        return std::max(static_cast<double>(s.allocations) / allocs,
                        static_cast<double>(s.bytes_allocated) / bytes);
    };
    std::stable_sort(all.begin(), all.end(), [&](const AllocatingStack& a, const AllocatingStack& b) {
        const double wa = weight(a), wb = weight(b);
        if (wa != wb) return wa > wb;
        return a.node_id < b.node_id;
    });
    for (size_t i = max_stacks; i < all.size(); ++i) {
        ++set.omitted_stacks;
        set.omitted_allocations += all[i].allocations;
        set.omitted_bytes += all[i].bytes_allocated;
    }
    if (all.size() > max_stacks) all.resize(max_stacks);
    if (all.empty()) return set;

    std::unordered_map<int64_t, TraceNode> nodes;
    {
        auto s = db.prepare("SELECT node_id, parent_id, module_id, ip, rel_pc FROM trace_nodes WHERE run_id = ?");
        s.bind(1, run_id);
        while (s.step()) {
            TraceNode n;
            n.parent = s.int64(1);
            n.module_id = opt_int(s, 2);
            n.ip = s.int64(3);
            n.rel_pc = s.is_null(4) ? 0 : s.int64(4);
            nodes.emplace(s.int64(0), n);
        }
    }
    FrameResolver resolver(db, run_id);
    std::unordered_map<int64_t, std::vector<uint32_t>> node_frames;  // node -> frame indices, innermost first
    std::map<std::tuple<std::string, std::string, std::string, int64_t, bool>, uint32_t> frame_index;
    auto frames_of = [&](int64_t id, const TraceNode& n) -> const std::vector<uint32_t>& {
        auto it = node_frames.find(id);
        if (it != node_frames.end()) return it->second;
        std::vector<uint32_t> indices;
        for (StackFrame& f : resolver.frames(n)) {
            auto key = std::make_tuple(f.module, f.function, f.file, f.line, f.inlined);
            auto [at, added] = frame_index.emplace(std::move(key), static_cast<uint32_t>(set.frames.size()));
            if (added) set.frames.push_back(std::move(f));
            indices.push_back(at->second);
        }
        return node_frames.emplace(id, std::move(indices)).first->second;
    };
    std::vector<uint32_t> script;  // a stack's script frames, innermost first
    for (AllocatingStack& st : all) {
        // Leaf to root, then reversed; script frames merged in at the eval function
        // (schema/script_frames.h). A trie has no cycles, but a damaged file might: never
        // walk more nodes than exist.
        script.clear();
        size_t budget = nodes.size();
        for (int64_t id = st.node_id; id != 0 && budget-- > 0;) {
            auto it = nodes.find(id);
            if (it == nodes.end()) break;
            const auto& fs = frames_of(id, it->second);
            auto& into = wire::is_script_frame_ip(static_cast<uint64_t>(it->second.ip)) ? script : st.frames;
            into.insert(into.end(), fs.begin(), fs.end());
            id = it->second.parent;
        }
        const size_t at = schema::script_insertion_point(
            st.frames, [&](uint32_t f) -> std::string_view { return set.frames[f].function; });
        st.frames.insert(st.frames.begin() + static_cast<std::ptrdiff_t>(at), script.begin(), script.end());
        std::reverse(st.frames.begin(), st.frames.end());
    }
    set.stacks = std::move(all);
    return set;
}

std::vector<MemorySample> load_memory(schema::Database& db, int64_t run_id) {
    std::vector<MemorySample> rows;
    auto s = db.prepare("SELECT t_ns, event_index, live_bytes, live_blocks, rss_bytes FROM memory_series "
                        "WHERE run_id = ? ORDER BY t_ns, event_index");
    s.bind(1, run_id);
    while (s.step()) rows.push_back({s.int64(0), s.int64(1), s.int64(2), s.int64(3), s.int64(4)});
    return rows;
}

std::vector<PhaseSpan> load_phases(schema::Database& db, int64_t run_id) {
    std::vector<PhaseSpan> rows;
    auto s = db.prepare("SELECT phase_id, name, begin_event, end_event, begin_ns, end_ns, ops, allocations, "
                        "bytes_allocated FROM phases WHERE run_id = ? ORDER BY phase_id");
    s.bind(1, run_id);
    while (s.step()) {
        PhaseSpan p;
        int c = 0;
        p.phase_id = s.int64(c++);
        p.name = s.text(c++);
        p.begin_event = s.int64(c++);
        p.end_event = s.int64(c++);
        p.begin_ns = s.int64(c++);
        p.end_ns = s.int64(c++);
        p.ops = s.int64(c++);
        p.allocations = s.int64(c++);
        p.bytes_allocated = s.int64(c++);
        rows.push_back(std::move(p));
    }
    return rows;
}

}  // namespace

bool table_exists(schema::Database& db, const char* name) {
    auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    s.bind(1, name);
    return s.step();
}

const SiteRow* Report::site(int64_t site_id) const {
    for (const SiteRow& s : sites)
        if (s.site_id == site_id) return &s;
    return nullptr;
}

bool has_analysis(schema::Database& db, int64_t run_id) {
    if (!table_exists(db, "analysis")) return false;
    auto s = db.prepare("SELECT 1 FROM analysis WHERE run_id = ?");
    s.bind(1, run_id);
    return s.step();
}

Report load_report(schema::Database& db, int64_t run_id, const ReportParts& parts) {
    Report r;
    r.file = file_name(db.path());
    r.run = load_run(db, run_id);
    r.analysis = load_analysis(db, run_id);
    std::string label = r.run.scenario;
    if (label.empty()) label = r.run.command.empty() ? "run" : file_name(r.run.command.front());
    r.windows = load_windows(db, run_id, label);
    load_gc(db, run_id, r.windows);
    r.sites = load_sites(db, run_id);
    load_script_sites(db, run_id, r);
    r.plan = load_plan(db, run_id, r.run_window());
    r.coverage = load_coverage(db, run_id);
    r.hooks = load_hooks(db, run_id);
    load_source_analysis(db, run_id, r);
    add_gaps(r);
    add_next_steps(r);
    if (parts.views) {
        r.stacks = load_stacks(db, run_id, parts.max_stacks);
        r.memory = load_memory(db, run_id);
        r.phases = load_phases(db, run_id);
    }
    return r;
}

}  // namespace allocprof::reports
