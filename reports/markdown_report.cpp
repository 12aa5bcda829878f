// markdown_report.cpp — see markdown_report.h. Layout only: every figure is a stored
// number formatted by report_format.h; the three ratios shown (Dies young %, share of the peak,
// heap vs RSS) divide two stored numbers and the legend says which.
#include "reports/markdown_report.h"

#include <algorithm>
#include <sstream>

#include "reports/readable_names.h"
#include "reports/report_format.h"

namespace allocprof::reports {
namespace {

// Rows shown per tier and per finding list before "... and N more".
constexpr size_t kTierRows = 10;
constexpr size_t kFindingRows = 5;

std::string site_name(const SiteRow& s) {
    std::string name = md_code(s.function);
    if (!s.file.empty()) name += " at " + md_code(s.file + ":" + std::to_string(s.line));
    if (s.truncated_stacks > 0) name += " (truncated stacks)";  // see the coverage gaps
    return name;
}

// The site and, after source analysis, what it does (a code span: it names C++ types).
std::string site_with_source(const SiteRow& s) {
    if (!s.source || s.source->description.empty()) return site_name(s);
    return site_name(s) + " — " + md_code(s.source->description);
}

std::string capitalized(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

std::string table_row(const std::vector<std::string>& cells) {
    std::string row = "|";
    for (const auto& c : cells) row += " " + md_cell(c) + " |";
    return row + "\n";
}

std::string md_saving(const PlanRow& p, const WindowRow& run) { return format_saving(p, run, "Gen0\\*"); }

std::string ops_text(const Report& r) {
    const WindowRow& run = r.run_window();
    if (run.per_run) return "none counted (per-op figures are per run)";
    const std::string& src = r.analysis.ops_source;
    return format_count(run.ops) + (src == "command-line" ? " (from `--ops`)"
                                    : src == "markers"    ? " (counted by `allocprof_ops()`)"
                                                          : "");
}

void title(std::ostringstream& out, const Report& r) {
    const RunInfo& run = r.run;
    const std::string name = r.run_window().label;
    out << "# Allocation report: " << md_text(name) << "\n\n";
    out << "- **Date**: " << r.analysis.date << " (analysis)\n";
    out << "- **Command**: " << md_code(format_command(run.command)) << " in " << md_code(run.cwd) << "\n";
    const std::string end = format_run_end(run);
    const std::string secs = format_run_duration(run);
    out << "- **Run**: " << run.run_id << " of " << run.runs_in_file << " in " << md_code(r.file)
        << (run.scenario.empty() ? "" : ", scenario " + md_code(run.scenario)) << "; " << secs << ", "
        << end << ", " << format_plural(run.threads, "thread", "threads") << "\n";
    out << "- **Machine**: " << md_code(run.hostname) << "\n";
    out << "- **Tool version**: allocprof " << r.analysis.tool_version;
    if (run.recorded_with != r.analysis.tool_version) out << " (recorded with " << run.recorded_with << ")";
    out << "\n";
    out << "- **Operations**: " << ops_text(r) << "\n";
    if (!r.path_prefix.empty()) out << "- **Paths**: relative to " << md_code(r.path_prefix) << "\n";
    out << "- **Analysis parameters**: " << format_parameters(r.analysis) << "\n\n";
}

void summary(std::ostringstream& out, const Report& r) {
    out << "## Summary\n\n";
    int64_t counts[4] = {0, 0, 0, 0};
    for (const SiteRow& s : r.sites)
        for (int t = 0; t < 4; ++t)
            if (s.tier == kTierNames[t]) ++counts[t];
    out << "- **Sites**: " << counts[0] << " critical, " << counts[1] << " high, " << counts[2]
        << " medium, " << counts[3] << " low (" << r.sites.size() << " in all).\n";
    if (r.sites.empty()) {
        out << "- **Top finding**: none found: the run made no allocation attributed to a site.\n";
    } else {
        const SiteRow& top = r.sites.front();
        out << "- **Top finding**: " << site_name(top) << " (" << md_code(top.module) << ") is "
            << top.tier << ": " << format_percent(top.impact) << " of " << top.impact_metric << ", "
            << format_rate(top.allocs_per_op) << " allocs/op and " << format_bytes(top.bytes_per_op)
            << "/op, " << top.lifetime;
        const PlanRow* fix = nullptr;
        for (const PlanRow& p : r.plan)
            if (p.site_id == top.site_id && (!fix || p.phase < fix->phase)) fix = &p;
        if (fix) out << "; " << fix->priority << ": " << fix->change;
        out << ".\n";
    }
    const WindowRow& w = r.run_window();
    out << "- **Baseline**" << (w.per_run ? " (per run: no ops counted)" : "") << ": "
        << format_rate(w.allocs_per_op) << " allocs/op, " << format_bytes(w.bytes_per_op)
        << "/op, Gen0 " << format_rate(w.gen0_per_1k) << (w.per_run ? " per run" : " per 1k ops") << " (Gen0\\* "
        << format_rate(w.gen0_star_per_1k) << "), " << format_ratio(w.dies_young, w.allocations)
        << " temporary, peak live " << format_bytes(static_cast<double>(w.peak_live_bytes)) << " in "
        << format_plural(w.peak_live_blocks, "block", "blocks") << ", unfreed at exit " << format_bytes(static_cast<double>(w.unfreed_bytes.value_or(0)))
        << ".\n\n";
}

void baseline(std::ostringstream& out, const Report& r) {
    out << "## Baseline allocation rates\n\n";
    // The interpreter's real collections get a column when the run counted any.
    bool real_gc = false;
    for (const WindowRow& w : r.windows) real_gc = real_gc || !w.gc.empty();
    out << "| Scenario | Ops | Allocated | Allocs/op | Gen0/1k | Gen0* |"
        << (real_gc ? " GC/1k (real) |" : "") << " Dies young % | Peak live | Unfreed |\n";
    out << "|---|---:|---:|---:|---:|---:|" << (real_gc ? "---:|" : "") << "---:|---:|---:|\n";
    for (const WindowRow& w : r.windows) {
        std::string ops = ops_cell(w);
        std::string unfreed = w.unfreed_bytes ? cell_bytes(static_cast<double>(*w.unfreed_bytes)) : "n/a";
        std::string temp = w.allocations > 0 ? cell_percent(static_cast<double>(w.dies_young) /
                                                              static_cast<double>(w.allocations))
                                             : "-";
        std::vector<std::string> cells = {w.label, ops, cell_bytes(w.bytes_per_op),
                                          cell_rate(w.allocs_per_op), per_1k_cell(w.gen0_per_1k, w),
                                          per_1k_cell(w.gen0_star_per_1k, w)};
        if (real_gc) cells.push_back(format_gc(w.gc));
        for (std::string cell : {temp, cell_bytes(static_cast<double>(w.peak_live_bytes)), unfreed})
            cells.push_back(std::move(cell));
        out << table_row(cells);
    }
    const AnalysisInfo& a = r.analysis;
    std::string k;
    for (int64_t v : a.temporary_k) k += (k.empty() ? "" : ", ") + std::to_string(v);
    out << "\nLegend:\n\n"
        << "- **Scenario**: the whole run (its scenario name, else the program), then each phase "
           "marked with `allocprof_phase_begin` (all occurrences of a name together).\n"
        << "- **Ops**: operations counted in the window (`--ops N` or `allocprof_ops(n)`); `-`: "
           "none, and the per-op columns of that row are totals over the window.\n"
        << "- **Allocated**: requested bytes allocated per op (B/op; `realloc(p, n)` counts n); "
           "1 KB = 1024 B, `-` for zero.\n"
        << "- **Allocs/op**: successful calls of the hooked allocating functions per op; a "
           "`realloc` of a block counts as one allocation (DHAT's rule).\n"
        << "- **Gen0/1k**: simulated Gen0 collections per 1000 ops: one process-wide nursery of B0 "
           "bytes, allocations of L bytes or more skip it, a collection whenever an allocation "
           "does not fit in what is left.\n"
        << "- **Gen0\\***: the smooth expectation 1000 × nursery bytes / (ops × B0); additive per "
           "site, what CI gates on.\n"
        << (real_gc ? "- **GC/1k (real)**: garbage collections the interpreter itself finished per "
                      "1000 ops (Lua: cycles, seen by a finalizer sentinel; Python: gc.callbacks per "
                      "generation), next to the simulated Gen0.\n"
                    : "")
        << "- **Dies young %**: allocations freed before the next simulated collection after their birth "
           "(\"dies young\"), as a share of the window's allocations.\n"
        << "- **Peak live**: the largest sum of live requested bytes while the window was open "
           "(t-gmax).\n"
        << "- **Unfreed**: requested bytes still live when the run ended (not called leaked: "
           "reachability is not checked); `n/a` for phases.\n"
        << "- **B0** = " << format_bytes(static_cast<double>(a.gen0_budget)) << " ("
        << (a.gen0_budget_rule.empty() ? "default" : a.gen0_budget_rule) << "), the nursery budget; "
        << "**L** = " << format_count(static_cast<int64_t>(a.large_object_threshold))
        << " B, the large-object threshold; **K** = " << (k.empty() ? "-" : k)
        << ", temp_K counts blocks freed with at most K other allocations on their thread in "
           "between (K=0 is heaptrack's \"temporary\", K=1 memray's).\n\n";
}

// How large an arena per phase and per lifetime class would have to be
// (docs/definitions.md, "Arena sizes").
void arenas(std::ostringstream& out, const Report& r) {
    out << "\n### Arena sizes\n\n";
    if (r.lifetime_arenas.empty()) {
        out << "none found\n";
        return;
    }
    if (!r.phase_arenas.empty()) {
        out << "Per phase, the most its phase-scoped sites held live of what one occurrence allocated: "
               "an arena reset at each occurrence's end needs the largest.\n\n"
            << "| Phase | Occurrences | Phase-scoped sites | p50 | p99 | Max |\n|---|---:|---:|---:|---:|---:|\n";
        for (const analyzers::PhaseArenaRecord& p : r.phase_arenas)
            out << table_row({p.window, format_count(p.occurrences), format_count(p.sites),
                              cell_bytes(static_cast<double>(p.high_water_p50)),
                              cell_bytes(static_cast<double>(p.high_water_p99)),
                              cell_bytes(static_cast<double>(p.high_water_max))});
        out << "\n";
    }
    out << "Per lifetime class, its sites together (the most they held live at once):\n\n"
        << "| Lifetime | Sites | Allocations | Allocated | High-water | Blocks then |\n"
           "|---|---:|---:|---:|---:|---:|\n";
    for (const analyzers::LifetimeArenaRecord& l : r.lifetime_arenas)
        out << table_row({l.lifetime, format_count(l.sites), format_count(l.allocations),
                          cell_bytes(static_cast<double>(l.bytes_allocated)),
                          cell_bytes(static_cast<double>(l.high_water_bytes)), format_count(l.high_water_blocks)});
}

void findings(std::ostringstream& out, const Report& r) {
    const WindowRow& run = r.run_window();
    out << "## Key findings\n\n";

    out << "### Lifetime classes\n\n";
    if (r.sites.empty()) out << "none found\n";
    for (const char* cls : kLifetimeNames) {
        std::vector<const SiteRow*> of;
        for (const SiteRow& s : r.sites)
            if (s.lifetime == cls) of.push_back(&s);
        if (of.empty()) continue;
        out << "- **" << cls << "**: " << format_plural(static_cast<int64_t>(of.size()), "site", "sites") << ": ";
        for (size_t i = 0; i < of.size() && i < kFindingRows; ++i)
            out << (i ? ", " : "") << site_name(*of[i]);
        if (of.size() > kFindingRows) out << " and " << (of.size() - kFindingRows) << " more";
        out << ".\n";
    }
    if (!r.sites.empty()) {
        out << "- **Temporaries** (whole run): " << format_count(run.dies_young) << " of "
            << format_count(run.allocations) << " allocations die young ("
            << format_ratio(run.dies_young, run.allocations) << "); temp_K K=0: " << format_count(run.temporary_k0)
            << ", K=1: " << format_count(run.temporary_k1) << ".\n";
    }
    out << "\n### Growth chains\n\n";
    {
        std::vector<const SiteRow*> chained;
        for (const SiteRow& s : r.sites)
            if (s.chains > 0) chained.push_back(&s);
        if (chained.empty()) out << "none found\n";
        for (size_t i = 0; i < chained.size() && i < kFindingRows; ++i) {
            const SiteRow& s = *chained[i];
            out << "- " << site_name(s) << ": " << format_plural(s.chains, "chain", "chains") << " ("
                << format_count(s.inferred_chains) << " inferred)";
            if (s.chain_description) out << "; longest: " << *s.chain_description;
            out << "; copied " << format_bytes(static_cast<double>(s.copied_bytes)) << ", avoidable "
                << format_bytes(static_cast<double>(s.avoidable_bytes)) << ".\n";
        }
        if (chained.size() > kFindingRows)
            out << "- ... and " << (chained.size() - kFindingRows) << " more sites with chains.\n";
    }
    out << "\n### Leaks and unfreed memory\n\n";
    {
        out << "- Whole run: " << format_bytes(static_cast<double>(run.unfreed_bytes.value_or(0)))
            << " in " << format_plural(run.unfreed_blocks.value_or(0), "block", "blocks")
            << " unfreed at exit"
            << (r.runtime.unfreed_bytes > 0 || r.suppressed.unfreed_bytes > 0 ? " in the program's own sites" : "")
            << (r.suppressed.unfreed_bytes > 0 ? ", suppressed ones left out" : "")
            << "; leak slope "
            << (run.leak_slope ? format_rate(*run.leak_slope) + " B/op" : std::string("n/a (fewer than 2 op samples)"))
            << ".\n";
        std::vector<const SiteRow*> leaking;
        for (const SiteRow& s : r.sites)
            if (s.tier != "runtime" && s.tier != "suppressed" &&
                (s.unfreed_bytes > 0 || (s.leak_slope && *s.leak_slope > 0)))
                leaking.push_back(&s);
        std::stable_sort(leaking.begin(), leaking.end(),
                         [](const SiteRow* a, const SiteRow* b) { return a->unfreed_bytes > b->unfreed_bytes; });
        if (leaking.empty()) out << "- Sites: none found.\n";
        for (size_t i = 0; i < leaking.size() && i < kFindingRows; ++i) {
            const SiteRow& s = *leaking[i];
            out << "- " << site_name(s) << ": " << format_bytes(static_cast<double>(s.unfreed_bytes))
                << " unfreed";
            if (s.leak_slope && *s.leak_slope > 0) out << ", growing " << format_rate(*s.leak_slope) << " B/op";
            out << " (" << s.lifetime << ").\n";
        }
        if (leaking.size() > kFindingRows)
            out << "- ... and " << (leaking.size() - kFindingRows) << " more sites.\n";
    }
    out << "\n### Largest contributors to peak\n\n";
    {
        std::vector<const SiteRow*> at_peak;
        for (const SiteRow& s : r.sites)
            if (s.live_at_peak_bytes > 0) at_peak.push_back(&s);
        std::stable_sort(at_peak.begin(), at_peak.end(), [](const SiteRow* a, const SiteRow* b) {
            return a->live_at_peak_bytes > b->live_at_peak_bytes;
        });
        out << "Peak live heap: " << format_bytes(static_cast<double>(run.peak_live_bytes)) << " in "
            << format_plural(run.peak_live_blocks, "block", "blocks") << ".\n\n";
        if (at_peak.empty()) out << "none found\n";
        for (size_t i = 0; i < at_peak.size() && i < kFindingRows; ++i) {
            const SiteRow& s = *at_peak[i];
            out << "- " << site_name(s) << ": " << format_bytes(static_cast<double>(s.live_at_peak_bytes)) << " in "
                << format_plural(s.live_at_peak_blocks, "block", "blocks") << " live at the peak (" << format_ratio(s.live_at_peak_bytes, run.peak_live_bytes)
                << "); its own maximum " << format_bytes(static_cast<double>(s.max_live_bytes)) << ".\n";
        }
        if (at_peak.size() > kFindingRows)
            out << "- ... and " << (at_peak.size() - kFindingRows) << " more sites.\n";
    }
    arenas(out, r);
    out << "\n### Debug-info coverage\n\n";
    {
        if (r.coverage.empty()) out << "none found (the run was not symbolized)\n";
        std::vector<std::string> complete;
        for (const CoverageRow& c : r.coverage) {
            if (c.fix.empty() && c.frames_unknown == 0 && c.frames_symbol_only == 0) {
                complete.push_back(md_code(c.path));
                continue;
            }
            out << "- " << md_code(c.path) << " (" << c.status << "): " << format_count(c.frames_file_line)
                << " frames at file:line, " << format_count(c.frames_symbol_only) << " name only, "
                << format_count(c.frames_unknown) << " unnamed"
                << (c.fix.empty() ? "" : "; " + c.fix) << ".\n";
        }
        if (!complete.empty()) {
            out << "- Every frame at file:line: ";
            for (size_t i = 0; i < complete.size(); ++i) out << (i ? ", " : "") << complete[i];
            out << ".\n";
        }
    }
    out << "\n### Reconciliation\n\n";
    out << "Tracked heap peak " << format_bytes(static_cast<double>(run.peak_live_bytes)) << " vs peak RSS ";
    if (r.run.peak_rss_bytes && *r.run.peak_rss_bytes > 0) {
        out << format_bytes(static_cast<double>(*r.run.peak_rss_bytes)) << ": the heap's requested bytes are "
            << format_ratio(run.peak_live_bytes, *r.run.peak_rss_bytes)
            << " of it; the rest is code, stacks, static data, allocator overhead and free memory it keeps";
    } else {
        out << "not recorded";
    }
    if (r.run.mmap_calls > 0)
        out << "; anonymous mmap: " << format_plural(r.run.mmap_calls, "call", "calls") << ", "
            << format_bytes(static_cast<double>(r.run.mmap_bytes)) << ", outside the heap metrics";
    out << ".\n\n";
}

std::string pattern(const SiteRow& s) {
    if (s.chains > 0 && s.chain_pattern && *s.chain_pattern != "none")
        return *s.chain_pattern + " growth, " + format_plural(s.chains, "chain", "chains");
    if (s.size_p50 == s.size_max) return "fixed size " + format_bytes(static_cast<double>(s.size_max));
    return "sizes p50 " + format_bytes(static_cast<double>(s.size_p50)) + ", p99 " +
           format_bytes(static_cast<double>(s.size_p99));
}

void tiers(std::ostringstream& out, const Report& r) {
    out << "## Allocation sites by tier\n\n";
    for (const char* tier : kTierNames) {
        std::vector<const SiteRow*> of;
        for (const SiteRow& s : r.sites)
            if (s.tier == tier) of.push_back(&s);
        out << "### " << capitalized(tier) << " (" << format_plural(static_cast<int64_t>(of.size()), "site", "sites")
            << ")\n\n";
        if (of.empty()) {
            out << "none found\n\n";
            continue;
        }
        out << "| # | Site | Module | Allocs/op | B/op | Share | Lifetime | Pattern | Rule |\n";
        out << "|---:|---|---|---:|---:|---:|---|---|---|\n";
        for (size_t i = 0; i < of.size() && i < kTierRows; ++i) {
            const SiteRow& s = *of[i];
            out << table_row({std::to_string(s.position), site_with_source(s), md_code(s.module),
                              cell_rate(s.allocs_per_op), cell_bytes(s.bytes_per_op),
                              cell_percent(s.impact) + " of " + s.impact_metric, s.lifetime, pattern(s),
                              s.rule});
        }
        if (of.size() > kTierRows)
            out << "\n... and " << (of.size() - kTierRows) << " more " << tier
                << " sites (all of them: `allocprof report --format json`).\n";
        out << "\n";
    }
    if (const std::string runtime = format_runtime(r); !runtime.empty()) out << runtime << "\n\n";
    if (const std::string suppressed = format_suppressed(r); !suppressed.empty()) out << suppressed << "\n\n";
}

// Only for runs with script frames (Lua, Python): the same allocations by the script line
// that was running.
void script_sites(std::ostringstream& out, const Report& r) {
    if (r.script_sites.empty()) return;
    const int64_t total = r.run_window().allocations;
    out << "## Allocation sites by script location\n\n"
        << "The innermost " << (r.script_sites.front().module == "[python]" ? "Python" : "script")
        << " frame of each allocating stack; " << format_count(r.script_sites_total)
        << " locations, the first " << r.script_sites.size() << " by allocations.\n\n";
    out << "| # | Script location | Allocations | Share | Allocated | Mostly in (native site) |\n";
    out << "|---:|---|---:|---:|---:|---|\n";
    for (size_t i = 0; i < r.script_sites.size(); ++i) {
        const ScriptSiteRow& s = r.script_sites[i];
        std::string native = s.native_function.empty() ? "-" : md_code(s.native_function);
        if (!s.native_file.empty())
            native += " at " + md_code(s.native_file + ":" + std::to_string(s.native_line));
        out << table_row({std::to_string(i + 1), md_code(format_script_location(s)),
                          format_count(s.allocations),
                          total > 0 ? cell_percent(static_cast<double>(s.allocations) /
                                                     static_cast<double>(total))
                                    : "-",
                          cell_bytes(static_cast<double>(s.bytes_allocated)), native});
    }
    out << "\nShare: of the run's allocations. `(no script frame)`: allocations made while no "
           "script function ran (start-up, shutdown, native threads). `allocprof top FILE --group "
           "script` lists them all with their stacks.\n\n";
}

void plan(std::ostringstream& out, const Report& r) {
    out << "## Priority remediation list\n\n"
        << kPlanIntro << "\n\n";
    for (const PlanPhase& ph : kPlanPhases) {
        out << "### " << ph.title << "\n\n";
        bool any = false;
        for (const PlanRow& p : r.plan) {
            if (p.phase != ph.phase) continue;
            if (!any) {
                out << "| Priority | Target | Change | Expected saving | Cumulative | Risk | Evidence |\n";
                out << "|---|---|---|---|---|---|---|\n";
                any = true;
            }
            const SiteRow* s = r.site(p.site_id);
            std::string target = s ? site_with_source(*s) + " (" + md_code(s->module) + ")"
                                   : "site " + std::to_string(p.site_id);
            if (const std::string also = format_also_sites(r, p); !also.empty()) target += "; " + also;
            const std::string alternatives = format_alternatives(p);
            out << table_row({p.priority, target, p.change + (alternatives.empty() ? "" : "; " + alternatives),
                              md_saving(p, r.run_window()), format_cumulative(p, r.run_window()), p.risk, p.evidence});
        }
        out << (any ? "\n" : "none found\n\n");
    }
    if (const std::string negligible = format_negligible(r); !negligible.empty()) out << negligible << "\n\n";
}

void gaps(std::ostringstream& out, const Report& r) {
    out << "## Coverage gaps\n\n";
    if (r.gaps.empty()) out << "none found\n";
    for (const Gap& g : r.gaps) {
        const char* label = g.kind == "ops"        ? "Op counts"
                            : g.kind == "symbols"   ? "Symbols"
                            : g.kind == "hooks"     ? "Hooks"
                            : g.kind == "allocator" ? "Allocators"
                            : g.kind == "stacks"    ? "Stacks"
                                                    : "Run";
        out << "- **" << label << "**: " << md_text(g.text) << "\n";
    }
    out << "\n";
}

void source_gaps(std::ostringstream& out, const Report& r) {
    out << "## " << kSourceGapsTitle << "\n\n" << format_source_summary(r) << "\n\n";
    if (!r.source) return;
    for (const SourceAnalysis::Failure& f : r.source->failures) out << "- " << format_source_failure(f) << "\n";
    if (!r.source->failures.empty()) out << "\n";
    if (r.source_gaps.empty()) {
        out << kNoSourceGaps << "\n\n";
        return;
    }
    out << "| # | Function | File | Allocating constructs | In loops | Kinds |\n";
    out << "|---:|---|---|---:|---:|---|\n";
    for (size_t i = 0; i < r.source_gaps.size() && i < kSourceGapRows; ++i) {
        const SourceGapRow& g = r.source_gaps[i];
        out << table_row({std::to_string(g.rank), md_code(g.function), md_code(format_gap_location(g)),
                          std::to_string(g.constructs), std::to_string(g.in_loops), format_gap_kinds(g)});
    }
    const std::string more = format_more_source_gaps(r);
    out << (more.empty() ? "" : "\n" + more + "\n") << "\n";
}

void next_steps(std::ostringstream& out, const Report& r) {
    out << "## Next steps\n\n";
    for (size_t i = 0; i < r.next_steps.size(); ++i) out << (i + 1) << ". " << md_text(r.next_steps[i]) << "\n";
}

}  // namespace

std::string render_markdown(const Report& full) {
    const Report report = readable(full);
    std::ostringstream out;
    title(out, report);
    summary(out, report);
    baseline(out, report);
    findings(out, report);
    tiers(out, report);
    script_sites(out, report);
    plan(out, report);
    gaps(out, report);
    source_gaps(out, report);
    next_steps(out, report);
    return out.str();
}

}  // namespace allocprof::reports
