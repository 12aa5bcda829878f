// report_loader.cpp — see report_loader.h.
//
// Ordering choices (the stored numbers are not changed, only arranged):
// - windows: the run, then phases by their first event;
// - sites: by analysis_sites.position (impact order);
// - stacks (HTML view only): by the largest of a stack's shares of the run's five flame
//   metrics (allocations, bytes, live at the peak, unfreed, temporary), descending, ties by
//   node id, so the flame graph keeps the heaviest whichever metric it draws; frames root
//   first, inlined frames expanded (symbol_frames);
// - plan: by phase, then the priority the planner gave each item (analyzers/
//   remediation_planner.h says how).
#include "reports/report_loader.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "analyzers/frame_roles.h"
#include "analyzers/runtime_sites.h"
#include "reports/report_format.h"
#include "reports/source_loader.h"
#include "schema/stored_stacks.h"

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
    if (db.has_column("runs", "truncated_stacks")) {  // files before stacks were marked: none
        auto t = db.prepare("SELECT max_frames, truncated_stacks, truncated_allocations FROM runs WHERE run_id = ?");
        t.bind(1, run_id);
        if (t.step()) {
            r.max_frames = opt_int(t, 0);
            r.truncated_stacks = t.int64(1);
            r.truncated_allocations = t.int64(2);
        }
    }
    return r;
}

AnalysisInfo analysis_info(const analyzers::AnalysisRecord& stored) {
    AnalysisInfo a;
    a.analyzed_unix_ns = stored.analyzed_unix_ns;
    a.date = format_utc(a.analyzed_unix_ns);
    a.tool_version = stored.tool_version;
    a.params = json::parse(stored.params, nullptr, false);
    a.site_config = json::parse(stored.site_config, nullptr, false);
    if (a.params.is_discarded()) a.params = json::object();
    if (a.site_config.is_discarded()) a.site_config = json::object();
    a.ops = stored.ops;
    a.ops_source = stored.ops_source;
    a.unmatched_frees = stored.unmatched_frees;
    a.negligible_items = stored.negligible_items;
    if (const auto p = a.params.find("planner"); p != a.params.end() && p->is_object())
        a.negligible_share = p->value("negligible_share", a.negligible_share);
    a.gen0_budget = a.params.value("gen0_budget", uint64_t{0});
    a.gen0_budget_rule = a.params.value("gen0_budget_rule", std::string());
    a.large_object_threshold = a.params.value("large_object_threshold", uint64_t{0});
    if (a.params.contains("temporary_k") && a.params["temporary_k"].is_array())
        for (const auto& k : a.params["temporary_k"])
            if (k.is_number_integer()) a.temporary_k.push_back(k.get<int64_t>());
    return a;
}

// The windows in the stored order (the run, then phases by their first event), each with
// its real collections.
std::vector<WindowRow> windows_of(const analyzers::StoredAnalysis& stored, const std::string& run_label) {
    std::vector<WindowRow> rows;
    for (const analyzers::WindowRecord& w : stored.windows) {
        WindowRow row;
        static_cast<analyzers::WindowRecord&>(row) = w;
        row.label = w.window.empty() ? run_label : "phase " + w.window;
        for (const analyzers::GcRecord& g : stored.gc)
            if (g.window == w.window) row.gc.push_back(g);
        rows.push_back(std::move(row));
    }
    return rows;
}

