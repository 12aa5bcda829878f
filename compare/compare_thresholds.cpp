// compare_thresholds.cpp — see compare_thresholds.h.
#include "compare/compare_thresholds.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "schema/units.h"

namespace allocprof::compare {

using nlohmann::json;

namespace {

struct MetricInfo {
    const char* name;
    const char* label;
    bool bytes;
};

constexpr MetricInfo kInfo[kMetricCount] = {
    {"allocs_per_op", "Allocs/op", false},
    {"bytes_per_op", "B/op", true},
    {"gen0_star_per_1k", "Gen0*/1k", false},
    {"peak_live_bytes", "Peak live", true},
    {"unfreed_bytes", "Unfreed", true},
};

std::string metric_list() {
    std::string s;
    for (const auto& i : kInfo) s += std::string(s.empty() ? "" : ", ") + i.name;
    return s;
}

// Parses a whole string as a finite non-negative number.
std::optional<double> parse_number(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(v) || v < 0) return std::nullopt;
    return v;
}

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", v);
    return buf;
}

}  // namespace

const char* metric_name(Metric m) { return kInfo[static_cast<size_t>(m)].name; }
const char* metric_label(Metric m) { return kInfo[static_cast<size_t>(m)].label; }
bool metric_is_bytes(Metric m) { return kInfo[static_cast<size_t>(m)].bytes; }

std::optional<Metric> metric_from_name(const std::string& name) {
    for (Metric m : kMetrics)
        if (name == metric_name(m)) return m;
    return std::nullopt;
}

double Threshold::of(double old_value) const { return std::max(relative * std::fabs(old_value), absolute); }

std::string Threshold::describe(Metric m) const {
    std::string rel = number_text(relative * 100) + "%";
    if (absolute == 0) return rel;
    return "max(" + rel + ", " + number_text(absolute) + (metric_is_bytes(m) ? " B" : "") + ")";
}

Thresholds::Thresholds() {
    (*this)[Metric::kAllocsPerOp] = {0.01, 0.001};
    (*this)[Metric::kBytesPerOp] = {0.01, 8};
    (*this)[Metric::kGen0StarPer1k] = {0.01, 0};
    (*this)[Metric::kPeakLiveBytes] = {0.01, 4096};
    (*this)[Metric::kUnfreedBytes] = {0.01, 1024};
}

void Thresholds::apply(const std::string& spec, const std::string& where) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos)
        throw GateError(where + ": '" + spec + "' is not METRIC=REL[,ABS] (e.g. allocs_per_op=1%,0.001)");
    const std::string name = spec.substr(0, eq);
    auto metric = metric_from_name(name);
    if (!metric) throw GateError(where + ": unknown metric '" + name + "' (known: " + metric_list() + ")");
    std::string rest = spec.substr(eq + 1);
    std::string rel_text = rest, abs_text;
    if (size_t comma = rest.find(','); comma != std::string::npos) {
        rel_text = rest.substr(0, comma);
        abs_text = rest.substr(comma + 1);
    }
    if (!rel_text.empty() && rel_text.back() == '%') rel_text.pop_back();
    auto rel = parse_number(rel_text);
    if (!rel)
        throw GateError(where + ": " + name + ": the relative part must be a percentage like 1% , not '" +
                        rest + "'");
    Threshold t{*rel / 100.0, 0};
    if (!abs_text.empty()) {
        auto abs = parse_number(abs_text);
        if (!abs)
            throw GateError(where + ": " + name + ": the absolute floor must be a non-negative number, not '" +
                            abs_text + "'");
        t.absolute = *abs;
    }
    (*this)[*metric] = t;
}

void Thresholds::apply_json(const json& object, const std::string& where) {
    if (!object.is_object()) throw GateError(where + ": must be an object {\"METRIC\": \"REL[,ABS]\"}");
    for (const auto& item : object.items()) {
        if (!item.value().is_string())
            throw GateError(where + "." + item.key() + ": must be a string \"REL[,ABS]\" like \"1%,0.001\"");
        apply(item.key() + "=" + item.value().get<std::string>(), where);
    }
}

json Thresholds::to_json() const {
    json j = json::object();
    for (Metric m : kMetrics) j[metric_name(m)] = {{"relative", (*this)[m].relative}, {"absolute", (*this)[m].absolute}};
    return j;
}

std::vector<Budget> parse_budgets(const json& array, const std::string& where) {
    if (!array.is_array()) throw GateError(where + ": must be an array of budgets");
    std::vector<Budget> budgets;
    for (size_t i = 0; i < array.size(); ++i) {
        const json& b = array[i];
        const std::string at = where + "[" + std::to_string(i) + "]";
        if (!b.is_object()) throw GateError(at + ": a budget must be an object");
        Budget budget;
        budget.source = b;
        for (const auto& item : b.items()) {
            const std::string& key = item.key();
            const json& v = item.value();
            if (key == "scenario" || key == "phase") {
                if (!v.is_string()) throw GateError(at + "." + key + ": must be a string");
                (key == "scenario" ? budget.scenario : budget.phase) = v.get<std::string>();
            } else if (key == "metric") {
                if (!v.is_string()) throw GateError(at + ".metric: must be a string");
                budget.metric = metric_from_name(v.get<std::string>());
                if (!budget.metric)
                    throw GateError(at + ".metric: unknown metric '" + v.get<std::string>() +
                                    "' (known: " + metric_list() + ")");
            } else if (key == "max") {
                if (!v.is_number()) throw GateError(at + ".max: must be a number");
                budget.max = v.get<double>();
            } else if (key == "no_new_critical_sites") {
                if (!v.is_boolean()) throw GateError(at + ".no_new_critical_sites: must be true or false");
                budget.no_new_critical_sites = v.get<bool>();
            } else {
                throw GateError(at + ": unknown key '" + key +
                                "' (known: scenario, phase, metric, max, no_new_critical_sites)");
            }
        }
        if (budget.no_new_critical_sites) {
            if (budget.metric || b.contains("max") || budget.phase)
                throw GateError(at + ": no_new_critical_sites takes no metric, phase or max");
        } else {
            if (!budget.metric) throw GateError(at + ": a budget needs \"metric\" (or \"no_new_critical_sites\": true)");
            if (!b.contains("max")) throw GateError(at + ": a budget needs \"max\"");
        }
        budgets.push_back(std::move(budget));
    }
    return budgets;
}

std::vector<Budget> load_budget_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw GateError(path + ": cannot read the budget file");
    json doc;
    try {
        doc = json::parse(in);
    } catch (const json::parse_error& e) {
        throw GateError(path + ": not valid JSON: " + e.what());
    }
    if (!doc.is_object() || !doc.contains("budgets"))
        throw GateError(path + ": a budget file is an object {\"budgets\": [...]}");
    for (const auto& item : doc.items())
        if (item.key() != "budgets") throw GateError(path + ": unknown key '" + item.key() + "' (known: budgets)");
    return parse_budgets(doc["budgets"], path + ": budgets");
}

std::string format_metric(Metric m, double value) {
    char buf[48];
    if (metric_is_bytes(m) && std::fabs(value) >= 1024) {
        std::string s = units::format_bytes(static_cast<uint64_t>(std::llround(std::fabs(value))));
        return value < 0 ? "-" + s : s;
    }
    std::snprintf(buf, sizeof(buf), "%.4g", value);
    std::string s = buf;
    if (s == "-0") s = "0";
    return metric_is_bytes(m) ? s + " B" : s;
}

}  // namespace allocprof::compare
