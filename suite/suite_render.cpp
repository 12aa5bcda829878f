// suite_render.cpp — see suite_render.h.
#include "suite/suite_render.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "reports/html_report.h"
#include "reports/readable_names.h"
#include "reports/report_format.h"

namespace allocprof::suite {
namespace {

using nlohmann::json;
using reports::format_bytes;
using reports::format_count;
using reports::format_percent;
using reports::format_rate;
using reports::md_code;

// ---- one layout for markdown and HTML -------------------------------------------------
// Texts may hold `code spans` (reports::md_code), which both syntaxes render.
struct Block {
    enum Kind { Heading, Paragraph, List, Table } kind = Paragraph;
    int level = 2;                            // Heading
    std::string text;                         // Heading, Paragraph
    std::vector<std::string> items;           // List; Table: the header
    std::vector<std::vector<std::string>> rows;  // Table
    std::vector<bool> numeric;                // Table: right-aligned columns
};

struct Layout {
    std::vector<Block> blocks;
    void heading(int level, std::string text) { blocks.push_back({Block::Heading, level, std::move(text)}); }
    void paragraph(std::string text) { blocks.push_back({Block::Paragraph, 0, std::move(text)}); }
    void list(std::vector<std::string> items) {
        Block b{Block::List};
        b.items = std::move(items);
        blocks.push_back(std::move(b));
    }
    void table(std::vector<std::string> header, std::vector<bool> numeric, std::vector<std::vector<std::string>> rows) {
        Block b{Block::Table};
        b.items = std::move(header);
        b.numeric = std::move(numeric);
        b.rows = std::move(rows);
        blocks.push_back(std::move(b));
    }
    void none_found() { paragraph("none found"); }
};

std::string per(const ScenarioBaseline& s) { return s.per_run ? "/run" : "/op"; }

std::string relative(const SuiteDocument& doc, const std::string& path) {
    if (!doc.path_prefix.empty() && path.rfind(doc.path_prefix, 0) == 0) return path.substr(doc.path_prefix.size());
    return path;
}

std::string site_name(const SuiteDocument& doc, const SuiteSite& s) {
    std::string name = md_code(reports::readable_types(s.function));
    if (!s.file.empty()) name += " at " + md_code(relative(doc, s.file) + ":" + std::to_string(s.line));
    if (!s.description.empty()) name += " — " + md_code(reports::readable_types(s.description));
    return name;
}

std::string gc_text(const ScenarioBaseline& s) {
    std::string out = reports::format_gc(s.gc);
    if (s.per_run && out != "-") out += " per run";
    return out;
}

Layout layout_of(const SuiteDocument& doc) {
    Layout l;
    const size_t n = doc.scenarios.size();
    l.heading(1, "Suite allocation report: " + doc.file);
    std::vector<std::string> meta = {"**Date**: " + doc.date + " (newest analysis)",
                                     "**Scenarios**: " + std::to_string(n),
                                     "**Tool**: allocprof " + doc.tool_version,
                                     "**Parameters**: " + reports::format_parameters(doc.analysis)};
    if (!doc.path_prefix.empty()) meta.push_back("**Paths**: relative to " + md_code(doc.path_prefix));
    l.list(meta);

    l.heading(2, "Summary");
    l.list(doc.summary);

    l.heading(2, "Baseline per scenario");
    l.paragraph("One row per scenario: its measured window, the mean over its repetitions.");
    std::vector<std::vector<std::string>> baseline_rows;
    for (const ScenarioBaseline& s : doc.scenarios) {
        std::string notes;
        for (const std::string& note : s.notes) notes += (notes.empty() ? "" : "; ") + note;
        baseline_rows.push_back({s.name + " (" + s.window + ")", s.per_run ? "-" : format_count(static_cast<uint64_t>(s.ops + 0.5)),
                        format_bytes(s.bytes_per_op) + per(s), format_rate(s.allocs_per_op) + per(s),
                        s.per_run ? format_rate(s.gen0_per_1k) + " per run" : format_rate(s.gen0_per_1k),
                        format_rate(s.gen0_star_per_1k), gc_text(s), format_percent(s.dies_young_share),
                        format_bytes(s.peak_live_bytes), format_bytes(s.unfreed_bytes), notes.empty() ? "-" : notes});
    }
    l.table({"Scenario", "Ops", "Allocated", "Allocs/op", "Gen0/1k", "Gen0*", "GC/1k (real)", "Dies young %", "Peak live",
             "Unfreed", "Notes"},
            {false, true, true, true, true, true, true, true, true, true, false}, baseline_rows);
    l.paragraph("Legend:");
    l.list({"**Scenario**: its name and measured window: the phase `measure_phase`, else the whole run minus the phase "
            "`warmup_phase`, else the whole run (the suite file's keys).",
            "**Ops**: operations counted in the window; `-`: none, and the per-op columns are per run.",
            "**Allocated**, **Allocs/op**: requested bytes and allocating calls per op in the window (DHAT's rule: a "
            "`realloc` is one allocation); 1 KB = 1024 B.",
            "**Gen0/1k**: simulated Gen0 collections per 1000 ops (per run without ops); **Gen0\\***: 1000 × nursery "
            "bytes / (ops × B0), additive per site.",
            "**GC/1k (real)**: the interpreter's own collections per 1000 ops, by language and generation.",
            "**Dies young %**: allocations freed before the next simulated collection, of the window's allocations.",
            "**Peak live**: the largest live requested bytes while the window was open; **Unfreed**: the whole run's "
            "bytes still live at exit in the program's own sites.",
            "**Notes**: generated from the numbers."});

    l.heading(2, "Site inventory across the suite");
    l.paragraph("Sites merged by site key (module, function, file, line). Each scenario weighs the same: a site's share "
                "of a scenario's allocs/op, B/op and Gen0* in that scenario's measured window, averaged over the " +
                std::to_string(n) + " scenarios (0 where it does not allocate); its impact is the largest of the three, "
                "and the tiers follow the run's rule on these impacts (critical up to " +
                format_percent(doc.analysis.params.value("tiers", json::object()).value("critical", 0.5)) +
                " of cumulative impact, high up to 80 %, medium up to 95 %), one tier up when a scenario's own analysis "
                "promoted the site.");
    for (const char* tier : reports::kTierNames) {
        std::vector<std::vector<std::string>> rows;
        for (const SuiteSite& s : doc.sites) {
            if (s.tier != tier) continue;
            std::string per_scenario;
            for (size_t i = 0; i < n; ++i) {
                const SiteInScenario& in = s.scenarios[i];
                if (!in.reached) continue;
                per_scenario += (per_scenario.empty() ? "" : "; ") + doc.scenarios[i].name + " " +
                                format_rate(in.allocs_per_op) + " allocs" + per(doc.scenarios[i]) + ", " +
                                format_bytes(in.bytes_per_op) + per(doc.scenarios[i]);
            }
            rows.push_back({std::to_string(s.position), site_name(doc, s), md_code(s.module),
                            format_percent(s.impact) + " of " + s.impact_metric,
                            std::to_string(s.scenarios_reached()) + " of " + std::to_string(n),
                            per_scenario.empty() ? "-" : per_scenario, s.lifetime.empty() ? "-" : s.lifetime, s.rule});
        }
        l.heading(3, std::string(1, static_cast<char>(tier[0] - 32)) + (tier + 1) + " (" +
                         reports::format_plural(static_cast<int64_t>(rows.size()), "site", "sites") + ")");
        if (rows.empty())
            l.none_found();
        else
            l.table({"#", "Site", "Module", "Suite impact", "Scenarios", "Per scenario", "Lifetime", "Rule"},
                    {true, false, false, true, true, false, false, false}, rows);
    }
    std::vector<std::string> apart;
    int64_t unmeasured = 0;
    for (const SuiteSite& s : doc.sites) unmeasured += s.tier == "unmeasured";
    if (unmeasured > 0)
        apart.push_back("Outside the measured windows: " + reports::format_plural(unmeasured, "site allocates", "sites allocate") +
                        " only before, after or between what the scenarios measure (start-up, warm-up, teardown); they "
                        "are not in the tiers or the plan.");
    if (doc.runtime.sites > 0) {
        std::string where;
        auto list = [](const std::vector<std::string>& names) {
            std::string out;
            for (const std::string& m : names) out += (out.empty() ? "" : ", ") + md_code(m);
            return out;
        };
        if (!doc.runtime.modules.empty()) where = list(doc.runtime.modules) + "'s own code";
        if (!doc.runtime.startup_modules.empty())
            where += (where.empty() ? "" : " and ") + list(doc.runtime.startup_modules) + "'s start-up";
        apart.push_back("Runtime: " + reports::format_plural(doc.runtime.sites, "site", "sites") + " in " + where + ", " +
                        format_count(static_cast<uint64_t>(doc.runtime.allocations)) + " allocations and " +
                        format_bytes(static_cast<double>(doc.runtime.bytes_allocated)) +
                        " per repetition over all scenarios; outside the tiers and the plan.");
    }
    if (doc.suppressed.sites > 0)
        apart.push_back("Suppressed: " + reports::format_plural(doc.suppressed.sites, "site", "sites") +
                        " matched the suppressions file; outside the tiers and the plan.");
    if (!apart.empty()) l.list(apart);

    l.heading(2, "Priority remediation plan");
    l.paragraph("Phase 1 is the baseline above. One item per target for the whole suite: the change with the largest "
                "saving over the scenarios, the other changes scenarios proposed for the same target as alternatives. "
                "Savings per scenario are that scenario's own plan's (what the change removes there); the suite-wide "
                "saving is the mean over scenarios of its share of each scenario's allocs/op and B/op. Priorities are "
                "numbered by suite-wide saving within a phase (P1.n: Phase 2, P2.n: Phase 3, P3.n: Phase 4).");
    for (const reports::PlanPhase& phase : reports::kPlanPhases) {
        l.heading(3, phase.title);
        std::vector<std::vector<std::string>> rows;
        for (const SuitePlanItem& p : doc.plan) {
            if (p.phase != phase.phase) continue;
            std::string savings;
            for (size_t i = 0; i < n; ++i) {
                const ItemInScenario& in = p.scenarios[i];
                if (!in.proposed) continue;
                savings += (savings.empty() ? "" : "; ") + doc.scenarios[i].name + " " + format_rate(in.allocs_per_op) +
                           " allocs" + per(doc.scenarios[i]) + ", " + format_bytes(in.bytes_per_op) + per(doc.scenarios[i]);
            }
            std::string change = reports::readable_types(p.change);
            if (!p.alternatives.empty()) {
                std::string alts;
                for (const std::string& a : p.alternatives) alts += (alts.empty() ? "" : "; ") + reports::readable_types(a);
                change += " (also possible: " + alts + ")";
            }
            const std::string target = p.site_position > 0
                                           ? site_name(doc, doc.sites[static_cast<size_t>(p.site_position - 1)])
                                           : md_code(p.target);
            rows.push_back({p.priority, target, change,
                            format_percent(p.allocs_share) + " of allocs/op, " + format_percent(p.bytes_share) + " of B/op",
                            savings.empty() ? "-" : savings, p.risk, reports::readable_types(p.evidence)});
        }
        if (rows.empty())
            l.none_found();
        else
            l.table({"Priority", "Target", "Change", "Suite-wide saving", "Per scenario", "Risk", "Evidence"},
                    {false, false, false, true, false, false, false}, rows);
    }
    if (doc.plan_left_out > 0)
        l.paragraph(reports::format_plural(doc.plan_left_out, "item of the scenarios' plans is", "items of the scenarios' plans are") +
                    " left out: their sites allocate only outside the measured windows.");

    l.heading(2, "Missing benchmark coverage");
    l.heading(3, "Not reached by any scenario");
    if (!doc.coverage_from_sources) {
        l.paragraph(doc.scenarios_with_sources == 0
                        ? std::string("No scenario was analysed with its sources, so the functions that allocate but that no "
                                      "scenario reaches are not known (`allocprof analyze --source-root DIR`).")
                        : "Only " + std::to_string(doc.scenarios_with_sources) + " of " + std::to_string(n) +
                              " scenarios were analysed with the same sources; a function no scenario reaches needs all of them.");
    } else if (doc.not_reached.empty()) {
        l.paragraph("none found: every function of the sources that allocates is reached by a scenario.");
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const CoverageFunction& f : doc.not_reached) {
            std::string kinds;
            for (const std::string& k : f.kinds) kinds += (kinds.empty() ? "" : ", ") + k;
            rows.push_back({md_code(relative(doc, f.file)), md_code(f.function) + " (line " + std::to_string(f.line) + ")",
                            std::to_string(f.constructs), std::to_string(f.in_loops), kinds,
                            "add a scenario that exercises it"});
        }
        l.table({"File", "Function", "Allocating constructs", "In loops", "Kinds", "Suggestion"},
                {false, false, true, true, false, false}, rows);
    }
    l.heading(3, "Reached by one scenario only");
    if (doc.reached_once.empty()) {
        l.none_found();
    } else {
        if (!doc.coverage_from_sources)
            l.paragraph("From the recorded sites (no source analysis of every scenario): the sites one scenario alone reaches.");
        std::vector<std::vector<std::string>> rows;
        for (const CoverageFunction& f : doc.reached_once)
            rows.push_back({f.file.empty() ? "-" : md_code(relative(doc, f.file)),
                            md_code(reports::readable_types(f.function)) + (f.line ? " (line " + std::to_string(f.line) + ")" : ""),
                            f.only_scenario});
        l.table({"File", "Function", "Only scenario"}, {false, false, false}, rows);
    }

