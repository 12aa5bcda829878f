// html_report.cpp — see html_report.h. The page is built here as text: the tables and the
// text sections are plain HTML (readable without the script, sorted by it), the flame graph
// and the memory chart are drawn by reports/html/report.js from the JSON data block.
// Layout only: every figure is a stored number formatted by report_format.h.
#include "reports/html_report.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/readable_names.h"
#include "reports/report_format.h"

namespace allocprof::reports {

// reports/html/*, compiled in by reports/CMakeLists.txt (html_assets.cpp.in).
namespace html_assets {
const char* css();
const char* js();
}  // namespace html_assets

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string html_inline(std::string_view text) {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '`') {
            const size_t next = text.find('`', i);
            out += html_escape(text.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i));
            i = next == std::string_view::npos ? text.size() : next;
            continue;
        }
        size_t n = 0;
        while (i + n < text.size() && text[i + n] == '`') ++n;
        const std::string fence(n, '`');
        size_t close = i + n;
        for (;;) {
            close = text.find(fence, close);
            if (close == std::string_view::npos) break;
            size_t run = 0;
            while (close + run < text.size() && text[close + run] == '`') ++run;
            if (run == n) break;
            close += run;
        }
        if (close == std::string_view::npos) {  // unmatched: literal backticks
            out += fence;
            i += n;
            continue;
        }
        std::string_view body = text.substr(i + n, close - i - n);
        if (body.size() >= 2 && body.front() == ' ' && body.back() == ' ') body = body.substr(1, body.size() - 2);
        out += "<code>" + html_escape(body) + "</code>";
        i = close + n;
    }
    return out;
}

const char* html_stylesheet() { return html_assets::css(); }


namespace {

using nlohmann::json;
std::string esc(std::string_view text) { return html_escape(text); }
std::string inline_html(std::string_view text) { return html_inline(text); }

// Memory samples drawn at most; a longer series keeps, per bucket of samples, the one with
// the most live heap and the one with the most RSS, so no peak disappears.
constexpr size_t kMaxMemorySamples = 4000;
constexpr size_t kMemoryBuckets = 2000;
// Rows of the site table (all sites up to this; the JSON report has every one).
constexpr size_t kMaxSiteRows = 1000;

std::string num(double v) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%.17g", v);
    return buf;
}
std::string num(int64_t v) { return std::to_string(v); }

std::string location(const SiteRow& s) {
    return s.file.empty() ? std::string() : s.file + ":" + std::to_string(s.line);
}

// "<code>file.c:12</code>", the full path in its title; "-" without a file.
std::string location_html(const SiteRow& s) {
    if (s.file.empty()) return "-";
    const size_t slash = s.file.rfind('/');
    const std::string name = slash == std::string::npos ? s.file : s.file.substr(slash + 1);
    return "<code title=\"" + esc(location(s)) + "\">" + esc(name + ":" + std::to_string(s.line)) + "</code>";
}

// "<code>f</code> at <code>file:line</code>"
std::string site_html(const SiteRow& s, bool short_location = false) {
    std::string h = "<code>" + esc(s.function) + "</code>";
    if (!s.file.empty()) h += " at " + (short_location ? location_html(s) : "<code>" + esc(location(s)) + "</code>");
    return h;
}

// A site with stacks deeper than the run's --max-frames, on a line of its own under it.
std::string truncated_note_html(const SiteRow& s) {
    if (s.truncated_stacks <= 0) return "";
    return "<div class=\"note truncated\">truncated stacks: " + esc(format_count(uint64_t(s.truncated_stacks))) +
           " of its stacks (" + esc(format_count(uint64_t(s.truncated_allocations))) +
           " allocations) are cut; their outer frames are not recorded</div>";
}

// After source analysis, what the site does, on a line of its own under the site.
std::string source_note_html(const SiteRow& s) {
    if (!s.source || s.source->description.empty()) return "";
    return "<div class=\"note\">" + esc(s.source->description) + "</div>";
}

int tier_rank(const std::string& tier) {
    for (int t = 0; t < 4; ++t)
        if (tier == kTierNames[t]) return t;
    return 4;
}

int risk_rank(const std::string& risk) { return risk == "low" ? 0 : risk == "medium" ? 1 : risk == "high" ? 2 : 3; }

// A table cell: `sort` (a number) orders the column when its header is clicked.
std::string td(const std::string& html, const std::string& sort = "", const char* cls = nullptr) {
    std::string out = "<td";
    if (cls) out += std::string(" class=\"") + cls + "\"";
    if (!sort.empty()) out += " data-v=\"" + sort + "\"";
    return out + ">" + html + "</td>";
}

