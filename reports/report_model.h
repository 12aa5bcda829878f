// report_model.h — what a report says about one run, as plain data read from the run
// database: the run, its analysis parameters, the windows (baseline rows), the sites with
// their tiers, the plan, debug-info coverage and hook calls, plus the coverage gaps and
// next steps in words. Loaded by report_loader.h; rendered by markdown_report.h and
// json_report.h, so both formats carry the same content. The HTML view (html_report.h) also
// draws the allocating stacks and the memory series, loaded only when asked for
// (ReportParts).
//
// Every number is a column of a table (named in the comments; the analysis rows are
// analyzers/analysis_store.h's); the loader only selects, orders and groups rows. The few ratios a renderer shows (Dies young %, share of the peak, heap
// vs RSS) divide two stored numbers and say so in the legend.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/analysis_store.h"

namespace allocprof::reports {

// runs.* of the reported run.
struct RunInfo {
    int64_t run_id = 0;
    int64_t runs_in_file = 1;
    std::string scenario;               // '' when none was given
    std::vector<std::string> command;   // argv
    std::string cwd;
    std::string hostname;
    std::string recorded_with;          // runs.tool_version
    std::optional<double> duration_s;
    std::optional<int64_t> exit_status;
    std::optional<int64_t> term_signal;
    bool truncated = false;
    std::optional<int64_t> max_frames;  // runs.max_frames (record --max-frames); none if not known
    int64_t truncated_stacks = 0;       // runs.truncated_stacks: stacks deeper than max_frames
    int64_t truncated_allocations = 0;  // runs.truncated_allocations
    int64_t threads = 0;
    std::optional<int64_t> peak_rss_bytes;
    int64_t mmap_calls = 0;
    int64_t mmap_bytes = 0;
    int64_t munmap_calls = 0;
    std::vector<std::string> notes;     // runs.notes
    int64_t peak_live_bytes = 0;        // runs.peak_live_bytes (t-gmax)
    std::optional<int64_t> peak_live_event;
    std::optional<int64_t> peak_live_ns;
    int64_t event_count = 0;            // runs.event_count
};

// analysis.* and the parameters the legend states.
struct AnalysisInfo {
    int64_t analyzed_unix_ns = 0;
    std::string date;                   // analyzed_unix_ns as "YYYY-MM-DD HH:MM:SS UTC"
    std::string tool_version;
    nlohmann::json params;              // analysis.params, as stored
    nlohmann::json site_config;         // analysis.site_config, as stored
    int64_t ops = 0;
    std::string ops_source;             // 'command-line', 'markers', 'none'
    int64_t unmatched_frees = 0;
    int64_t negligible_items = 0;       // plan items too small to list (counted only)
    double negligible_share = 0.005;    // params.planner.negligible_share
    // From params, for the legend.
    uint64_t gen0_budget = 0;
    std::string gen0_budget_rule;
    uint64_t large_object_threshold = 0;
    std::vector<int64_t> temporary_k;
};

// analysis_gc: the interpreter's real collections in a window (analyzers/analysis_store.h).
using GcRow = analyzers::GcRecord;

// One row of analysis_windows: the whole run (window '') or a phase name.
struct WindowRow : analyzers::WindowRecord {
    std::string label;      // scenario (or program) for the run, "phase NAME" for a phase
    std::vector<GcRow> gc;  // by language, generation; empty without script GC counts
};

// A script location (script_sites): the innermost Lua/Python frame of its stacks.
struct ScriptSiteRow {
    std::string module;  // '[lua]', '[python]'
    std::string function, file;
    int64_t line = 0;
    int64_t allocations = 0;
    int64_t bytes_allocated = 0;
    int64_t stacks = 0;
    std::string native_function, native_file;  // the native site of its top stack
    int64_t native_line = 0;
};

// site_sources.* of a site: what the source says it does (allocprof analyze --source-root).
struct SiteSource {
    std::string status;                 // 'ok', 'missing_file', 'parse_error', 'outside_root'
    std::string reason;
    std::string source_file;
    std::string kind, type, container_type, method, function, class_name;
    int64_t loop_depth = 0;
    bool reserve_in_scope = false;
    std::string description;            // one line: what this site does; '' when not found
};

// sites.* (what symbolization attributed) joined with analysis_sites.*.
struct SiteRow : analyzers::SiteRecord {
    std::string module, function, file;
    int64_t line = 0;
    int64_t allocations = 0;            // sites.allocations
    int64_t bytes_allocated = 0;        // sites.bytes_allocated
    int64_t truncated_stacks = 0;       // of its stacks, those deeper than runs.max_frames
    int64_t truncated_allocations = 0;  // their allocations
    std::optional<SiteSource> source;   // none when the run was analysed without a source root
};

// plan_items.*: the planner's items with their priorities, in priority order.
using PlanRow = analyzers::PlanRecord;

// debug_coverage.*.
struct CoverageRow {
    std::string module_key, path, status, dwarf_source;
    std::optional<std::string> debug_file, symbol_table, package;
    int64_t frames_file_line = 0, frames_symbol_only = 0, frames_unknown = 0;
    std::string fix;
};

// function_calls.*, one per hooked function in kHookedFunctions order (0 calls when absent).
struct HookCalls {
    std::string function;
    int64_t calls = 0;
    int64_t bytes = 0;
};

// A coverage gap: kind is 'ops', 'symbols', 'hooks', 'allocator', 'run'. Text may hold
// `code spans` in backticks (markdown and JSON alike).
struct Gap {
    std::string kind;
    std::string text;
};

// source_analysis.* of the run, and its failures.
struct SourceAnalysis {
    std::string source_root;
    std::optional<std::string> compile_commands;
    std::string cache_dir;
    int64_t translation_units = 0, parsed = 0, reused = 0, failed = 0;
    double seconds = 0;
    struct Failure {
        std::string file, status, reason;  // status: 'missing_file' or 'parse_error'
    };
    std::vector<Failure> failures;      // by file
};

// source_coverage_gaps.*: a function that allocates but that no recorded stack ran.
struct SourceGapRow {
    int64_t rank = 0;
    std::string file, function, class_name;
    int64_t line_begin = 0, line_end = 0;
    int64_t constructs = 0, in_loops = 0;
    std::vector<std::string> kinds;
};

// One frame of an allocating stack, from symbol_frames (inlined frames expanded), and what
// the flame graph's toggles may hide of it. The classification is the project's own: site
// attribution's allocator plumbing and start-up functions (symbolize/site_attribution.h,
// with the run's stored wrapper patterns), the eval functions script frames are merged at
// (schema/stored_stacks.h), the runtime libraries (analyzers/runtime_sites.h).
struct StackFrame {
    std::string module;                 // file name of the module, '[perf-map]', '[no module]'
    std::string function;               // demangled; 'module+0xoffset' when nothing names the code
    std::string file;                   // '' without DWARF
    int64_t line = 0;                   // 0 without DWARF
    bool inlined = false;               // inlined into its caller (the frame before it, root first)
    bool plumbing = false;              // allocator plumbing: malloc family, operator new, std::
                                        // internals, the preload library, configured wrappers
    bool script = false;                // a script frame (module '[lua]' or '[python]')
    bool interpreter = false;           // native code of the interpreter's own module: a module,
                                        // not a runtime library, that holds an eval or start-up function
    bool startup = false;               // an interpreter start-up function (luaL_openlibs, Py_Initialize...)
};

// The five weights of an allocating stack (stack_stats), in the flame graph's metric order.
enum class FlameMetric : size_t { Allocations, Bytes, PeakLive, Unfreed, Temporary, Count };
inline constexpr size_t kFlameMetrics = static_cast<size_t>(FlameMetric::Count);
using FlameValues = std::array<int64_t, kFlameMetrics>;
// stack_stats columns: allocations, bytes_allocated, live_at_peak_bytes, live_end_bytes,
// temporary_k0 (temp_K with K = 0).

// A stack's values of one thread and phase (analysis_stack_slices).
struct StackSliceValues {
    uint32_t thread = 0;                // index into StackSet::threads
    uint32_t phase = 0;                 // index into StackSet::phases
    FlameValues values{};               // by FlameMetric
};

// One allocating stack: a stack_stats row and the frames of its leaf node.
struct AllocatingStack {
    int64_t node_id = 0;
    FlameValues values{};               // by FlameMetric
    std::vector<uint32_t> frames;       // indices into StackSet::frames, root (outermost) first
    std::vector<StackSliceValues> slices;  // by thread and phase; they add up to `values`
};

// Whether the stacks are split by thread and phase (the flame graph's filters).
enum class SliceState {
    Split,      // StackSet::threads and phases hold more than one choice; stacks have slices
    Whole,      // one allocating thread and no phase: nothing to filter
    NotStored,  // analysed by an allocprof that did not keep the split
};

// The run's allocating stacks for the flame graph, the heaviest first and at most
// ReportParts::max_stacks of them; the rest are counted, not listed.
struct StackSet {
    bool loaded = false;
    std::vector<StackFrame> frames;     // distinct frames, in order of first use
    std::vector<AllocatingStack> stacks;  // by the largest of their shares of the run's five
                                        // metrics, descending; ties by node_id
    int64_t total_stacks = 0;           // stack_stats rows of the run
    FlameValues total{};                // their sums (kept and omitted)
    int64_t omitted_stacks = 0;         // rows beyond the cap
    FlameValues omitted{};              // their sums
    SliceState slice_state = SliceState::Whole;
    std::vector<int64_t> threads;       // allocating threads, as the events number them
    std::vector<std::string> phases;    // phase names, "" (outside any phase) first when present
    std::vector<StackSliceValues> omitted_slices;  // the omitted stacks' sums by thread and phase
};

// One memory_series row.
struct MemorySample {
    int64_t t_ns = 0;
    int64_t event_index = 0;
    int64_t live_bytes = 0;
    int64_t live_blocks = 0;
    int64_t rss_bytes = 0;
};

// One phases row (a phase name may occur more than once).
struct PhaseSpan {
    int64_t phase_id = 0;
    std::string name;
    int64_t begin_event = 0, end_event = 0;
    int64_t begin_ns = 0, end_ns = 0;
    int64_t ops = 0;
    int64_t allocations = 0;
    int64_t bytes_allocated = 0;
};

// The sites of tier "runtime" (libc's, the loader's, libstdc++'s own code, the interpreter's
// start-up), as one line.
struct RuntimeSummary {
    int64_t sites = 0;
    int64_t allocations = 0;
    int64_t bytes_allocated = 0;
    int64_t unfreed_bytes = 0;
    std::vector<std::string> modules;   // in order of first appearance (impact order)
    // Runtime only: the modules of the interpreter's start-up sites (analyzers/runtime_sites.h),
    // which are not runtime libraries; same order.
    std::vector<std::string> startup_modules;
};

struct Report {
    std::string file;                   // the database's file name (no directory)
    std::string path_prefix;            // markdown/HTML: the directory site paths are shown
                                        // relative to ('' = full paths; readable_names.h)
    RunInfo run;
    AnalysisInfo analysis;
    std::vector<WindowRow> windows;     // the run first, then phases by first occurrence
    std::vector<SiteRow> sites;         // by position (impact order)
    std::vector<PlanRow> plan;          // by phase, then priority
    RuntimeSummary runtime;
    RuntimeSummary suppressed;          // the sites of tier "suppressed" (allocprof analyze --suppressions)
    std::vector<CoverageRow> coverage;  // by path
    std::vector<HookCalls> hooks;
    std::vector<Gap> gaps;
    std::optional<SourceAnalysis> source;  // none without a source root
    std::vector<SourceGapRow> source_gaps;  // by rank
    std::vector<ScriptSiteRow> script_sites;  // the first kScriptSiteRows by allocations; empty
                                              // when the run has no script frames
    int64_t script_sites_total = 0;           // its rows in the run (with '(no script frame)')
    std::vector<std::string> next_steps;  // same conventions as Gap::text
    std::vector<analyzers::PhaseArenaRecord> phase_arenas;        // analysis_phase_arenas, in order
    std::vector<analyzers::LifetimeArenaRecord> lifetime_arenas;  // analysis_lifetime_arenas
    // Loaded only with ReportParts::views (the HTML view):
    StackSet stacks;
    std::vector<MemorySample> memory;   // by t_ns, event_index
    std::vector<PhaseSpan> phases;      // by phase_id

    const WindowRow& run_window() const { return windows.front(); }
    const SiteRow* site(int64_t site_id) const;
};

// The hooked functions a report checks for calls: wire/hooked_functions.def's Required rows
// that record events (tests/unit/report_hooks_test.cpp keeps the two equal).
inline const char* const kHookedFunctions[] = {
    "malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign", "aligned_alloc",
    "memalign", "valloc", "pvalloc", "mmap", "munmap", "mremap"};

inline constexpr size_t kScriptSiteRows = 20;

inline constexpr const char* kTierNames[] = {"critical", "high", "medium", "low"};
inline constexpr const char* kLifetimeNames[] = {"process-lifetime", "phase-scoped", "short-lived",
                                                 "mixed"};

}  // namespace allocprof::reports
