// heap_command.cpp — `allocprof heap RUN.db [--run ID] [--limit SIZE]
// [--allocator glibc|exact|MODEL.json] [--phase NAME] [-n N] [--format text|json]`: how much
// heap a run needed under an allocator model, per phase and for the whole run, and whether
// it would fit a limit (analyzers/heap_report.h; docs/definitions.md, "Heap needed").
// Exit status: 0, or 1 when a --limit is not met; 2 for bad input.
//
// JSON (stable keys): {"format": "allocprof-heap", "format_version": 1, "file", "run_id",
// "command", "allocator" (HeapModel::to_json: "name", "kind", "header_bytes", "alignment",
// "min_block", "size_classes", "mmap_threshold", and "file" for a model file), "events",
// "unmatched_frees", "windows": [{"window" ("" for the whole run), "occurrences",
// "peak_live_bytes", "peak_live_blocks", "peak_event", "heap_needed_at_peak",
// "heap_needed_bytes" (the window's most), "heap_needed_event", "sites_live", "sites"}],
// "limit": null or {"bytes", "phase" (null: the whole run), "fits", "failure": null or
// {"event_index", "realloc", "size", "block_bytes", "heap_with_it", "thread", "phase" (null
// outside phases), "time_ns" (null before the first clock tick), "site", "stack",
// "live_bytes", "live_blocks", "live_heap_bytes", "sites_live", "sites"}}}. A site: {"site_id",
// "function", "file", "line", "module", "bytes", "blocks", "heap_bytes", "stack"}; a frame of
// a stack: {"function", "file", "line", "module", "inlined"}, from the site's frame out to main.
// Its JSON schema is docs/schemas/allocprof-heap.schema.json: a key added, renamed or removed here
// changes it too (tests/e2e/json_schema_test.cpp checks real output against it).
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "analyzers/heap_report.h"
#include "cli/cli.h"
#include "symbolize/run_symbolizer.h"

