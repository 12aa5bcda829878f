// compare_render.cpp — see compare_render.h. Renders only; every number comes from the
// Comparison.
#include "compare/compare_render.h"

#include "schema/units.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace allocprof::compare {

using nlohmann::json;

namespace {

constexpr size_t kMarkdownSitesPerSection = 20;

std::string percent_text(const MetricDelta& d) {
    if (!d.percent) return d.delta == 0 ? "" : " (new)";
    return " (" + units::format_change(*d.percent / 100.0) + ")";
}

std::string signed_metric(Metric m, double v) {
    std::string s = format_metric(m, v);
    return v > 0 ? "+" + s : s;
}

std::string cell(Metric m, const MetricDelta& d) {
    if (d.delta == 0) return format_metric(m, d.new_value);
    std::string s = format_metric(m, d.old_value) + " → " + format_metric(m, d.new_value) + percent_text(d);
    if (d.regression) s = "**" + s + "** ❌";
    else if (d.improvement) s += " ✅";
    return s;
}

std::string scenario_label(const std::string& name) { return name.empty() ? "(no scenario)" : name; }

std::string site_text(const SiteAggregate& s) {
    std::string t = "`" + s.function + "`";
    if (!s.file.empty()) t += " " + s.file + ":" + std::to_string(s.line);
    return t + " (" + s.module + ")";
}

std::string escape_cell(std::string s) {
    std::string out;
    for (char ch : s) {
        if (ch == '|') out += "\\|";
        else if (ch == '\n') out += ' ';
        else out += ch;
    }
    return out;
}

json site_json(const std::optional<SiteAggregate>& s) {
    if (!s) return nullptr;
    return {{"site_key", json::parse(s->site_key, nullptr, false)},
            {"function_key", json::parse(s->function_key, nullptr, false)},
            {"module", s->module}, {"function", s->function}, {"file", s->file}, {"line", s->line},
            {"tier", s->tier}, {"allocs_per_op", s->allocs_per_op.mean}, {"bytes_per_op", s->bytes_per_op.mean},
            {"gen0_star_per_1k", s->gen0_star_per_1k.mean}};
}

json delta_json(const MetricDelta& d) {
    return {{"old", d.old_value}, {"new", d.new_value}, {"delta", d.delta},
            {"percent", d.percent ? json(*d.percent) : json(nullptr)}, {"noise", d.noise},
            {"threshold", d.threshold}, {"regression", d.regression}, {"improvement", d.improvement}};
}

}  // namespace

std::string verdict_line(const Comparison& c) {
    const size_t r = c.regressions(), b = c.budgets_exceeded();
    std::string line;
    if (!c.failed()) {
        line = "✅ **allocprof compare: no regression**";
    } else {
        line = "❌ **allocprof compare: ";
        if (r) line += std::to_string(r) + (r == 1 ? " regression" : " regressions");
        if (r && b) line += ", ";
        if (b) line += std::to_string(b) + (b == 1 ? " budget exceeded" : " budgets exceeded");
        line += "**";
    }
    line += " — " + std::to_string(c.scenarios.size()) + (c.scenarios.size() == 1 ? " scenario" : " scenarios") +
            " compared, " + std::to_string(c.sites.size()) + (c.sites.size() == 1 ? " site change" : " site changes");
    return line;
}

