// report_loader.cpp — see report_loader.h.
//
// Ordering choices (the stored numbers are not changed, only arranged):
// - windows: the run, then phases by their first event;
// - sites: by analysis_sites.position (impact order);
// - plan: by phase; within a phase by the largest share of the run's allocs/op, B/op and
//   Gen0* the item's saving removes (the impact rule of DESIGN.md applied to savings),
//   ties by plan order; priorities P1.n for phase 2, P2.n for phase 3, P3.n for phase 4.
#include "report_loader.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "report_format.h"

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

bool table_exists(schema::Database& db, const char* name) {
    auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    s.bind(1, name);
    return s.step();
}

RunInfo load_run(schema::Database& db, int64_t run_id) {
    RunInfo r;
    auto s = db.prepare(
        "SELECT scenario, command, cwd, hostname, tool_version, duration_s, exit_status, "
        "term_signal, truncated, threads, peak_rss_bytes, mmap_calls, mmap_bytes, munmap_calls, "
        "notes, (SELECT count(*) FROM runs) FROM runs WHERE run_id = ?");
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
    if (runs_python(r.run.command))
        r.gaps.push_back({"allocator",
                          "The target is CPython: unless it ran with `PYTHONMALLOC=malloc`, objects "
                          "of 512 B or less come from pymalloc arenas, which allocprof sees only as "
                          "the arenas' own allocations."});
    if (r.run.mmap_calls > 0)
        r.gaps.push_back({"allocator", format_count(r.run.mmap_calls) + " anonymous `mmap` calls (" +
                                           format_bytes_text(static_cast<double>(r.run.mmap_bytes)) +
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
    r.next_steps.push_back("Keep this run as the baseline and gate CI on its B/op and `Gen0*` with "
                           "`allocprof compare`.");
}

}  // namespace

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

Report load_report(schema::Database& db, int64_t run_id) {
    Report r;
    r.file = file_name(db.path());
    r.run = load_run(db, run_id);
    r.analysis = load_analysis(db, run_id);
    std::string label = r.run.scenario;
    if (label.empty()) label = r.run.command.empty() ? "run" : file_name(r.run.command.front());
    r.windows = load_windows(db, run_id, label);
    r.sites = load_sites(db, run_id);
    r.plan = load_plan(db, run_id, r.run_window());
    r.coverage = load_coverage(db, run_id);
    r.hooks = load_hooks(db, run_id);
    add_gaps(r);
    add_next_steps(r);
    return r;
}

}  // namespace allocprof::reports
