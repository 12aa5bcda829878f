// compare_ab_render.cpp — see compare_ab_render.h. Renders only; every number comes from the
// AbComparison.
#include "compare/compare_ab_render.h"

#include <cmath>
#include <sstream>

#include "schema/units.h"

namespace allocprof::compare {

using nlohmann::json;

namespace {

constexpr const char* kMissing = "—";

bool integral(double v) { return std::fabs(v - std::round(v)) < 1e-9; }

// A count or a byte figure as the other commands write it; a mean that is not whole as a rate.
std::string value_text(double v, bool bytes, bool per_op) {
    if (bytes) return units::format_bytes(v);
    if (per_op || !integral(v)) return units::format_rate(v);
    return units::format_count(static_cast<int64_t>(std::llround(v)));
}

std::string value_cell(const std::optional<double>& v, bool bytes, bool per_op) {
    return v ? value_text(*v, bytes, per_op) : kMissing;
}

std::string change_cell(const AbChange& c, bool bytes, bool per_op) {
    if (!c.change) return kMissing;
    if (*c.change == 0) return "0";
    std::string s = (*c.change > 0 ? "+" : "-") + value_text(std::fabs(*c.change), bytes, per_op);
    s += c.percent ? " (" + units::format_change(*c.percent / 100.0) + ")" : " (from 0)";
    return s;
}

std::string window_text(const AbWindow& w) {
    std::string t = w.name.empty() ? "run" : "phase " + w.name;
    if (w.a_per_run || w.b_per_run) t += " (per-op figures per run)";
    return t;
}

std::string scenario_label(const std::string& name) {
    return name.empty() ? "(no scenario)" : name;
}

std::string escape_cell(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '|')
            out += "\\|";
        else if (ch == '\n')
            out += ' ';
        else
            out += ch;
    }
    return out;
}

std::string site_text(const AbSite& s) {
    const SiteAggregate& site = s.b ? *s.b : *s.a;
    std::string t = "`" + site.function + "`";
    if (!site.file.empty()) t += " " + site.file + ":" + std::to_string(site.line);
    std::string module = site.module;
    if (s.a && s.b && s.a->module != s.b->module) module = s.a->module + " / " + s.b->module;
    t += " (" + module + ")";
    if (!s.a) t += ", only in B";
    if (!s.b) t += ", only in A";
    if (s.paired_by == "function_key") t += ", line moved";
    return t;
}