std::string tdn(const std::string& html, const std::string& sort) { return td(html, sort, "n"); }

// Header cells; a name starting with '#' is numeric (right-aligned, sorted as numbers).
std::string thead(const std::vector<std::string>& names) {
    std::string out = "<thead><tr>";
    for (const std::string& n : names) {
        const bool numeric = !n.empty() && n[0] == '#';
        const std::string label = numeric ? n.substr(1) : n;
        out += std::string("<th") + (numeric ? " class=\"n\" data-type=\"num\"" : "") + " tabindex=\"0\">" +
               esc(label) + "</th>";
    }
    return out + "</tr></thead>\n";
}

std::string esc_parameters(const AnalysisInfo& a) { return esc(format_parameters(a)); }
std::string esc_saving(const PlanRow& p, const WindowRow& run) { return esc(format_saving(p, run, "Gen0*")); }

std::string ops_text(const Report& r) {
    const WindowRow& run = r.run_window();
    if (run.per_run) return "none counted (per-op figures are per run)";
    const std::string& src = r.analysis.ops_source;
    return esc(format_count(run.ops)) + (src == "command-line" ? " (from <code>--ops</code>)"
                                         : src == "markers"    ? " (counted by <code>allocprof_ops()</code>)"
                                                               : "");
}

void title(std::ostringstream& out, const Report& r) {
    const RunInfo& run = r.run;
    out << "<header id=\"title\">\n<h1>Allocation report: " << esc(r.run_window().label) << "</h1>\n<dl class=\"meta\">\n";
    const std::string end = format_run_end(run);
    const std::string secs = format_run_duration(run);
    auto row = [&](const char* name, const std::string& html) {
        out << "<dt>" << name << "</dt><dd>" << html << "</dd>\n";
    };
    row("Date", esc(r.analysis.date) + " (analysis)");
    row("Command", "<code>" + esc(format_command(run.command)) + "</code> in <code>" + esc(run.cwd) + "</code>");
    row("Run", std::to_string(run.run_id) + " of " + std::to_string(run.runs_in_file) + " in <code>" + esc(r.file) +
                   "</code>" + (run.scenario.empty() ? "" : ", scenario <code>" + esc(run.scenario) + "</code>") +
                   "; " + secs + ", " + esc(end) + ", " + format_plural(run.threads, "thread", "threads"));
    row("Machine", "<code>" + esc(run.hostname) + "</code>");
    std::string version = "allocprof " + esc(r.analysis.tool_version);
    if (run.recorded_with != r.analysis.tool_version) version += " (recorded with " + esc(run.recorded_with) + ")";
    row("Tool version", version);
    row("Operations", ops_text(r));
    if (!r.path_prefix.empty()) row("Paths", "relative to <code>" + esc(r.path_prefix) + "</code>");
    row("Analysis parameters", esc_parameters(r.analysis));
    out << "</dl>\n</header>\n";
}

void nav(std::ostringstream& out) {
    out << "<nav><a href=\"#summary\">Summary</a> <a href=\"#baseline\">Baseline</a> "
           "<a href=\"#flame\">Flame graph</a> <a href=\"#memory\">Memory over time</a> "
           "<a href=\"#sites\">Sites by tier</a> <a href=\"#plan\">Remediation plan</a> "
           "<a href=\"#gaps\">Coverage gaps</a> <a href=\"#source-gaps\">Untested code</a> "
           "<a href=\"#next\">Next steps</a></nav>\n";
}