namespace allocprof::cli {
namespace {

using analyzers::HeapFrame;
using analyzers::HeapReport;
using analyzers::HeapSnapshot;
using nlohmann::json;

constexpr size_t kJsonStackFrames = 64;
constexpr size_t kTextStackFrames = 4;  // the site's frame and its three callers

struct HeapOptions {
    std::string file;
    std::optional<int64_t> run;
    std::optional<std::string> limit;
    std::string allocator = "glibc";
    std::optional<std::string> phase;
    uint64_t top = 5;
    std::string format;
};

json frame_json(const HeapFrame& f) {
    return {{"function", f.function},
            {"file", f.file},
            {"line", f.line},
            {"module", f.module},
            {"inlined", f.inlined}};
}

json stack_json(const HeapReport& r, uint32_t node) {
    json out = json::array();
    auto it = r.stacks.find(node);
    if (it != r.stacks.end())
        for (const HeapFrame& f : it->second) out.push_back(frame_json(f));
    return out;
}

HeapFrame site_frame(const HeapReport& r, uint32_t site) {
    auto it = r.sites.find(site);
    return it != r.sites.end()
               ? it->second
               : HeapFrame{"(site " + std::to_string(site + 1) + ")", "", 0, "", false};
}

json sites_json(const HeapReport& r, const HeapSnapshot& s) {
    json out = json::array();
    for (const auto& site : s.sites) {
        const HeapFrame f = site_frame(r, site.site);
        out.push_back({{"site_id", site.site + 1},
                       {"function", f.function},
                       {"file", f.file},
                       {"line", f.line},
                       {"module", f.module},
                       {"bytes", site.bytes},
                       {"blocks", site.blocks},
                       {"heap_bytes", site.heap_bytes},
                       {"stack", stack_json(r, site.top_node)}});
    }
    return out;
}

json optional_text(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json report_json(const HeapReport& r) {
    json windows = json::array();
    for (const auto& w : r.result.windows)
        windows.push_back({{"window", w.name},
                           {"occurrences", w.occurrences},
                           {"peak_live_bytes", w.peak.live_bytes},
                           {"peak_live_blocks", w.peak.live_blocks},
                           {"peak_event", w.peak.event_index},
                           {"heap_needed_at_peak", w.peak.heap_bytes},
                           {"heap_needed_bytes", w.heap_peak_bytes},
                           {"heap_needed_event", w.heap_peak_event},
                           {"sites_live", w.peak.sites_live},
                           {"sites", sites_json(r, w.peak)}});
    json limit = nullptr;
    if (r.result.limit) {
        const auto& l = *r.result.limit;
        json failure = nullptr;
        if (l.failure) {
            const auto& f = *l.failure;
            const HeapFrame site = site_frame(r, f.site);
            failure = {{"event_index", f.event_index},
                       {"realloc", f.realloc},
                       {"size", f.size},
                       {"block_bytes", f.block_bytes},
                       {"heap_with_it", f.heap_with_it},
                       {"thread", f.thread},
                       {"phase", optional_text(f.phase)},
                       {"time_ns", f.time_ns ? json(*f.time_ns) : json(nullptr)},
                       {"site",
                        {{"site_id", f.site + 1},
                         {"function", site.function},
                         {"file", site.file},
                         {"line", site.line},
                         {"module", site.module}}},
                       {"stack", stack_json(r, f.node)},
                       {"live_bytes", f.live.live_bytes},
                       {"live_blocks", f.live.live_blocks},
                       {"live_heap_bytes", f.live.heap_bytes},
                       {"sites_live", f.live.sites_live},
                       {"sites", sites_json(r, f.live)}};
        }
        limit = {{"bytes", l.limit},
                 {"phase", optional_text(l.phase)},
                 {"fits", l.fits()},
                 {"failure", failure}};
    }
    return {{"format", "allocprof-heap"},
            {"format_version", 1},
            {"file", r.file},
            {"run_id", r.run_id},
            {"command", r.command},
            {"allocator", r.question.model.to_json()},
            {"events", r.result.events},
            {"unmatched_frees", r.result.unmatched_frees},
            {"windows", windows},
            {"limit", limit}};
}

std::string frame_text(const HeapFrame& f) {
    std::string text = f.function;
    if (!f.file.empty())
        text += " (" + f.file + (f.line > 0 ? ":" + std::to_string(f.line) : "") + ")";
    else if (!f.module.empty() && text.rfind(f.module + "+0x", 0) != 0)
        text += " [" + f.module + "]";
    return text;
}

std::string blocks_text(uint64_t n) { return format_count(n) + (n == 1 ? " block" : " blocks"); }

std::string window_label(const std::string& name) {
    return name.empty() ? "whole run" : "phase " + name;
}

void print_sites(const HeapReport& r, const HeapSnapshot& s, const std::string& indent) {
    if (s.sites.empty()) return;
    std::cout << indent << "live there, "
              << (s.sites_live > s.sites.size()
                      ? "the top " + std::to_string(s.sites.size()) + " of "
                      : "")
              << format_count(s.sites_live) << (s.sites_live == 1 ? " site" : " sites")
              << " by bytes:\n";
    for (const auto& site : s.sites) {
        std::cout << indent << "  " << format_bytes(site.bytes) << " in "
                  << blocks_text(site.blocks) << " (heap " << format_bytes(site.heap_bytes) << ")  "
                  << frame_text(site_frame(r, site.site)) << "\n";
        auto it = r.stacks.find(site.top_node);
        if (it == r.stacks.end()) continue;
        for (size_t i = 1; i < it->second.size() && i < kTextStackFrames; ++i)
            std::cout << indent << "      from " << frame_text(it->second[i]) << "\n";
    }
}

// `text` right-aligned in `width` columns (UTF-8 free: every cell is ASCII).
std::string right(const std::string& text, size_t width) {
    return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

void print_text(const HeapReport& r) {
    std::string command;
    for (const std::string& a : r.command) command += (command.empty() ? "" : " ") + a;
    std::cout << r.file << ", run " << r.run_id << ": " << command << "\n";
    std::cout << "allocator model: " << r.question.model.describe()
              << " (where blocks sit is not modelled, so neither is fragmentation)\n\n";
    size_t label = 6;
    for (const auto& w : r.result.windows) label = std::max(label, window_label(w.name).size());
    std::cout << std::string(label, ' ')
              << "  peak live     blocks  heap needed there  heap needed (most)\n";
    for (const auto& w : r.result.windows)
        std::cout << window_label(w.name) << std::string(label - window_label(w.name).size(), ' ')
                  << "  " << right(format_bytes(w.peak.live_bytes), 9)
                  << right(format_count(w.peak.live_blocks), 11)
                  << right(format_bytes(w.peak.heap_bytes), 19)
                  << right(format_bytes(w.heap_peak_bytes), 20) << "\n";
    for (const auto& w : r.result.windows) {
        std::cout << "\n" << window_label(w.name);
        if (w.occurrences > 1) std::cout << " (" << w.occurrences << " occurrences)";
        std::cout << ": peak live " << format_bytes(w.peak.live_bytes) << " in "
                  << blocks_text(w.peak.live_blocks) << " at event "
                  << format_count(w.peak.event_index) << ", the heap needed there "
                  << format_count(w.peak.heap_bytes) << " B; at most "
                  << format_count(w.heap_peak_bytes) << " B, at event "
                  << format_count(w.heap_peak_event) << "\n";
        print_sites(r, w.peak, "  ");
    }
    if (!r.result.limit) return;
    const auto& l = *r.result.limit;
    std::cout << "\nlimit " << format_bytes(l.limit) << " (" << format_count(l.limit) << " B)"
              << (l.phase.empty() ? "" : " in phase " + l.phase) << " under "
              << r.question.model.name() << ": ";
    if (l.fits()) {
        std::cout << "fits\n";
        return;
    }
    const auto& f = *l.failure;
    std::cout << "does not fit\n";
    std::cout << "  the first allocation that would fail: " << (f.realloc ? "realloc to " : "")
              << format_count(f.size) << " B (a block of " << format_count(f.block_bytes)
              << " B; the heap would need " << format_count(f.heap_with_it) << " B) at event "
              << format_count(f.event_index) << ", "
              << (f.phase.empty() ? "outside phases" : "in phase " + f.phase) << ", thread "
              << f.thread;
    if (f.time_ns)
        std::cout << ", at least " << units::format_rate(static_cast<double>(*f.time_ns) / 1e6)
                  << " ms in (the last clock tick before it)";
    std::cout << "\n";
    auto it = r.stacks.find(f.node);
    if (it != r.stacks.end())
        for (const HeapFrame& frame : it->second)
            std::cout << "      at " << frame_text(frame) << "\n";
    std::cout << "  live just before it: " << format_bytes(f.live.live_bytes) << " requested in "
              << blocks_text(f.live.live_blocks) << ", the heap needed "
              << format_bytes(f.live.heap_bytes) << "\n";
    print_sites(r, f.live, "  ");
}

int heap(const HeapOptions& o) {
    analyzers::HeapQuestion question;
    if (o.limit) {
        try {
            question.limit = analyzers::parse_heap_size(*o.limit);
        } catch (const analyzers::HeapModelError& e) {
            throw UsageError("--limit: " + std::string(e.what()));
        }
    }
    question.model = analyzers::HeapModel::named(o.allocator);
    question.top_sites = static_cast<size_t>(o.top);
    std::optional<schema::Database> db(schema::Database::open_existing(o.file, false));
    const int64_t run_id = schema::select_run(*db, o.run);
    if (o.phase) {
        const std::vector<std::string> phases = analyzers::run_phase_names(*db, run_id);
        if (std::find(phases.begin(), phases.end(), *o.phase) == phases.end()) {
            std::string list;
            for (const std::string& p : phases) list += (list.empty() ? "" : ", ") + p;
            const std::string close = closest(*o.phase, phases);
            throw std::runtime_error(
                o.file + ": run " + std::to_string(run_id) + " has no phase '" + *o.phase + "' (" +
                (phases.empty() ? "it marks no phases" : "its phases: " + list) +
                (close.empty() ? "" : "; did you mean '" + close + "'?") + ")");
        }
        question.phase = *o.phase;
    }
    if (!symbolize::is_symbolized(*db, run_id))
        symbolize_first(db, o.file, run_id, "was never symbolized");
    HeapReport report = analyzers::heap_report(
        *db, run_id, question, o.format == "json" ? kJsonStackFrames : kTextStackFrames + 8);
    if (o.phase) {  // that phase's window only
        auto& windows = report.result.windows;
        std::erase_if(windows, [&](const analyzers::HeapWindow& w) { return w.name != *o.phase; });
    }
    if (o.format == "json")
        std::cout << report_json(report).dump(2) << "\n";
    else
        print_text(report);
    return report.result.limit && !report.result.limit->fits() ? kExitFinding : kExitOk;
}

}  // namespace

void add_heap_command(CLI::App& app, CommandRun& run) {
    CLI::App* c =
        app.add_subcommand("heap",
                           "how much heap a run needed under an allocator model, and whether it "
                           "fits a limit");
    auto o = std::make_shared<HeapOptions>();
    add_file(c, o->file);
    add_run(c, o->run, "which run of FILE (default: the last)");
    c->add_option("--limit", o->limit,
                  "replay the run against a heap of SIZE bytes (307200, 300K, 300KiB, 1M; 1 K = "
                  "1024 B); exit 1 "
                  "when it does not fit")
        ->type_name("SIZE");
    c->add_option(
         "--allocator", o->allocator,
         "the allocator model: glibc (default), exact (requested bytes), or a JSON model file")
        ->type_name("MODEL");
    c->add_option("--phase", o->phase,
                  "that phase only (with --limit: its allocations are checked)")
        ->type_name("NAME");
    c->add_option("-n", o->top, "how many sites to list at each peak (default 5)")
        ->type_name("N")
        ->check(count_validator());
    add_format(c, o->format, {"text", "json"});
    c->callback([o, &run] { run = [o] { return heap(*o); }; });
}

}  // namespace allocprof::cli
