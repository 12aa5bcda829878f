// compare_diff.cpp — see compare_diff.h.
#include "compare/compare_diff.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace allocprof::compare {

using analyzers::MeasuredWindow;
using analyzers::measured_window;

using nlohmann::json;

namespace {

MetricDelta delta_of(const Sample& b, const Sample& h, const Threshold& t) {
    MetricDelta d;
    d.old_value = b.mean;
    d.new_value = h.mean;
    d.delta = h.mean - b.mean;
    if (b.mean != 0) d.percent = 100.0 * d.delta / std::fabs(b.mean);
    const double nb = b.n ? static_cast<double>(b.n) : 1, nh = h.n ? static_cast<double>(h.n) : 1;
    d.noise = 2 * std::sqrt(b.sd * b.sd / nb + h.sd * h.sd / nh);
    d.threshold = t.of(b.mean);
    d.regression = d.delta > d.threshold && d.delta > d.noise;
    d.improvement = -d.delta > d.threshold && -d.delta > d.noise;
    return d;
}

std::string window_label(const MeasuredWindow& w) {
    if (!w.measure_phase.empty()) return "phase " + w.measure_phase;
    if (!w.warmup_phase.empty()) return "run without " + w.warmup_phase;
    return "run";
}

// The values of `runs`' measured windows, per metric; runs without the window are skipped.
struct WindowSamples {
    std::array<Sample, kMetricCount> metric;
    size_t runs = 0;
    bool per_run = false;
    std::string missing;  // why runs were skipped
};

WindowSamples window_samples(schema::Database& db, const std::vector<int64_t>& runs, const MeasuredWindow& w,
                             uint64_t gen0_budget) {
    WindowSamples out;
    std::array<std::vector<double>, kMetricCount> values;
    for (int64_t run : runs) {
        std::string why;
        auto v = window_values(db, run, w, gen0_budget, &why);
        if (!v) {
            out.missing = why;
            continue;
        }
        ++out.runs;
        out.per_run |= v->per_run;
        for (size_t i = 0; i < kMetricCount; ++i) values[i].push_back(v->value[i]);
    }
    for (size_t i = 0; i < kMetricCount; ++i) out.metric[i] = sample_of(values[i]);
    return out;
}

int kind_order(const std::string& kind) {
    static const char* order[] = {"new", "regressed", "tier", "improved", "vanished"};
    for (int i = 0; i < 5; ++i)
        if (kind == order[i]) return i;
    return 5;
}

void compare_sites(const std::string& scenario, std::vector<SiteAggregate> base, std::vector<SiteAggregate> head,
                   const Thresholds& t, Comparison& out) {
    const Threshold& ta = t[Metric::kAllocsPerOp];
    const Threshold& tb = t[Metric::kBytesPerOp];
    const Threshold& tg = t[Metric::kGen0StarPer1k];
    const SitePairing pairing = pair_sites(base, head);
    const std::vector<int>& base_pair = pairing.head_of_base;
    const std::vector<int>& head_pair = pairing.base_of_head;
    const std::vector<bool>& by_function = pairing.by_function;
    out.paired_by_function += pairing.paired_by_function;
    const Sample zero{0, 0, 0};
    std::vector<SiteChange> changes;
    for (size_t j = 0; j < head.size(); ++j) {
        SiteChange c;
        c.scenario = scenario;
        c.head = head[j];
        const SiteAggregate* b = head_pair[j] >= 0 ? &base[static_cast<size_t>(head_pair[j])] : nullptr;
        if (b) c.base = *b;
        c.allocs_per_op = delta_of(b ? b->allocs_per_op : zero, head[j].allocs_per_op, ta);
        c.bytes_per_op = delta_of(b ? b->bytes_per_op : zero, head[j].bytes_per_op, tb);
        c.gen0_star_per_1k = delta_of(b ? b->gen0_star_per_1k : zero, head[j].gen0_star_per_1k, tg);
        c.regression = c.allocs_per_op.regression || c.bytes_per_op.regression;
        if (!b) {
            c.kind = "new";
        } else {
            c.paired_by = by_function[j] ? "function_key" : "site_key";
            c.tier_moved = b->tier != head[j].tier;
            if (c.regression)
                c.kind = "regressed";
            else if (c.tier_moved)
                c.kind = "tier";
            else if (c.allocs_per_op.improvement || c.bytes_per_op.improvement)
                c.kind = "improved";
            else
                continue;
        }
        changes.push_back(std::move(c));
    }
    for (size_t i = 0; i < base.size(); ++i) {
        if (base_pair[i] >= 0) continue;
        SiteChange c;
        c.scenario = scenario;
        c.kind = "vanished";
        c.base = base[i];
        c.allocs_per_op = delta_of(base[i].allocs_per_op, zero, ta);
        c.bytes_per_op = delta_of(base[i].bytes_per_op, zero, tb);
        c.gen0_star_per_1k = delta_of(base[i].gen0_star_per_1k, zero, tg);
        changes.push_back(std::move(c));
    }
    std::stable_sort(changes.begin(), changes.end(), [](const SiteChange& x, const SiteChange& y) {
        if (kind_order(x.kind) != kind_order(y.kind)) return kind_order(x.kind) < kind_order(y.kind);
        if (std::fabs(x.allocs_per_op.delta) != std::fabs(y.allocs_per_op.delta))
            return std::fabs(x.allocs_per_op.delta) > std::fabs(y.allocs_per_op.delta);
        return std::fabs(x.bytes_per_op.delta) > std::fabs(y.bytes_per_op.delta);
    });
    for (auto& c : changes) out.sites.push_back(std::move(c));
}

std::string site_name(const SiteAggregate& s) {
    std::string name = s.function;
    if (!s.file.empty()) name += " (" + s.file + ":" + std::to_string(s.line) + ")";
    return name;
}

// The sites of a scenario that make most of a per-op metric in the window: " — most from
// f (file:line) 12.0, ..."; in a measured phase from analysis_window_sites, else the whole
// run's site figures (said so); "" for peak live and unfreed, which sites do not sum to.
std::string top_sites(schema::Database& db, const std::vector<int64_t>& runs, Metric m, const MeasuredWindow& w,
                      uint64_t gen0_budget) {
    if (m != Metric::kAllocsPerOp && m != Metric::kBytesPerOp && m != Metric::kGen0StarPer1k) return "";
    std::map<std::string, std::pair<std::string, double>> by_key;  // site key -> (name, value summed over runs)
    bool in_window = !w.measure_phase.empty() && db.has_table("analysis_window_sites");
    if (in_window) {
        auto s = db.prepare(
            "SELECT s.site_key, s.function, s.file, s.line, ws.allocations, ws.bytes_allocated, ws.nursery_bytes, "
            "aw.ops FROM analysis_window_sites ws JOIN sites s ON s.run_id = ws.run_id AND s.site_id = ws.site_id "
            "JOIN analysis_windows aw ON aw.run_id = ws.run_id AND aw.window = ws.window "
            "WHERE ws.run_id = ? AND ws.window = ?");
        for (int64_t run : runs) {
            s.bind_all(run, w.measure_phase);
            while (s.step()) {
                const bool per_run = s.int64(7) <= 0;
                const double ops = per_run ? 1.0 : static_cast<double>(s.int64(7));
                const double v = m == Metric::kAllocsPerOp ? static_cast<double>(s.int64(4)) / ops
                                 : m == Metric::kBytesPerOp
                                     ? static_cast<double>(s.int64(5)) / ops
                                     : (per_run ? 1.0 : 1000.0) * static_cast<double>(s.int64(6)) /
                                           (ops * static_cast<double>(gen0_budget ? gen0_budget : 1));
                std::string name = s.text(1);
                if (!s.text(2).empty()) name += " (" + s.text(2) + ":" + std::to_string(s.int64(3)) + ")";
                auto& entry = by_key[s.text(0)];
                entry.first = name;
                entry.second += v / static_cast<double>(runs.size());
            }
            s.reset();
        }
    } else {
        for (const SiteAggregate& a : scenario_sites(db, runs))
            by_key[a.site_key] = {site_name(a), m == Metric::kAllocsPerOp  ? a.allocs_per_op.mean
                                                : m == Metric::kBytesPerOp ? a.bytes_per_op.mean
                                                                           : a.gen0_star_per_1k.mean};
    }
    std::vector<std::pair<std::string, double>> sites;
    for (auto& [key, entry] : by_key) sites.push_back(std::move(entry));
    std::stable_sort(sites.begin(), sites.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    std::string out;
    for (size_t i = 0; i < sites.size() && i < 3 && sites[i].second > 0; ++i)
        out += (out.empty() ? " — most from " : ", ") + sites[i].first + " " + format_metric(m, sites[i].second);
    return out.empty() || in_window ? out : out + " (whole-run figures)";
}

// The metric budgets of `budgets` on `db`'s scenarios; no_new_critical_sites from `sites`
// (the comparison's site changes), or, without a baseline (`sites` null), not checked.
std::vector<BudgetResult> check_budgets(schema::Database& db, const std::vector<Budget>& budgets, uint64_t gen0_budget,
                                        const std::vector<SiteChange>* sites) {
    std::vector<BudgetResult> out;
    const std::vector<ScenarioRuns> scenarios = scenarios_of(db);
    const json meta = stored_suite_meta(db);
    for (const Budget& b : budgets) {
        const std::string quoted = b.source.dump();
        if (b.no_new_critical_sites) {
            BudgetResult r{b, b.scenario.value_or(""), true, ""};
            if (sites == nullptr) {
                r.message = "budget " + quoted + " not checked: it needs a baseline (allocprof compare BASE.db " +
                            db.path() + ")";
                out.push_back(std::move(r));
                continue;
            }
            for (const SiteChange& c : *sites) {
                if (b.scenario && c.scenario != *b.scenario) continue;
                if (!c.head || c.head->tier != "critical") continue;
                if (c.base && c.base->tier == "critical") continue;
                r.ok = false;
                r.message += std::string(r.message.empty() ? "" : "; ") + "scenario " + c.scenario + ": " +
                             (c.base ? "site now critical (was " + c.base->tier + "): " : "new critical site: ") +
                             site_name(*c.head);
            }
            if (r.ok) r.message = "no new critical site";
            r.message = "budget " + quoted + ": " + r.message;
            out.push_back(std::move(r));
            continue;
        }
        bool found = false;
        for (const ScenarioRuns& sc : scenarios) {
            if (b.scenario && sc.name != *b.scenario) continue;
            found = true;
            MeasuredWindow w = b.phase ? MeasuredWindow{*b.phase, ""} : measured_window(meta, sc.name);
            WindowSamples ws = window_samples(db, sc.runs, w, gen0_budget);
            BudgetResult r{b, sc.name, true, ""};
            const std::string where = "scenario " + sc.name + ", " + window_label(w);
            if (ws.runs == 0) {
                r.ok = false;
                r.message = "budget " + quoted + " cannot be checked: " + where + ": " + ws.missing;
            } else {
                const double v = ws.metric[static_cast<size_t>(*b.metric)].mean;
                r.ok = !(v > b.max);
                r.message = std::string(r.ok ? "budget met " : "budget exceeded ") + quoted + ": " + where + ": " +
                            metric_name(*b.metric) + " = " + format_metric(*b.metric, v) +
                            (r.ok ? " <= max " : " > max ") + format_metric(*b.metric, b.max) +
                            (r.ok ? std::string() : top_sites(db, sc.runs, *b.metric, w, gen0_budget));
            }
            out.push_back(std::move(r));
        }
        if (!found)
            out.push_back({b, b.scenario.value_or(""), false,
                           "budget " + quoted + " cannot be checked: " + db.path() + " has no scenario '" +
                               b.scenario.value_or("") + "'"});
    }
    return out;
}

}  // namespace

size_t Comparison::regressions() const {
    size_t n = 0;
    for (const auto& s : scenarios)
        for (const auto& m : s.metrics) n += m.regression;
    for (const auto& s : sites) n += s.regression;
    return n;
}

std::vector<BudgetResult> check_budgets_alone(schema::Database& db, const std::vector<Budget>& budgets,
                                             uint64_t gen0_budget) {
    return check_budgets(db, budgets, gen0_budget, nullptr);
}

size_t Comparison::budgets_exceeded() const {
    size_t n = 0;
    for (const auto& b : budgets) n += !b.ok;
    return n;
}

Comparison compare_databases(schema::Database& base, schema::Database& head, const AnalysisKey& params,
                             const Thresholds& thresholds, const std::vector<Budget>& budgets) {
    Comparison out;
    out.base_path = base.path();
    out.head_path = head.path();
    out.params = params;
    out.thresholds = thresholds;
    const json head_meta = stored_suite_meta(head);
    const json base_meta = stored_suite_meta(base);
    const auto base_scenarios = scenarios_of(base);
    const auto head_scenarios = scenarios_of(head);
    for (const ScenarioRuns& h : head_scenarios) {
        auto b = std::find_if(base_scenarios.begin(), base_scenarios.end(),
                              [&](const ScenarioRuns& s) { return s.name == h.name; });
        if (b == base_scenarios.end()) {
            out.only_in_head.push_back(h.name);
            continue;
        }
        MeasuredWindow w = measured_window(head_meta.contains("scenarios") ? head_meta : base_meta, h.name);
        WindowSamples bs = window_samples(base, b->runs, w, params.gen0_budget);
        WindowSamples hs = window_samples(head, h.runs, w, params.gen0_budget);
        const std::string label = h.name.empty() ? "(no scenario)" : h.name;
        if (bs.runs == 0 || hs.runs == 0) {
            out.notes.push_back("scenario " + label + ": not compared: " +
                                (bs.runs == 0 ? "base: " + bs.missing : "head: " + hs.missing));
            continue;
        }
        if (bs.runs < b->runs.size() || hs.runs < h.runs.size())
            out.notes.push_back("scenario " + label + ": runs without the measured window left out: " +
                                (bs.missing.empty() ? hs.missing : bs.missing));
        ScenarioDiff d;
        d.name = h.name;
        d.window = window_label(w);
        d.base_runs = bs.runs;
        d.head_runs = hs.runs;
        d.per_run = bs.per_run || hs.per_run;
        for (Metric m : kMetrics) {
            const size_t i = static_cast<size_t>(m);
            d.metrics[i] = delta_of(bs.metric[i], hs.metric[i], thresholds[m]);
            d.regression |= d.metrics[i].regression;
        }
        out.scenarios.push_back(std::move(d));
        const std::string renamed = renamed_program_note(base, b->runs.front(), head, h.runs.front(), "base", "head");
        if (!renamed.empty() && std::find(out.notes.begin(), out.notes.end(), renamed) == out.notes.end())
            out.notes.push_back(renamed);
        compare_sites(h.name, scenario_sites(base, b->runs), scenario_sites(head, h.runs), thresholds, out);
    }
    for (const ScenarioRuns& b : base_scenarios)
        if (std::none_of(head_scenarios.begin(), head_scenarios.end(),
                         [&](const ScenarioRuns& s) { return s.name == b.name; }))
            out.only_in_base.push_back(b.name);
    out.budgets = check_budgets(head, budgets, params.gen0_budget, &out.sites);
    return out;
}

}  // namespace allocprof::compare