void summary(std::ostringstream& out, const Report& r) {
    out << "<section id=\"summary\">\n<h2>Summary</h2>\n<ul>\n";
    int64_t counts[4] = {0, 0, 0, 0};
    for (const SiteRow& s : r.sites) {
        const int t = tier_rank(s.tier);
        if (t < 4) ++counts[t];
    }
    out << "<li><b>Sites</b>: ";
    for (int t = 0; t < 4; ++t)
        out << (t ? ", " : "") << "<span class=\"tier tier-" << kTierNames[t] << "\">" << counts[t] << " "
            << kTierNames[t] << "</span>";
    out << " (" << r.sites.size() << " in all).</li>\n";
    if (r.sites.empty()) {
        out << "<li><b>Top finding</b>: none found: the run made no allocation attributed to a site.</li>\n";
    } else {
        const SiteRow& top = r.sites.front();
        out << "<li><b>Top finding</b>: " << site_html(top) << " (<code>" << esc(top.module) << "</code>) is "
            << esc(top.tier) << ": " << esc(format_percent(top.impact)) << " of " << esc(top.impact_metric)
            << ", " << esc(format_rate(top.allocs_per_op)) << " allocs/op and "
            << esc(format_bytes(top.bytes_per_op)) << "/op, " << esc(top.lifetime);
        const PlanRow* fix = nullptr;
        for (const PlanRow& p : r.plan)
            if (p.site_id == top.site_id && (!fix || p.phase < fix->phase)) fix = &p;
        if (fix) out << "; " << esc(fix->priority) << ": " << inline_html(fix->change);
        out << ".</li>\n";
    }
    const WindowRow& w = r.run_window();
    out << "<li><b>Baseline</b>" << (w.per_run ? " (per run: no ops counted)" : "") << ": "
        << esc(format_rate(w.allocs_per_op)) << " allocs/op, " << esc(format_bytes(w.bytes_per_op))
        << "/op, Gen0 " << esc(format_rate(w.gen0_per_1k)) << (w.per_run ? " per run" : " per 1k ops") << " (Gen0* "
        << esc(format_rate(w.gen0_star_per_1k)) << "), " << esc(format_ratio(w.dies_young, w.allocations))
        << " temporary, peak live " << esc(format_bytes(static_cast<double>(w.peak_live_bytes))) << " in "
        << esc(format_plural(w.peak_live_blocks, "block", "blocks")) << ", unfreed at exit " << esc(format_bytes(static_cast<double>(w.unfreed_bytes.value_or(0))))
        << ".</li>\n";
    out << "<li><b>Reconciliation</b>: tracked heap peak "
        << esc(format_bytes(static_cast<double>(w.peak_live_bytes))) << " vs peak RSS ";
    if (r.run.peak_rss_bytes && *r.run.peak_rss_bytes > 0)
        out << esc(format_bytes(static_cast<double>(*r.run.peak_rss_bytes))) << " ("
            << esc(format_ratio(w.peak_live_bytes, *r.run.peak_rss_bytes)) << " of it is requested heap bytes).</li>\n";
    else
        out << "not recorded.</li>\n";
    out << "</ul>\n</section>\n";
}

void baseline(std::ostringstream& out, const Report& r) {
    bool real_gc = false;  // the interpreter's own collections, when the run counted any
    for (const WindowRow& w : r.windows) real_gc = real_gc || !w.gc.empty();
    out << "<section id=\"baseline\">\n<h2>Baseline allocation rates</h2>\n"
        << "<table class=\"sortable\" id=\"baseline-table\">\n"
        << thead(real_gc ? std::vector<std::string>{"Scenario", "#Ops", "#Allocated", "#Allocs/op",
                                                     "#Gen0/1k", "#Gen0*", "GC/1k (real)", "#Dies young %",
                                                     "#Peak live", "#Unfreed"}
                         : std::vector<std::string>{"Scenario", "#Ops", "#Allocated", "#Allocs/op",
                                                     "#Gen0/1k", "#Gen0*", "#Dies young %", "#Peak live",
                                                     "#Unfreed"})
        << "<tbody>\n";
    for (const WindowRow& w : r.windows) {
        const double temp = w.allocations > 0 ? static_cast<double>(w.dies_young) / static_cast<double>(w.allocations) : 0;
        out << "<tr>" << td(esc(w.label)) << tdn(esc(ops_cell(w)), num(w.ops))
            << tdn(esc(cell_bytes(w.bytes_per_op)), num(w.bytes_per_op))
            << tdn(esc(cell_rate(w.allocs_per_op)), num(w.allocs_per_op))
            << tdn(esc(per_1k_cell(w.gen0_per_1k, w)), num(w.gen0_per_1k))
            << tdn(esc(per_1k_cell(w.gen0_star_per_1k, w)), num(w.gen0_star_per_1k));
        if (real_gc) out << td(esc(format_gc(w.gc)));
        out << tdn(w.allocations > 0 ? esc(cell_percent(temp)) : "-", num(temp))
            << tdn(esc(cell_bytes(static_cast<double>(w.peak_live_bytes))), num(w.peak_live_bytes))
            << tdn(w.unfreed_bytes ? esc(cell_bytes(static_cast<double>(*w.unfreed_bytes))) : "n/a",
                  num(w.unfreed_bytes.value_or(-1)))
            << "</tr>\n";
    }
    const AnalysisInfo& a = r.analysis;
    out << "</tbody></table>\n<p class=\"legend\">Allocated = requested bytes per op (1 KB = 1024 B); "
           "Allocs/op counts a realloc of a block as one allocation; Gen0/1k = simulated collections of a "
        << esc(format_bytes(static_cast<double>(a.gen0_budget)))
        << " nursery per 1000 ops (allocations of " << esc(format_count(static_cast<int64_t>(a.large_object_threshold)))
        << " B or more skip it); Gen0* = 1000 × nursery bytes / (ops × B0); Dies young % = allocations that die "
           "before the next simulated collection; Peak live = largest sum of live requested bytes; Unfreed = "
           "live at exit (reachability not checked). No ops counted: per-op columns are totals."
        << (real_gc ? " GC/1k (real) = collections the interpreter itself finished per 1000 ops." : "")
        << "</p>\n</section>\n";
}

