// report_format.cpp — see report_format.h.
#include "reports/report_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace allocprof::reports {

std::string ops_cell(const WindowRow& w) {
    if (w.per_run) return "-";
    return format_count(static_cast<uint64_t>(w.ops)) + (w.ops_of_run ? " (run's)" : "");
}

std::string per_1k_cell(double value, const WindowRow& w) { return cell_rate(value) + (w.per_run ? " per run" : ""); }

std::string format_gc(const std::vector<GcRow>& gc) {
    std::string out;
    std::string language;
    for (const GcRow& g : gc) {
        const bool generations = g.language == "python";
        if (g.language != language) {
            out += (out.empty() ? "" : "; ") + g.language + " ";
            language = g.language;
        } else {
            out += ", ";
        }
        if (generations) out += "g" + std::to_string(g.generation) + " ";
        out += format_rate(g.per_1k_ops);
    }
    return out.empty() ? "-" : out;
}

std::string format_script_location(const ScriptSiteRow& s) {
    std::string where = s.file;
    if (s.line > 0) where += ":" + std::to_string(s.line);
    return s.function + (where.empty() ? "" : " (" + where + ")");
}

std::string format_utc(int64_t unix_ns) {
    const std::time_t seconds = static_cast<std::time_t>(unix_ns / 1'000'000'000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[64];
    std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string format_command(const std::vector<std::string>& argv) {
    std::string line;
    for (const std::string& arg : argv) {
        if (!line.empty()) line += ' ';
        const bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?|&;<>()") == std::string::npos;
        if (plain) {
            line += arg;
            continue;
        }
        line += '\'';
        for (char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
        line += '\'';
    }
    return line;
}

namespace {

// Markdown text with '<' and '&' outside code spans written as entities where markdown
// would read HTML from them (a tag, a comment, an entity): a name the target chose
// ("<script>" as a phase name) is shown as text, never passed on as HTML. "< 0.01" stays as
// it is. Inside a code span they are already literal, and an entity would show as written. In a table
// cell, '|' is escaped everywhere (GitHub ends a cell at it even inside a code span) and a
// newline becomes a space.
std::string md_escaped(std::string_view text, bool cell) {
    std::string out;
    out.reserve(text.size());
    size_t fence = 0;  // the open code span's backtick count, 0 outside one
    for (size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (c == '`') {
            size_t run = 0;
            while (i + run < text.size() && text[i + run] == '`') ++run;
            if (fence == 0)
                fence = run;
            else if (run == fence)
                fence = 0;
            out.append(run, '`');
            i += run;
            continue;
        }
        ++i;
        const char next = i < text.size() ? text[i] : '\0';
        const bool letter = (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z');
        if (cell && c == '|')
            out += "\\|";
        else if (cell && (c == '\n' || c == '\r'))
            out += ' ';
        else if (fence == 0 && c == '<' && (letter || next == '/' || next == '!' || next == '?'))
            out += "&lt;";
        else if (fence == 0 && c == '&' && (letter || next == '#'))
            out += "&amp;";
        else
            out += c;
    }
    return out;
}

}  // namespace

std::string md_cell(std::string_view text) { return md_escaped(text, true); }

std::string md_text(std::string_view text) { return md_escaped(text, false); }

std::string md_code(std::string_view text) {
    // The fence must be longer than the longest run of backticks inside.
    size_t longest = 0, run = 0;
    for (char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const std::string fence(longest + 1, '`');
    const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
    std::string body(text);
    for (char& c : body)
        if (c == '\n' || c == '\r') c = ' ';
    return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string format_ratio(int64_t part, int64_t whole) {
    return whole > 0 ? format_percent(static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

std::string format_plural(int64_t n, const std::string& one, const std::string& many) {
    return format_count(n) + " " + (n == 1 ? one : many);
}

std::string format_parameters(const AnalysisInfo& a) {
    std::string k;
    for (int64_t v : a.temporary_k) k += (k.empty() ? "" : ", ") + std::to_string(v);
    std::string text = "B0 = " + format_bytes(static_cast<double>(a.gen0_budget)) + " (" +
                       format_count(static_cast<int64_t>(a.gen0_budget)) + " B, " +
                       (a.gen0_budget_rule.empty() ? "default" : a.gen0_budget_rule) + "), L = " +
                       format_count(static_cast<int64_t>(a.large_object_threshold)) + " B, K = " +
                       (k.empty() ? "-" : k);
    if (a.params.contains("tiers") && a.params["tiers"].is_object()) {
        const auto& t = a.params["tiers"];
        auto pct = [&](const char* key) {
            return t.contains(key) && t[key].is_number() ? format_percent(t[key].get<double>()) : "?";
        };
        text += "; tiers at " + pct("critical") + " / " + pct("high") + " / " + pct("medium") +
                " of cumulative impact, any site at " + pct("single_site_critical") + " or more is critical";
    }
    return text;
}

std::string format_run_end(const RunInfo& run) {
    std::string end;
    if (run.term_signal)
        end = "killed by signal " + std::to_string(*run.term_signal);
    else if (run.exit_status)
        end = "exit status " + std::to_string(*run.exit_status);
    else
        end = "end unknown";
    if (run.truncated) end += ", truncated";
    return end;
}

std::string format_run_duration(const RunInfo& run) {
    char secs[32] = "?";
    if (run.duration_s) std::snprintf(secs, sizeof(secs), "%.2f s", *run.duration_s);
    return secs;
}

std::string format_source_summary(const Report& r) {
    if (!r.source)
        return "Not analysed: `allocprof analyze " + r.file +
               " --source-root DIR` lists the functions under DIR that allocate but that no recorded stack "
               "runs, and says what each site allocates.";
    const SourceAnalysis& s = *r.source;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f s", s.seconds);
    return "Sources under `" + s.source_root + "` (" +
           (s.compile_commands ? "flags from `" + *s.compile_commands + "`" : std::string("default flags")) +
           "): " + format_plural(s.translation_units, "file", "files") + ", " + format_count(s.parsed) +
           " parsed, " + format_count(s.reused) + " reused from the parse cache, " + format_count(s.failed) +
           " failed, in " + secs + ".";
}

std::string format_source_failure(const SourceAnalysis::Failure& f) {
    return "`" + f.file + "` (" + f.status + "): " + f.reason + "; its sites keep their dynamic analysis.";
}

std::string format_more_source_gaps(const Report& r) {
    if (r.source_gaps.size() <= kSourceGapRows) return "";
    return "... and " + std::to_string(r.source_gaps.size() - kSourceGapRows) +
           " more (all of them: `allocprof report --format json`).";
}

std::string format_gap_location(const SourceGapRow& g) { return g.file + ":" + std::to_string(g.line_begin); }

std::string format_gap_kinds(const SourceGapRow& g) {
    std::string out;
    for (const std::string& k : g.kinds) out += (out.empty() ? "" : ", ") + k;
    return out;
}

std::string format_saving(const PlanRow& p, const WindowRow& run, const char* gen0_star) {
    const std::string per = run.per_run ? "/run" : "/op";
    std::string text = format_rate(p.saving_allocs_per_op) + " allocs" + per + ", " +
                       format_bytes(p.saving_bytes_per_op) + per + ", " + format_rate(p.saving_gen0_star_1k) + " " +
                       gen0_star + (run.per_run ? "" : "/1k");
    if (p.saving_gen0_1k && *p.saving_gen0_1k > 0)
        text += ", " + format_rate(*p.saving_gen0_1k) + " Gen0/1k";
    if (p.saving_peak_bytes > 0) text += ", " + format_bytes(static_cast<double>(p.saving_peak_bytes)) + " of the peak";
    return text;
}

std::string format_cumulative(const PlanRow& p, const WindowRow& run) {
    auto part = [](double v, double whole) {
        return whole > 0 ? " (" + format_percent(std::min(1.0, v / whole)) + ")" : std::string();
    };
    const std::string per = run.per_run ? "/run" : "/op";
    return format_rate(p.cumulative_allocs_per_op) + " allocs" + per + part(p.cumulative_allocs_per_op, run.allocs_per_op) +
           ", " + format_bytes(p.cumulative_bytes_per_op) + per + part(p.cumulative_bytes_per_op, run.bytes_per_op);
}

std::string format_alternatives(const PlanRow& p) {
    const nlohmann::json alts = nlohmann::json::parse(p.alternatives, nullptr, false);
    if (!alts.is_array() || alts.empty()) return "";
    std::string out;
    for (const nlohmann::json& a : alts) {
        if (!a.is_object()) continue;
        out += (out.empty() ? "" : "; ") + a.value("change", std::string());
    }
    return out.empty() ? "" : "also possible: " + out;
}

std::string format_also_sites(const Report& r, const PlanRow& p) {
    if (p.also_sites.empty()) return "";
    const SiteRow* first = r.site(p.site_id);
    std::string lines;
    bool same_file = true;
    for (int64_t id : p.also_sites) {
        const SiteRow* s = r.site(id);
        if (!s || !first || s->file != first->file || s->file.empty()) same_file = false;
    }
    for (int64_t id : p.also_sites) {
        const SiteRow* s = r.site(id);
        std::string where = !s                ? "site " + std::to_string(id)
                            : same_file       ? std::to_string(s->line)
                            : s->file.empty() ? s->function
                                              : s->file + ":" + std::to_string(s->line);
        lines += (lines.empty() ? "" : ", ") + where;
    }
    return (same_file ? (p.also_sites.size() == 1 ? "also line " : "also lines ") : "also ") + lines;
}

std::string format_negligible(const Report& r) {
    const int64_t n = r.analysis.negligible_items;
    if (n <= 0) return "";
    return format_plural(n, "more item", "more items") + (n == 1 ? " would save under " : " would each save under ") +
           format_percent(r.analysis.negligible_share) + " of every metric (not listed).";
}

namespace {

// "N allocations (x of the run), X allocated, Y unfreed at exit" of sites kept apart.
std::string apart_amounts(const Report& r, const RuntimeSummary& apart) {
    const int64_t total = r.run_window().allocations;
    return format_plural(apart.allocations, "allocation", "allocations") +
           (total > 0 ? " (" + format_ratio(apart.allocations, total) + " of the run)" : std::string()) + ", " +
           format_bytes(static_cast<double>(apart.bytes_allocated)) + " allocated, " +
           format_bytes(static_cast<double>(apart.unfreed_bytes)) + " unfreed at exit";
}

}  // namespace

std::string format_suppressed(const Report& r) {
    if (r.suppressed.sites == 0) return "";
    return "Suppressed: " + format_plural(r.suppressed.sites, "site", "sites") + " matched the suppressions file, " +
           apart_amounts(r, r.suppressed) +
           "; they are outside the tiers, the plan and the unfreed totals (`allocprof top` lists them).";
}

std::string format_runtime(const Report& r) {
    const RuntimeSummary& rt = r.runtime;
    if (rt.sites == 0) return "";
    const auto list = [](const std::vector<std::string>& names) {
        std::string out;
        for (const std::string& m : names) out += (out.empty() ? "`" : ", `") + m + "`";
        return out;
    };
    std::string where;
    if (!rt.modules.empty()) where = list(rt.modules) + "'s own code";
    if (!rt.startup_modules.empty())
        where += (where.empty() ? "" : " and ") + list(rt.startup_modules) + "'s start-up (before the script runs)";
    return "Runtime: " + format_plural(rt.sites, "site", "sites") + " in " + where + ", " + apart_amounts(r, rt) +
           ". No change to the program's own lines removes them, so they are "
           "outside the tiers and the plan (`allocprof top` lists them).";
}

}  // namespace allocprof::reports