    l.heading(2, "Existing allocation infrastructure");
    l.paragraph("The wrappers and pools site attribution looks through (the built-in presets and the config's own "
                "`wrappers`), with the whole-run allocations per repetition whose stack passes through each.");
    std::string unused;
    size_t used = 0;
    for (const WrapperRow& w : doc.infrastructure) {
        if (std::all_of(w.allocations.begin(), w.allocations.end(), [](int64_t a) { return a == 0; }))
            unused += (unused.empty() ? "" : ", ") + w.group;
        else
            ++used;
    }
    if (used == 0) {
        l.none_found();
    } else {
        std::vector<std::vector<std::string>> rows;
        std::vector<std::string> header = {"Wrappers", "Patterns"};
        std::vector<bool> numeric = {false, false};
        for (const ScenarioBaseline& s : doc.scenarios) {
            header.push_back(s.name);
            numeric.push_back(true);
        }
        for (const WrapperRow& w : doc.infrastructure) {
            if (std::all_of(w.allocations.begin(), w.allocations.end(), [](int64_t a) { return a == 0; })) continue;
            std::string patterns;
            for (const std::string& p : w.patterns) patterns += (patterns.empty() ? "" : ", ") + md_code(p);
            std::vector<std::string> row = {w.group, patterns};
            for (size_t i = 0; i < n; ++i)
                row.push_back(w.allocations[i] == 0 ? "-"
                                                    : format_count(static_cast<uint64_t>(w.allocations[i])) + " (" +
                                                          format_percent(w.share[i]) + ")");
            rows.push_back(std::move(row));
        }
        l.table(header, numeric, rows);
    }
    if (!unused.empty()) l.paragraph("No scenario's stacks pass through: " + unused + ".");