// The metric buttons, in FlameMetric order (report.js has the same order and ids).
constexpr const char* kFlameMetricButtons[][2] = {{"count", "Allocations"},
                                                 {"bytes", "Bytes allocated"},
                                                 {"peak", "Live at peak"},
                                                 {"unfreed", "Unfreed at exit"},
                                                 {"temporary", "Temporary"}};
static_assert(std::size(kFlameMetricButtons) == kFlameMetrics);

// The thread and phase filters: the choices the run's split offers (report.js fills and
// wires them from the data); disabled, saying why, when there is nothing to choose.
std::string slice_filters(const StackSet& s) {
    std::string why;
    if (s.slice_state == SliceState::NotStored)
        why = "this run was analysed by an earlier allocprof: run allocprof analyze again to filter by thread and phase";
    else if (s.slice_state == SliceState::Whole)
        why = "one allocating thread and no phase in this run";
    const std::string off = why.empty() ? "" : " disabled title=\"" + esc(why) + "\"";
    std::string html = "<div class=\"controls\" role=\"group\" aria-label=\"filters\">Only: "
                       "<label>thread <select id=\"flame-thread\"" + off + "><option value=\"\">all threads</option>";
    for (size_t i = 0; i < s.threads.size(); ++i)
        html += "<option value=\"" + std::to_string(i) + "\">thread " + std::to_string(s.threads[i]) + "</option>";
    html += "</select></label> <label>phase <select id=\"flame-phase\"" + off + "><option value=\"\">all phases</option>";
    for (size_t i = 0; i < s.phases.size(); ++i)
        html += "<option value=\"" + std::to_string(i) + "\">" +
                (s.phases[i].empty() ? std::string("outside any phase") : esc(s.phases[i])) + "</option>";
    html += "</select></label>";
    if (!why.empty()) html += " <span class=\"status\">(" + esc(why) + ")</span>";
    return html + "</div>\n";
}