// The script locations, when the run has script frames (a row other than the
// "(no script frame)" one, whose module is '').
void load_script_sites(schema::Database& db, int64_t run_id, Report& r) {
    if (!db.has_table("script_sites")) return;
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

// The analysed sites by impact position, with what symbolization says of each (sites).
std::vector<SiteRow> sites_of(schema::Database& db, int64_t run_id, const analyzers::StoredAnalysis& stored) {
    std::map<int64_t, SiteRow> by_id;
    for (const analyzers::SiteRecord& a : stored.sites) {
        SiteRow row;
        static_cast<analyzers::SiteRecord&>(row) = a;
        by_id.emplace(a.site_id, std::move(row));
    }
    auto s = db.prepare(
        "SELECT site_id, module, function, file, line, allocations, bytes_allocated FROM sites WHERE run_id = ?");
    s.bind(1, run_id);
    while (s.step()) {
        auto it = by_id.find(s.int64(0));
        if (it == by_id.end()) continue;
        SiteRow& r = it->second;
        r.module = s.text(1);
        r.function = s.text(2);
        r.file = s.text(3);
        r.line = s.int64(4);
        r.allocations = s.int64(5);
        r.bytes_allocated = s.int64(6);
    }
    if (db.has_column("stack_stats", "truncated")) {
        auto t = db.prepare(
            "SELECT ss.site_id, count(*), sum(st.allocations) FROM stack_sites ss JOIN stack_stats st ON "
            "st.run_id = ss.run_id AND st.node_id = ss.node_id WHERE ss.run_id = ? AND st.truncated = 1 "
            "GROUP BY ss.site_id");
        t.bind(1, run_id);
        while (t.step()) {
            auto it = by_id.find(t.int64(0));
            if (it == by_id.end()) continue;
            it->second.truncated_stacks = t.int64(1);
            it->second.truncated_allocations = t.int64(2);
        }
    }
    std::vector<SiteRow> rows;
    for (auto& [id, row] : by_id) rows.push_back(std::move(row));
    std::stable_sort(rows.begin(), rows.end(),
                     [](const SiteRow& a, const SiteRow& b) { return a.position < b.position; });
    return rows;
}

// The plan in priority order: by phase, then the number the planner gave each item
// ("P1.3" is the third of its phase).
std::vector<PlanRow> plan_of(const analyzers::StoredAnalysis& stored) {
    auto number = [](const PlanRow& p) {
        const size_t dot = p.priority.find('.');
        return dot == std::string::npos ? 0L : std::strtol(p.priority.c_str() + dot + 1, nullptr, 10);
    };
    std::vector<PlanRow> rows = stored.plan;
    std::stable_sort(rows.begin(), rows.end(), [&](const PlanRow& a, const PlanRow& b) {
        if (a.phase != b.phase) return a.phase < b.phase;
        return number(a) < number(b);
    });
    return rows;
}

std::vector<CoverageRow> load_coverage(schema::Database& db, int64_t run_id) {
    std::vector<CoverageRow> rows;
    if (!db.has_table("debug_coverage")) return rows;
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
        if (!w.window.empty() && w.ops_of_run) phases_without_ops.push_back(w.window);
    if (!phases_without_ops.empty())
        r.gaps.push_back({"ops", "Phases without op counts of their own: " + join_codes(phases_without_ops) +
                                     "; their per-op columns divide the phase's totals by the run's " +
                                     format_count(static_cast<uint64_t>(run.ops)) + " ops."});
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
    if (r.run.truncated_stacks > 0) {
        const int64_t limit = r.run.max_frames.value_or(0);
        std::string text = format_plural(r.run.truncated_stacks, "stack", "stacks") + " (" +
                           format_count(static_cast<uint64_t>(r.run.truncated_allocations)) +
                           " allocations) had more than " + std::to_string(limit) +
                           " frames: their outer frames are not recorded, and stacks that differ only "
                           "there are counted as one";
        std::vector<std::string> where;
        for (const SiteRow& s : r.sites)
            if (s.truncated_stacks > 0 && where.size() < 5) where.push_back(s.function);
        if (!where.empty()) text += " (sites " + join_codes(where) + ")";
        r.gaps.push_back({"stacks", text + "; " + schema::truncation_advice(limit) + "."});
    }
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

std::string hex_offset(std::string_view module, uint64_t pc) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "+0x%llx", static_cast<unsigned long long>(pc));
    return std::string(module) + buf;
}

// A stored frame as the flame graph names it: code nothing names is module+0xoffset (the
// name sites use), a file loses its "./".
StackFrame report_frame(const schema::StackFrame& f) {
    StackFrame out;
    out.module = std::string(f.module);
    if (f.function.empty())
        out.function = f.script ? "unknown script function" : hex_offset(f.module, f.offset);
    else
        out.function = std::string(f.function);
    out.file = std::string(f.file);
    if (out.file.rfind("./", 0) == 0) out.file.erase(0, 2);
    out.line = f.line;
    out.inlined = f.inlined;
    return out;
}