    l.heading(2, "Next steps");
    l.list(doc.next_steps);
    return l;
}

// ---- markdown ---------------------------------------------------------------------------

std::string markdown(const Layout& l) {
    std::ostringstream out;
    for (const Block& b : l.blocks) {
        switch (b.kind) {
            case Block::Heading: out << std::string(static_cast<size_t>(b.level), '#') << " " << b.text << "\n\n"; break;
            case Block::Paragraph: out << b.text << "\n\n"; break;
            case Block::List:
                for (const std::string& i : b.items) out << "- " << i << "\n";
                out << "\n";
                break;
            case Block::Table: {
                out << "|";
                for (const std::string& h : b.items) out << " " << reports::md_cell(h) << " |";
                out << "\n|";
                for (size_t c = 0; c < b.items.size(); ++c) out << (b.numeric[c] ? "---:|" : "---|");
                out << "\n";
                for (const auto& row : b.rows) {
                    out << "|";
                    for (const std::string& cell : row) out << " " << reports::md_cell(cell) << " |";
                    out << "\n";
                }
                out << "\n";
                break;
            }
        }
    }
    std::string text = out.str();
    while (text.size() >= 2 && text.substr(text.size() - 2) == "\n\n") text.pop_back();
    return text;
}

// ---- HTML -------------------------------------------------------------------------------

// Markdown emphasis (**bold**) and code spans as HTML.
std::string inline_text(const std::string& text) {
    std::string out, rest = text;
    // Markdown's escaped asterisk (Gen0\*) is a plain one in HTML.
    for (size_t at; (at = rest.find("\\*")) != std::string::npos;) rest.erase(at, 1);
    for (;;) {
        const size_t open = rest.find("**");
        const size_t close = open == std::string::npos ? std::string::npos : rest.find("**", open + 2);
        if (close == std::string::npos) break;
        out += reports::html_inline(rest.substr(0, open)) + "<strong>" +
               reports::html_inline(rest.substr(open + 2, close - open - 2)) + "</strong>";
        rest = rest.substr(close + 2);
    }
    return out + reports::html_inline(rest);
}

std::string html(const Layout& l, const std::string& title) {
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
        << reports::html_escape(title) << "</title>\n<style>\n"
        << reports::html_stylesheet() << "\n</style>\n</head>\n<body data-ready=\"1\">\n<main>\n";
    for (const Block& b : l.blocks) {
        switch (b.kind) {
            case Block::Heading:
                out << "<h" << b.level << ">" << inline_text(b.text) << "</h" << b.level << ">\n";
                break;
            case Block::Paragraph: out << "<p>" << inline_text(b.text) << "</p>\n"; break;
            case Block::List:
                out << "<ul>\n";
                for (const std::string& i : b.items) out << "<li>" << inline_text(i) << "</li>\n";
                out << "</ul>\n";
                break;
            case Block::Table:
                out << "<table>\n<thead><tr>";
                for (size_t c = 0; c < b.items.size(); ++c)
                    out << "<th" << (b.numeric[c] ? " class=\"num\"" : "") << ">" << inline_text(b.items[c]) << "</th>";
                out << "</tr></thead>\n<tbody>\n";
                for (const auto& row : b.rows) {
                    out << "<tr>";
                    for (size_t c = 0; c < row.size(); ++c)
                        out << "<td" << (c < b.numeric.size() && b.numeric[c] ? " class=\"num\"" : "") << ">"
                            << inline_text(row[c]) << "</td>";
                    out << "</tr>\n";
                }
                out << "</tbody>\n</table>\n";
                break;
        }
    }
    out << "</main>\n</body>\n</html>\n";
    return out.str();
}

// ---- JSON -------------------------------------------------------------------------------

json gc_json(const std::vector<reports::GcRow>& gc) {
    json out = json::array();
    for (const reports::GcRow& g : gc)
        out.push_back({{"language", g.language}, {"generation", g.generation}, {"cycles", g.cycles}, {"per_1k_ops", g.per_1k_ops}});
    return out;
}

}  // namespace