void flame(std::ostringstream& out, const Report& r) {
    out << "<section id=\"flame\">\n<h2>Flame graph of the allocating stacks</h2>\n"
        << "<div class=\"controls\"><span class=\"seg\" role=\"group\" aria-label=\"metric\">";
    for (const auto& [id, label] : kFlameMetricButtons)
        out << "<button type=\"button\" id=\"flame-by-" << id << "\"" << (std::string_view(id) == "bytes" ? " class=\"on\"" : "")
            << ">" << label << "</button>";
    out << "</span> <button type=\"button\" id=\"flame-invert\" aria-pressed=\"false\" "
           "title=\"allocation points first: the innermost frame of each stack under the root\">Inverted</button> "
           "<input type=\"search\" id=\"flame-search\" placeholder=\"Search functions (text or /regex/)\" "
           "size=\"34\" aria-label=\"search\"> "
           "<button type=\"button\" id=\"flame-reset\">Reset zoom</button> "
           "<span id=\"flame-status\" class=\"status\" aria-live=\"polite\"></span></div>\n"
        << "<div class=\"controls\" role=\"group\" aria-label=\"frames to hide\">Hide: "
           "<label><input type=\"checkbox\" id=\"flame-hide-plumbing\"> allocator plumbing</label> "
           "<label><input type=\"checkbox\" id=\"flame-hide-interpreter\"> interpreter internals</label> "
           "<label><input type=\"checkbox\" id=\"flame-hide-startup\"> interpreter start-up</label></div>\n"
        << slice_filters(r.stacks)
        << "<p class=\"hint\"><span id=\"flame-hint-order\">Root at the top, callers above callees</span>; a "
           "frame's width is its share of the run's <span id=\"flame-hint-metric\">bytes</span>, and a stack with "
           "none of it is not drawn. Temporary: freed on the allocating thread before it allocates again (temp_K, "
           "K = 0). Hiding frames gives what they held to their callers: allocator plumbing (the malloc family, "
           "operator new, C++ library internals, the allocation wrappers of the site config), the interpreter's "
           "own native frames in stacks that run a script, the interpreter's start-up function and all it calls. "
           "The thread and phase filters keep the blocks that thread allocated and those allocated while that "
           "phase was open, with what became of them (live at the peak, unfreed, temporary). "
           "Click a frame to zoom into it, click a greyed frame above it (or Reset zoom, or Esc) to zoom back out. "
           "Frames are merged by function and module; the tooltip lists their source lines.</p>\n"
        << "<p id=\"flame-empty\" class=\"empty\" role=\"status\" hidden></p>\n"
        << "<div id=\"flame-chart\" class=\"chart\"><svg id=\"flame-svg\" xmlns=\"http://www.w3.org/2000/svg\" "
           "role=\"img\" aria-label=\"flame graph\"></svg></div>\n<p id=\"flame-note\" class=\"note\">";
    const StackSet& s = r.stacks;
    const auto omitted = [&](FlameMetric m) { return s.omitted[static_cast<size_t>(m)]; };
    if (!s.loaded)
        out << "The stacks were not loaded.";
    else
        out << esc(format_plural(s.total_stacks, "allocating stack", "allocating stacks"))
            << (s.omitted_stacks > 0
                    ? "; the " + esc(format_count(static_cast<int64_t>(s.stacks.size()))) +
                          " heaviest are drawn, " + esc(format_count(s.omitted_stacks)) + " lighter ones (" +
                          esc(format_count(omitted(FlameMetric::Allocations))) + " allocations, " +
                          esc(format_bytes(static_cast<double>(omitted(FlameMetric::Bytes)))) +
                          ") are left out and shown as one frame"
                    : std::string(", all drawn"))
            << ".";
    out << "</p>\n</section>\n";
}

void memory(std::ostringstream& out) {
    out << "<section id=\"memory\">\n<h2>Memory over time</h2>\n"
        << "<div class=\"controls\"><span class=\"seg\" role=\"group\" aria-label=\"axis\">"
           "<button type=\"button\" id=\"mem-by-time\">By time</button>"
           "<button type=\"button\" id=\"mem-by-events\">By events</button></span> "
           "<span class=\"key\"><i class=\"sw live\"></i>live heap (left axis)</span> "
           "<span class=\"key\"><i class=\"sw rss\"></i>RSS (right axis)</span> "
           "<span class=\"key\"><i class=\"sw peak\"></i>peak live (t-gmax)</span> "
           "<span class=\"key\"><i class=\"sw band\"></i>phases</span></div>\n"
        << "<div id=\"memory-chart\" class=\"chart\"><svg id=\"memory-svg\" xmlns=\"http://www.w3.org/2000/svg\" "
           "role=\"img\" aria-label=\"memory over time\"></svg></div>\n"
        << "<p id=\"memory-note\" class=\"note\"></p>\n</section>\n";
}

// Only for runs with script frames: the same allocations by the script line that ran.
void script_sites(std::ostringstream& out, const Report& r) {
    if (r.script_sites.empty()) return;
    const int64_t total = r.run_window().allocations;
    out << "<section id=\"script-sites\">\n<h2>Allocation sites by script location</h2>\n"
        << "<p class=\"hint\">The innermost script frame of each allocating stack; "
        << esc(format_count(r.script_sites_total)) << " locations.</p>\n"
        << "<table class=\"sortable\" id=\"script-site-table\">\n"
        << thead({"##", "Script location", "#Allocations", "#Share", "#Allocated", "Mostly in (native site)"})
        << "<tbody>\n";
    for (size_t i = 0; i < r.script_sites.size(); ++i) {
        const ScriptSiteRow& s = r.script_sites[i];
        const double share = total > 0 ? static_cast<double>(s.allocations) / static_cast<double>(total) : 0;
        std::string native = s.native_function.empty() ? "-" : "<code>" + esc(s.native_function) + "</code>";
        if (!s.native_file.empty()) native += " " + esc(s.native_file + ":" + std::to_string(s.native_line));
        out << "<tr>" << td(std::to_string(i + 1), num(static_cast<int64_t>(i + 1)), "n")
            << td("<code>" + esc(format_script_location(s)) + "</code>")
            << tdn(esc(format_count(s.allocations)), num(s.allocations))
            << tdn(esc(cell_percent(share)), num(share))
            << tdn(esc(cell_bytes(static_cast<double>(s.bytes_allocated))), num(s.bytes_allocated))
            << td(native) << "</tr>\n";
    }
    out << "</tbody></table>\n</section>\n";
}