// What the flame graph's toggles may hide of each frame (report_model.h, StackFrame), by
// the rules analyzers/frame_roles.h hands on. A module is the interpreter's once any frame
// of it marks it so, hence the second pass.
class FrameClassifier {
public:
    FrameClassifier(schema::Database& db, int64_t run_id) : roles_(db, run_id) {}

    void classify(const schema::StackFrame& stored, StackFrame& frame) {
        frame.script = stored.script;
        frame.plumbing = roles_.is_plumbing(stored);
        frame.startup = analyzers::FrameRoles::is_startup(stored);
        if (analyzers::FrameRoles::marks_interpreter_module(stored)) interpreter_modules_.insert(frame.module);
    }
    // Once every frame is classified: which of them are the interpreter's own code.
    void mark_interpreter(std::vector<StackFrame>& frames) const {
        for (StackFrame& f : frames) f.interpreter = !f.script && interpreter_modules_.count(f.module) > 0;
    }

private:
    analyzers::FrameRoles roles_;
    std::set<std::string> interpreter_modules_;
};

// The split of the stacks by thread and phase (analysis_stack_slices): the kept stacks'
// slices on them, the omitted ones' summed into StackSet::omitted_slices. Threads in
// number order; phases "" first, then by name.
void add_slices(schema::Database& db, int64_t run_id, int64_t stored_rows, StackSet& set) {
    if (stored_rows < 0) {
        set.slice_state = SliceState::NotStored;
        return;
    }
    const std::vector<analyzers::StackSliceRecord> rows = analyzers::read_stack_slices(db, run_id);
    if (rows.empty()) {
        set.slice_state = SliceState::Whole;
        return;
    }
    set.slice_state = SliceState::Split;
    std::set<int64_t> threads;
    std::set<std::string> phases;
    for (const analyzers::StackSliceRecord& row : rows) {
        threads.insert(row.thread);
        phases.insert(row.phase);
    }
    set.threads.assign(threads.begin(), threads.end());
    set.phases.assign(phases.begin(), phases.end());  // "" sorts first
    const auto index_of = [](const auto& list, const auto& value) {
        return static_cast<uint32_t>(std::lower_bound(list.begin(), list.end(), value) - list.begin());
    };
    std::unordered_map<int64_t, size_t> kept;
    for (size_t i = 0; i < set.stacks.size(); ++i) kept.emplace(set.stacks[i].node_id, i);
    std::map<std::pair<uint32_t, uint32_t>, FlameValues> omitted;
    for (const analyzers::StackSliceRecord& row : rows) {
        StackSliceValues v;
        v.thread = index_of(set.threads, row.thread);
        v.phase = index_of(set.phases, row.phase);
        v.values = {row.allocations, row.bytes_allocated, row.live_at_peak_bytes, row.live_end_bytes,
                    row.temporary_k0};
        const auto found = kept.find(row.node_id);
        if (found != kept.end()) {
            set.stacks[found->second].slices.push_back(v);
            continue;
        }
        FlameValues& sum = omitted[{v.thread, v.phase}];
        for (size_t m = 0; m < kFlameMetrics; ++m) sum[m] += v.values[m];
    }
    for (const auto& [key, values] : omitted) set.omitted_slices.push_back({key.first, key.second, values});
}