std::string render_suite_markdown(const SuiteDocument& doc) { return markdown(layout_of(doc)) + "\n"; }

std::string render_suite_html(const SuiteDocument& doc) { return html(layout_of(doc), "Suite allocation report: " + doc.file); }

std::string render_suite_json(const SuiteDocument& doc) {
    json out;
    out["format"] = "allocprof-suite-report";
    out["format_version"] = kSuiteReportFormatVersion;
    out["file"] = doc.file;
    out["date"] = doc.date;
    out["tool_version"] = doc.tool_version;
    out["params"] = doc.analysis.params;
    out["summary"] = doc.summary;
    json scenarios = json::array();
    for (const ScenarioBaseline& s : doc.scenarios)
        scenarios.push_back({{"name", s.name},
                             {"runs", s.runs},
                             {"window", s.window},
                             {"ops", s.ops},
                             {"per_run", s.per_run},
                             {"ops_source", s.ops_source},
                             {"allocations", s.allocations},
                             {"bytes_allocated", s.bytes_allocated},
                             {"allocs_per_op", s.allocs_per_op},
                             {"bytes_per_op", s.bytes_per_op},
                             {"gen0_per_1k", s.gen0_per_1k},
                             {"gen0_star_per_1k", s.gen0_star_per_1k},
                             {"gc", gc_json(s.gc)},
                             {"dies_young_share", s.dies_young_share},
                             {"peak_live_bytes", s.peak_live_bytes},
                             {"unfreed_bytes", s.unfreed_bytes},
                             {"notes", s.notes}});
    out["baseline"] = scenarios;
    json sites = json::array();
    for (const SuiteSite& s : doc.sites) {
        json per = json::array();
        for (size_t i = 0; i < s.scenarios.size(); ++i) {
            const SiteInScenario& in = s.scenarios[i];
            per.push_back({{"scenario", doc.scenarios[i].name},
                           {"reached", in.reached},
                           {"allocations", in.allocations},
                           {"bytes_allocated", in.bytes_allocated},
                           {"allocs_per_op", in.allocs_per_op},
                           {"bytes_per_op", in.bytes_per_op},
                           {"allocs_share", in.allocs_share},
                           {"bytes_share", in.bytes_share},
                           {"gen0_share", in.gen0_share},
                           {"tier", in.tier}});
        }
        sites.push_back({{"position", s.position},
                         {"site_key", s.site_key},
                         {"module", s.module},
                         {"function", s.function},
                         {"file", s.file},
                         {"line", s.line},
                         {"description", s.description},
                         {"lifetime", s.lifetime},
                         {"allocs_share", s.allocs_share},
                         {"bytes_share", s.bytes_share},
                         {"gen0_share", s.gen0_share},
                         {"impact", s.impact},
                         {"impact_metric", s.impact_metric},
                         {"tier", s.tier},
                         {"rule", s.rule},
                         {"scenarios", per}});
    }
    out["sites"] = sites;
    json plan = json::array();
    for (const SuitePlanItem& p : doc.plan) {
        json per = json::array();
        for (size_t i = 0; i < p.scenarios.size(); ++i)
            per.push_back({{"scenario", doc.scenarios[i].name},
                           {"proposed", p.scenarios[i].proposed},
                           {"allocs_per_op", p.scenarios[i].allocs_per_op},
                           {"bytes_per_op", p.scenarios[i].bytes_per_op}});
        plan.push_back({{"priority", p.priority},
                        {"phase", p.phase},
                        {"target", p.target},
                        {"site_key", p.site_key},
                        {"site_position", p.site_position},
                        {"kind", p.kind},
                        {"risk", p.risk},
                        {"change", p.change},
                        {"alternatives", p.alternatives},
                        {"evidence", p.evidence},
                        {"allocs_share", p.allocs_share},
                        {"bytes_share", p.bytes_share},
                        {"scenarios", per}});
    }
    out["plan"] = plan;
    out["plan_left_out"] = doc.plan_left_out;
    auto functions = [](const std::vector<CoverageFunction>& list) {
        json a = json::array();
        for (const CoverageFunction& f : list)
            a.push_back({{"file", f.file},
                         {"function", f.function},
                         {"line", f.line},
                         {"constructs", f.constructs},
                         {"in_loops", f.in_loops},
                         {"kinds", f.kinds},
                         {"only_scenario", f.only_scenario}});
        return a;
    };
    out["coverage"] = {{"from_sources", doc.coverage_from_sources},
                       {"scenarios_with_sources", doc.scenarios_with_sources},
                       {"not_reached", functions(doc.not_reached)},
                       {"reached_by_one_scenario", functions(doc.reached_once)}};
    json infra = json::array();
    for (const WrapperRow& w : doc.infrastructure)
        infra.push_back({{"group", w.group}, {"patterns", w.patterns}, {"allocations", w.allocations}, {"share", w.share}});
    out["infrastructure"] = infra;
    auto apart = [](const reports::RuntimeSummary& r) {
        return json{{"sites", r.sites},
                    {"modules", r.modules},
                    {"startup_modules", r.startup_modules},
                    {"allocations", r.allocations},
                    {"bytes_allocated", r.bytes_allocated},
                    {"unfreed_bytes", r.unfreed_bytes}};
    };
    out["runtime"] = apart(doc.runtime);
    out["suppressed"] = apart(doc.suppressed);
    out["next_steps"] = doc.next_steps;
    return out.dump(2) + "\n";
}

}  // namespace allocprof::suite