void sites(std::ostringstream& out, const Report& r) {
    out << "<section id=\"sites\">\n<h2>Allocation sites by tier</h2>\n";
    if (r.sites.empty()) {
        out << "<p>none found</p>\n</section>\n";
        return;
    }
    out << "<p class=\"hint\">Click a header to sort; click a function to find it in the flame graph.</p>\n"
        << "<table class=\"sortable\" id=\"tier-table\">\n"
        << thead({"##", "Tier", "Function", "File:line", "Module", "#Allocs/op", "#B/op", "#Share", "Lifetime",
                  "Rule"})
        << "<tbody>\n";
    for (size_t i = 0; i < r.sites.size() && i < kMaxSiteRows; ++i) {
        const SiteRow& s = r.sites[i];
        out << "<tr>" << td(std::to_string(s.position), num(s.position), "n")
            << td("<span class=\"tier tier-" + esc(s.tier) + "\">" + esc(s.tier) + "</span>",
                  std::to_string(tier_rank(s.tier)))
            << td("<a href=\"#flame\" class=\"find\" data-find=\"" + esc(s.function) + "\"><code>" +
                  esc(s.function) + "</code></a>" + source_note_html(s) + truncated_note_html(s))
            << td(location_html(s), "", "loc") << td(esc(s.module))
            << tdn(esc(cell_rate(s.allocs_per_op)), num(s.allocs_per_op))
            << tdn(esc(cell_bytes(s.bytes_per_op)), num(s.bytes_per_op))
            << tdn(esc(cell_percent(s.impact)) + " of " + esc(s.impact_metric), num(s.impact))
            << td(esc(s.lifetime)) << td(esc(s.rule)) << "</tr>\n";
    }
    out << "</tbody></table>\n";
    if (r.sites.size() > kMaxSiteRows)
        out << "<p class=\"note\">... and " << (r.sites.size() - kMaxSiteRows)
            << " more sites (all of them: <code>allocprof report --format json</code>).</p>\n";
    if (const std::string runtime = format_runtime(r); !runtime.empty())
        out << "<p class=\"note\" id=\"runtime-line\">" << inline_html(runtime) << "</p>\n";
    if (const std::string suppressed = format_suppressed(r); !suppressed.empty())
        out << "<p class=\"note\" id=\"suppressed-line\">" << inline_html(suppressed) << "</p>\n";
    out << "</section>\n";
}

void plan(std::ostringstream& out, const Report& r) {
    out << "<section id=\"plan\">\n<h2>Priority remediation list</h2>\n"
        << "<p class=\"hint\">" << kPlanIntro << "</p>\n";
    for (const PlanPhase& ph : kPlanPhases) {
        out << "<h3>" << ph.title << "</h3>\n";
        bool any = false;
        int64_t n = 0;
        for (const PlanRow& p : r.plan) {
            if (p.phase != ph.phase) continue;
            if (!any) {
                out << "<table class=\"sortable plan-table\" id=\"plan-phase-" << ph.phase << "\">\n"
                    << thead({"#Priority", "Target", "Change", "#Expected saving", "#Cumulative", "Risk", "Evidence"})
                    << "<tbody>\n";
                any = true;
            }
            const SiteRow* s = r.site(p.site_id);
            std::string target = s ? site_html(*s, true) + " (<code>" + esc(s->module) + "</code>)" +
                                         source_note_html(*s)
                                   : "site " + std::to_string(p.site_id);
            if (const std::string also = format_also_sites(r, p); !also.empty())
                target += "<br><span class=\"hint\">" + esc(also) + "</span>";
            const std::string alternatives = format_alternatives(p);
            out << "<tr>" << td(esc(p.priority), num(++n), "prio") << td(target)
                << td(inline_html(p.change) +
                      (alternatives.empty() ? "" : "<br><span class=\"hint\">" + inline_html(alternatives) + "</span>"))
                << td(esc_saving(p, r.run_window()), num(p.saving_share), "saving")
                << td(esc(format_cumulative(p, r.run_window())), num(p.cumulative_allocs_per_op))
                << td("<span class=\"risk risk-" + esc(p.risk) + "\">" + esc(p.risk) + "</span>",
                      std::to_string(risk_rank(p.risk)))
                << td(inline_html(p.evidence)) << "</tr>\n";
        }
        out << (any ? "</tbody></table>\n" : "<p>none found</p>\n");
    }
    if (const std::string negligible = format_negligible(r); !negligible.empty())
        out << "<p class=\"note\">" << esc(negligible) << "</p>\n";
    out << "</section>\n";
}