StackSet load_stacks(schema::Database& db, int64_t run_id, size_t max_stacks, int64_t stored_slices) {
    StackSet set;
    set.loaded = true;
    std::vector<AllocatingStack> all;
    {
        auto s = db.prepare("SELECT node_id, allocations, bytes_allocated, live_at_peak_bytes, live_end_bytes, "
                            "temporary_k0 FROM stack_stats WHERE run_id = ? ORDER BY node_id");
        s.bind(1, run_id);
        while (s.step()) {
            AllocatingStack st;
            st.node_id = s.int64(0);
            for (size_t m = 0; m < kFlameMetrics; ++m) {
                st.values[m] = s.int64(static_cast<int>(m) + 1);
                set.total[m] += st.values[m];
            }
            all.push_back(std::move(st));
        }
    }
    set.total_stacks = static_cast<int64_t>(all.size());
    // The largest of a stack's shares of the five metrics: whichever metric is drawn, its
    // heaviest stacks are kept.
    auto weight = [&](const AllocatingStack& s) {
        double w = 0;
        for (size_t m = 0; m < kFlameMetrics; ++m)
            w = std::max(w, static_cast<double>(s.values[m]) / static_cast<double>(std::max<int64_t>(set.total[m], 1)));
        return w;
    };
    std::stable_sort(all.begin(), all.end(), [&](const AllocatingStack& a, const AllocatingStack& b) {
        const double wa = weight(a), wb = weight(b);
        if (wa != wb) return wa > wb;
        return a.node_id < b.node_id;
    });
    for (size_t i = max_stacks; i < all.size(); ++i) {
        ++set.omitted_stacks;
        for (size_t m = 0; m < kFlameMetrics; ++m) set.omitted[m] += all[i].values[m];
    }
    if (all.size() > max_stacks) all.resize(max_stacks);
    if (all.empty()) return set;
    set.stacks = std::move(all);
    add_slices(db, run_id, stored_slices, set);

    const schema::StoredStacks stored = schema::StoredStacks::load(db, run_id);
    FrameClassifier classifier(db, run_id);
    std::map<std::tuple<std::string, std::string, std::string, int64_t, bool>, uint32_t> frame_index;
    std::vector<schema::StackFrame> frames;
    for (AllocatingStack& st : set.stacks) {
        stored.stack(static_cast<uint32_t>(st.node_id), frames, nullptr, schema::StoredStacks::View::Merged);
        for (auto f = frames.rbegin(); f != frames.rend(); ++f) {  // root first
            StackFrame frame = report_frame(*f);
            auto key = std::make_tuple(frame.module, frame.function, frame.file, frame.line, frame.inlined);
            auto [at, added] = frame_index.emplace(std::move(key), static_cast<uint32_t>(set.frames.size()));
            if (added) {
                classifier.classify(*f, frame);
                set.frames.push_back(std::move(frame));
            }
            st.frames.push_back(at->second);
        }
    }
    classifier.mark_interpreter(set.frames);
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

const SiteRow* Report::site(int64_t site_id) const {
    for (const SiteRow& s : sites)
        if (s.site_id == site_id) return &s;
    return nullptr;
}

Report load_report(schema::Database& db, int64_t run_id, const ReportParts& parts) {
    Report r;
    r.file = file_name(db.path());
    r.run = load_run(db, run_id);
    const analyzers::StoredAnalysis stored = analyzers::read_analysis(db, run_id);
    r.analysis = analysis_info(stored.analysis);
    std::string label = r.run.scenario;
    if (label.empty()) label = r.run.command.empty() ? "run" : file_name(r.run.command.front());
    r.windows = windows_of(stored, label);
    r.sites = sites_of(db, run_id, stored);
    load_script_sites(db, run_id, r);
    r.plan = plan_of(stored);
    r.phase_arenas = stored.phase_arenas;
    r.lifetime_arenas = stored.lifetime_arenas;
    for (const SiteRow& s : r.sites) {
        if (s.tier != "runtime" && s.tier != "suppressed") continue;
        RuntimeSummary& apart = s.tier == "runtime" ? r.runtime : r.suppressed;
        ++apart.sites;
        apart.allocations += s.allocations;
        apart.bytes_allocated += s.bytes_allocated;
        apart.unfreed_bytes += s.unfreed_bytes;
        std::vector<std::string>& modules =
            s.tier == "runtime" && !analyzers::is_runtime_module(s.module) ? apart.startup_modules : apart.modules;
        if (std::find(modules.begin(), modules.end(), s.module) == modules.end()) modules.push_back(s.module);
    }
    r.coverage = load_coverage(db, run_id);
    r.hooks = load_hooks(db, run_id);
    load_source_analysis(db, run_id, r);
    add_gaps(r);
    add_next_steps(r);
    if (parts.views) {
        r.stacks = load_stacks(db, run_id, parts.max_stacks, stored.analysis.stack_slices);
        r.memory = load_memory(db, run_id);
        r.phases = load_phases(db, run_id);
    }
    return r;
}

}  // namespace allocprof::reports