std::string plural(size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

void scenario_markdown(std::ostringstream& md, const AbScenario& s, size_t top_sites) {
    md << "### " << escape_cell(scenario_label(s.name)) << ": " << plural(s.a_runs, "run", "runs")
       << " in A, " << plural(s.b_runs, "run", "runs") << " in B\n\n";
    md << "| Window | Figure | A | B | B − A |\n|---|---|---|---|---|\n";
    for (const AbWindow& w : s.windows) {
        bool first = true;
        for (AbFigure f : kAbFigures) {
            const AbChange& c = w.figures[static_cast<size_t>(f)];
            const bool bytes = ab_figure_is_bytes(f);
            const bool per_op = f == AbFigure::kAllocsPerOp || f == AbFigure::kBytesPerOp;
            md << "| " << (first ? escape_cell(window_text(w)) : "") << " | " << ab_figure_label(f)
               << " | " << value_cell(c.a, bytes, per_op) << " | " << value_cell(c.b, bytes, per_op)
               << " | " << change_cell(c, bytes, per_op) << " |\n";
            first = false;
        }
    }
    md << "\n#### The sites that differ most\n\n";
    const size_t total = s.sites_paired + s.sites_only_in_a + s.sites_only_in_b;
    md << s.sites_differing << " of " << plural(total, "site", "sites") << " differ ("
       << s.sites_paired << " paired, " << s.sites_only_in_a << " only in A, " << s.sites_only_in_b
       << " only in B)";
    if (s.sites.empty()) {
        md << ".\n\n";
        return;
    }
    md << "; "
       << (s.sites_differing > top_sites ? "the top " + std::to_string(s.sites.size())
                                         : "all of them")
       << ", by the change in bytes allocated (whole run):\n\n";
    md << "| Site | Allocations A | Allocations B | Bytes A | Bytes B | B − A bytes "
          "|\n|---|---|---|---|---|---|\n";
    for (const AbSite& site : s.sites)
        md << "| " << escape_cell(site_text(site)) << " | "
           << value_cell(site.allocations.a, false, false) << " | "
           << value_cell(site.allocations.b, false, false) << " | "
           << value_cell(site.bytes_allocated.a, true, false) << " | "
           << value_cell(site.bytes_allocated.b, true, false) << " | "
           << change_cell(site.bytes_allocated, true, false) << " |\n";
    md << "\n";
}

json number_or_null(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json change_json(const AbChange& c) {
    return {{"a", number_or_null(c.a)},
            {"b", number_or_null(c.b)},
            {"change", number_or_null(c.change)},
            {"percent", number_or_null(c.percent)}};
}

json site_json(const std::optional<SiteAggregate>& s) {
    if (!s) return nullptr;
    return {{"site_key", json::parse(s->site_key, nullptr, false)},
            {"function_key", json::parse(s->function_key, nullptr, false)},
            {"module", s->module},
            {"function", s->function},
            {"file", s->file},
            {"line", s->line},
            {"allocations", s->allocations.mean},
            {"bytes_allocated", s->bytes_allocated.mean}};
}

json scenario_json(const AbScenario& s) {
    json windows = json::array();
    for (const AbWindow& w : s.windows) {
        json figures = json::object();
        for (AbFigure f : kAbFigures)
            figures[ab_figure_name(f)] = change_json(w.figures[static_cast<size_t>(f)]);
        windows.push_back({{"window", w.name},
                           {"a_per_run", w.a_per_run},
                           {"b_per_run", w.b_per_run},
                           {"figures", figures}});
    }
    json sites = json::array();
    for (const AbSite& site : s.sites)
        sites.push_back({{"paired_by", site.paired_by},
                         {"a", site_json(site.a)},
                         {"b", site_json(site.b)},
                         {"allocations", change_json(site.allocations)},
                         {"bytes_allocated", change_json(site.bytes_allocated)}});
    return {{"name", s.name},
            {"a_runs", s.a_runs},
            {"b_runs", s.b_runs},
            {"windows", windows},
            {"sites_paired", s.sites_paired},
            {"sites_only_in_a", s.sites_only_in_a},
            {"sites_only_in_b", s.sites_only_in_b},
            {"sites_differing", s.sites_differing},
            {"sites", sites}};
}

}  // namespace

std::string compare_ab_markdown(const AbComparison& c) {
    std::ostringstream md;
    md << "**allocprof compare --ab**: A `" << c.a_path << "`, B `" << c.b_path
       << "`; heap needed under the " << c.model.name() << " allocator model ("
       << c.model.describe() << ").\n\n";
    if (c.scenarios.empty()) md << "No scenario in both files.\n\n";
    for (const AbScenario& s : c.scenarios) scenario_markdown(md, s, c.top_sites);
    for (const auto& n : c.only_in_a) md << "- scenario " << scenario_label(n) << ": only in A\n";
    for (const auto& n : c.only_in_b) md << "- scenario " << scenario_label(n) << ": only in B\n";
    if (!c.only_in_a.empty() || !c.only_in_b.empty()) md << "\n";
    if (!c.notes.empty()) {
        md << "### Notes\n\n";
        for (const auto& n : c.notes) md << "- " << n << "\n";
        md << "\n";
    }
    md << "<sub>Each figure is the mean over a scenario's runs; heap needed is a window's most "
          "under the model, where blocks sit (fragmentation) not modelled. Sites pair by site "
          "key, then by function key; the main executable pairs with the other file's whatever "
          "its name, a library by its file name.</sub>\n";
    return md.str();
}

json compare_ab_json(const AbComparison& c) {
    json j;
    j["format"] = "allocprof-compare-ab";
    j["format_version"] = 1;
    j["a"] = c.a_path;
    j["b"] = c.b_path;
    j["allocator"] = c.model.to_json();
    j["top_sites"] = c.top_sites;
    j["scenarios"] = json::array();
    for (const AbScenario& s : c.scenarios) j["scenarios"].push_back(scenario_json(s));
    j["only_in_a"] = c.only_in_a;
    j["only_in_b"] = c.only_in_b;
    j["notes"] = c.notes;
    return j;
}

}  // namespace allocprof::compare