void gaps(std::ostringstream& out, const Report& r) {
    out << "<section id=\"gaps\">\n<h2>Coverage gaps</h2>\n";
    if (r.gaps.empty()) out << "<p>none found</p>\n";
    else {
        out << "<ul>\n";
        for (const Gap& g : r.gaps) {
            const char* label = g.kind == "ops"         ? "Op counts"
                                : g.kind == "symbols"   ? "Symbols"
                                : g.kind == "hooks"     ? "Hooks"
                                : g.kind == "allocator" ? "Allocators"
                                : g.kind == "stacks"    ? "Stacks"
                                                        : "Run";
            out << "<li><b>" << label << "</b>: " << inline_html(g.text) << "</li>\n";
        }
        out << "</ul>\n";
    }
    out << "</section>\n";
}

void source_gaps(std::ostringstream& out, const Report& r) {
    out << "<section id=\"source-gaps\">\n<h2>" << esc(kSourceGapsTitle) << "</h2>\n<p>"
        << inline_html(format_source_summary(r)) << "</p>\n";
    if (r.source && !r.source->failures.empty()) {
        out << "<ul>\n";
        for (const SourceAnalysis::Failure& f : r.source->failures)
            out << "<li>" << inline_html(format_source_failure(f)) << "</li>\n";
        out << "</ul>\n";
    }
    if (r.source && r.source_gaps.empty()) out << "<p>" << esc(kNoSourceGaps) << "</p>\n";
    if (!r.source_gaps.empty()) {
        out << "<table class=\"sortable\" id=\"source-gap-table\">\n"
            << thead({"##", "Function", "File:line", "#Allocating constructs", "#In loops", "Kinds"}) << "<tbody>\n";
        for (size_t i = 0; i < r.source_gaps.size() && i < kSourceGapRows; ++i) {
            const SourceGapRow& g = r.source_gaps[i];
            out << "<tr>" << td(std::to_string(g.rank), num(g.rank), "n") << td("<code>" + esc(g.function) + "</code>")
                << td("<code>" + esc(format_gap_location(g)) + "</code>", "", "loc")
                << tdn(std::to_string(g.constructs), num(g.constructs)) << tdn(std::to_string(g.in_loops), num(g.in_loops))
                << td(esc(format_gap_kinds(g))) << "</tr>\n";
        }
        out << "</tbody></table>\n";
        const std::string more = format_more_source_gaps(r);
        if (!more.empty()) out << "<p class=\"note\">" << inline_html(more) << "</p>\n";
    }
    out << "</section>\n";
}

void next_steps(std::ostringstream& out, const Report& r) {
    out << "<section id=\"next\">\n<h2>Next steps</h2>\n<ol>\n";
    for (const std::string& step : r.next_steps) out << "<li>" << inline_html(step) << "</li>\n";
    out << "</ol>\n</section>\n";
}

// The memory series to draw (see kMaxMemorySamples).
std::vector<const MemorySample*> memory_to_draw(const std::vector<MemorySample>& all) {
    std::vector<const MemorySample*> out;
    if (all.size() <= kMaxMemorySamples) {
        for (const MemorySample& m : all) out.push_back(&m);
        return out;
    }
    for (size_t b = 0; b < kMemoryBuckets; ++b) {
        const size_t begin = all.size() * b / kMemoryBuckets, end = all.size() * (b + 1) / kMemoryBuckets;
        size_t live = begin, rss = begin;
        for (size_t i = begin; i < end; ++i) {
            if (all[i].live_bytes > all[live].live_bytes) live = i;
            if (all[i].rss_bytes > all[rss].rss_bytes) rss = i;
        }
        out.push_back(&all[std::min(live, rss)]);
        if (live != rss) out.push_back(&all[std::max(live, rss)]);
    }
    return out;
}