std::string compare_markdown(const Comparison& c) {
    std::ostringstream md;
    md << verdict_line(c) << "\n\n";
    md << "Base `" << c.base_path << "` → head `" << c.head_path << "`; B0 = " << c.params.gen0_budget
       << " B, L = " << c.params.large_object_threshold << " B.\n\n";

    md << "### Scenarios\n\n";
    if (c.scenarios.empty()) {
        md << "No scenario in both files.\n\n";
    } else {
        md << "| Scenario | Window | Runs | Allocs/op | B/op | Gen0*/1k | Peak live | Unfreed |\n";
        md << "|---|---|---|---|---|---|---|---|\n";
        for (const auto& s : c.scenarios) {
            md << "| " << escape_cell(scenario_label(s.name)) << (s.regression ? " ❌" : "") << " | " << s.window
               << (s.per_run ? " (per run)" : "") << " | " << s.base_runs << " → " << s.head_runs;
            for (Metric m : kMetrics) md << " | " << cell(m, s.metrics[static_cast<size_t>(m)]);
            md << " |\n";
        }
        md << "\n";
    }
    if (!c.only_in_base.empty() || !c.only_in_head.empty()) {
        for (const auto& n : c.only_in_base) md << "- scenario " << scenario_label(n) << ": only in base (not run in head)\n";
        for (const auto& n : c.only_in_head) md << "- scenario " << scenario_label(n) << ": new in head (no baseline)\n";
        md << "\n";
    }

    md << "### Site changes\n\n";
    if (c.sites.empty()) md << "None.\n\n";
    struct Section {
        const char* kind;
        const char* title;
    };
    const Section sections[] = {{"new", "New sites"},
                                {"regressed", "Regressed sites"},
                                {"tier", "Tier moves"},
                                {"improved", "Improved sites"},
                                {"vanished", "Vanished sites"}};
    for (const Section& sec : sections) {
        size_t shown = 0, total = 0;
        for (const auto& s : c.sites) total += s.kind == sec.kind;
        if (total == 0) continue;
        md << "#### " << sec.title << "\n\n";
        md << "| Scenario | Site | Δ allocs/op | Δ B/op | Δ Gen0*/1k | Tier |\n|---|---|---|---|---|---|\n";
        for (const auto& s : c.sites) {
            if (s.kind != sec.kind) continue;
            if (++shown > kMarkdownSitesPerSection) break;
            const SiteAggregate& site = s.head ? *s.head : *s.base;
            std::string tier = s.base && s.head ? (s.base->tier == s.head->tier ? s.head->tier
                                                                                 : s.base->tier + " → " + s.head->tier)
                                                : site.tier;
            md << "| " << escape_cell(scenario_label(s.scenario)) << " | " << escape_cell(site_text(site))
               << (s.paired_by == "function_key" ? " (line moved)" : "") << " | "
               << signed_metric(Metric::kAllocsPerOp, s.allocs_per_op.delta) << " ("
               << format_metric(Metric::kAllocsPerOp, s.allocs_per_op.old_value) << " → "
               << format_metric(Metric::kAllocsPerOp, s.allocs_per_op.new_value) << ")"
               << (s.allocs_per_op.regression ? " ❌" : "") << " | "
               << signed_metric(Metric::kBytesPerOp, s.bytes_per_op.delta) << (s.bytes_per_op.regression ? " ❌" : "")
               << " | " << signed_metric(Metric::kGen0StarPer1k, s.gen0_star_per_1k.delta) << " | " << tier << " |\n";
        }
        if (total > kMarkdownSitesPerSection)
            md << "\n…and " << total - kMarkdownSitesPerSection << " more (see `--format json`).\n";
        md << "\n";
    }
    if (c.paired_by_function)
        md << c.paired_by_function << " site(s) matched by function after their line moved.\n\n";

    md << "### Budgets\n\n";
    if (c.budgets.empty()) md << "None set.\n";
    for (const auto& b : c.budgets) md << "- " << (b.ok ? "✅ " : "❌ ") << escape_cell(b.message) << "\n";
    md << "\n";
    if (!c.notes.empty()) {
        md << "### Notes\n\n";
        for (const auto& n : c.notes) md << "- " << n << "\n";
        md << "\n";
    }
    md << "<sub>A metric regresses when its rise exceeds both its threshold and the noise of repeated runs "
          "(2 × standard error of the difference). Thresholds: ";
    bool first = true;
    for (Metric m : kMetrics) {
        md << (first ? "" : "; ") << metric_label(m) << " " << c.thresholds[m].describe(m);
        first = false;
    }
    md << ". Sites pair by site key, then by function key (a moved line keeps its site); "
          "the main executable pairs with the other file's whatever its name, a library by its file name.</sub>\n";
    return md.str();
}

json compare_json(const Comparison& c) {
    json j;
    j["format"] = "allocprof-compare";
    j["format_version"] = 1;
    j["verdict"] = c.failed() ? "regression" : "ok";
    j["summary"] = verdict_line(c);
    j["base"] = c.base_path;
    j["head"] = c.head_path;
    j["parameters"] = {{"gen0_budget", c.params.gen0_budget}, {"large_object_threshold", c.params.large_object_threshold}};
    j["thresholds"] = c.thresholds.to_json();
    j["regressions"] = c.regressions();
    j["budgets_exceeded"] = c.budgets_exceeded();
    j["scenarios"] = json::array();
    for (const auto& s : c.scenarios) {
        json metrics = json::object();
        for (Metric m : kMetrics) metrics[metric_name(m)] = delta_json(s.metrics[static_cast<size_t>(m)]);
        j["scenarios"].push_back({{"name", s.name}, {"window", s.window}, {"base_runs", s.base_runs},
                                  {"head_runs", s.head_runs}, {"per_run", s.per_run},
                                  {"regression", s.regression}, {"metrics", metrics}});
    }
    j["only_in_base"] = c.only_in_base;
    j["only_in_head"] = c.only_in_head;
    j["sites"] = json::array();
    for (const auto& s : c.sites)
        j["sites"].push_back({{"scenario", s.scenario}, {"kind", s.kind}, {"paired_by", s.paired_by},
                              {"regression", s.regression}, {"tier_moved", s.tier_moved},
                              {"base", site_json(s.base)}, {"head", site_json(s.head)},
                              {"delta", {{"allocs_per_op", delta_json(s.allocs_per_op)},
                                         {"bytes_per_op", delta_json(s.bytes_per_op)},
                                         {"gen0_star_per_1k", delta_json(s.gen0_star_per_1k)}}}});
    j["paired_by_function"] = c.paired_by_function;
    j["budgets"] = json::array();
    for (const auto& b : c.budgets)
        j["budgets"].push_back({{"budget", b.budget.source}, {"scenario", b.scenario}, {"ok", b.ok}, {"message", b.message}});
    j["notes"] = c.notes;
    return j;
}

}  // namespace allocprof::compare