json view_data(const Report& r) {
    json flame = json::object();
    const StackSet& s = r.stacks;
    // A frame: [module, function, file, line, inlined, flags]; flags as report.js reads them
    // (1 plumbing, 2 interpreter, 4 start-up, 8 script). A stack: [values by FlameMetric, frames].
    json frames = json::array();
    for (const StackFrame& f : s.frames)
        frames.push_back({f.module, f.function, f.file, f.line, f.inlined ? 1 : 0,
                          (f.plumbing ? 1 : 0) | (f.interpreter ? 2 : 0) | (f.startup ? 4 : 0) | (f.script ? 8 : 0)});
    // A slice: [thread index, phase index, values by FlameMetric] (indices into "threads"
    // and "phases"); a stack's third element when the run is split.
    const auto slices = [](const std::vector<StackSliceValues>& list) {
        json out = json::array();
        for (const StackSliceValues& v : list) out.push_back({v.thread, v.phase, v.values});
        return out;
    };
    const bool split = s.slice_state == SliceState::Split;
    json stacks = json::array();
    for (const AllocatingStack& st : s.stacks) {
        json stack = {st.values, st.frames};
        if (split) stack.push_back(slices(st.slices));
        stacks.push_back(std::move(stack));
    }
    flame["frames"] = std::move(frames);
    flame["stacks"] = std::move(stacks);
    flame["total"] = {{"stacks", s.total_stacks}, {"values", s.total}};
    flame["omitted"] = {{"stacks", s.omitted_stacks}, {"values", s.omitted}};
    if (split) flame["omitted"]["slices"] = slices(s.omitted_slices);
    flame["split"] = split;
    flame["threads"] = s.threads;
    flame["phases"] = s.phases;

    json memory = json::object();
    json samples = json::array();
    for (const MemorySample* m : memory_to_draw(r.memory))
        samples.push_back({m->t_ns, m->event_index, m->live_bytes, m->live_blocks, m->rss_bytes});
    memory["samples"] = std::move(samples);
    memory["recorded_samples"] = r.memory.size();
    json phases = json::array();
    for (const PhaseSpan& p : r.phases)
        phases.push_back({p.name, p.begin_ns, p.end_ns, p.begin_event, p.end_event, p.ops, p.allocations,
                          p.bytes_allocated});
    memory["phases"] = std::move(phases);
    memory["peak"] = {{"bytes", r.run.peak_live_bytes},
                      {"event", r.run.peak_live_event ? json(*r.run.peak_live_event) : json(nullptr)},
                      {"ns", r.run.peak_live_ns ? json(*r.run.peak_live_ns) : json(nullptr)}};
    memory["events"] = r.run.event_count;
    memory["peak_rss"] = r.run.peak_rss_bytes ? json(*r.run.peak_rss_bytes) : json(nullptr);
    return {{"flame", std::move(flame)}, {"memory", std::move(memory)}};
}

// JSON safe inside <script>: '<', '>' and '&' occur only inside strings, where their \u
// escapes mean the same; "</script>" can then never appear.
std::string script_json(const json& data) {
    const std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size() + 64);
    for (char c : text) {
        if (c == '<') out += "\\u003c";
        else if (c == '>') out += "\\u003e";
        else if (c == '&') out += "\\u0026";
        else out += c;
    }
    return out;
}

}  // namespace

std::string render_html(const Report& full) {
    const Report report = readable(full);
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        << "<meta name=\"generator\" content=\"allocprof " << esc(report.analysis.tool_version) << "\">\n"
        << "<title>Allocation report: " << esc(report.run_window().label) << "</title>\n"
        << "<style>\n" << html_assets::css() << "</style>\n</head>\n<body>\n";
    title(out, report);
    nav(out);
    out << "<main>\n";
    summary(out, report);
    baseline(out, report);
    flame(out, report);
    memory(out);
    sites(out, report);
    script_sites(out, report);
    plan(out, report);
    gaps(out, report);
    source_gaps(out, report);
    next_steps(out, report);
    out << "</main>\n<footer>allocprof " << esc(report.analysis.tool_version) << " · "
        << esc(report.file) << ", run " << report.run.run_id << " · analysed " << esc(report.analysis.date)
        << "</footer>\n"
        << "<pre id=\"errors\" hidden></pre>\n<div id=\"tooltip\" role=\"tooltip\" hidden></div>\n"
        << "<script type=\"application/json\" id=\"report-data\">" << script_json(view_data(report))
        << "</script>\n<script>\n" << html_assets::js() << "</script>\n</body>\n</html>\n";
    return out.str();
}

}  // namespace allocprof::reports
