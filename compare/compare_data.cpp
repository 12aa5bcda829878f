// compare_data.cpp — see compare_data.h.
#include "compare/compare_data.h"

#include <cmath>
#include <unordered_map>

namespace allocprof::compare {

using analyzers::MeasuredWindow;
using analyzers::measured_window;

using nlohmann::json;

Sample sample_of(const std::vector<double>& values) {
    Sample s;
    s.n = values.size();
    if (values.empty()) return s;
    double sum = 0;
    for (double v : values) sum += v;
    s.mean = sum / static_cast<double>(values.size());
    if (values.size() >= 2) {
        double sq = 0;
        for (double v : values) sq += (v - s.mean) * (v - s.mean);
        s.sd = std::sqrt(sq / static_cast<double>(values.size() - 1));
    }
    return s;
}

namespace {

struct WindowRow {
    double ops = 0, allocations = 0, bytes = 0, nursery = 0, peak = 0, unfreed = 0;
    double allocs_per_op = 0, bytes_per_op = 0, gen0_star = 0;
    bool per_run = false;
};

std::optional<WindowRow> window_row(schema::Database& db, int64_t run_id, const std::string& window) {
    auto s = db.prepare(
        "SELECT ops, allocations, bytes_allocated, nursery_bytes, peak_live_bytes, unfreed_bytes, "
        "allocs_per_op, bytes_per_op, gen0_star_per_1k, per_run FROM analysis_windows "
        "WHERE run_id = ? AND window = ?");
    s.bind(1, run_id).bind(2, window);
    if (!s.step()) return std::nullopt;
    WindowRow r;
    r.ops = s.real(0);
    r.allocations = s.real(1);
    r.bytes = s.real(2);
    r.nursery = s.real(3);
    r.peak = s.real(4);
    r.unfreed = s.is_null(5) ? 0 : s.real(5);
    r.allocs_per_op = s.real(6);
    r.bytes_per_op = s.real(7);
    r.gen0_star = s.real(8);
    r.per_run = s.int64(9) != 0;
    return r;
}

}  // namespace

std::optional<WindowValues> window_values(schema::Database& db, int64_t run_id, const MeasuredWindow& window,
                                          uint64_t gen0_budget, std::string* why) {
    auto whole = window_row(db, run_id, "");
    if (!whole) {
        if (why) *why = "run " + std::to_string(run_id) + " has no analysis";
        return std::nullopt;
    }
    WindowValues v;
    auto set_from = [&](const WindowRow& r) {
        v.value[static_cast<size_t>(Metric::kAllocsPerOp)] = r.allocs_per_op;
        v.value[static_cast<size_t>(Metric::kBytesPerOp)] = r.bytes_per_op;
        v.value[static_cast<size_t>(Metric::kGen0StarPer1k)] = r.gen0_star;
        v.value[static_cast<size_t>(Metric::kPeakLiveBytes)] = r.peak;
        v.ops = r.ops;
        v.per_run = r.per_run;
    };
    // Unfreed is a whole-run figure in every window.
    v.value[static_cast<size_t>(Metric::kUnfreedBytes)] = whole->unfreed;
    if (!window.measure_phase.empty()) {
        auto phase = window_row(db, run_id, window.measure_phase);
        if (!phase) {
            if (why) *why = "run " + std::to_string(run_id) + " has no phase '" + window.measure_phase + "'";
            return std::nullopt;
        }
        set_from(*phase);
    } else if (!window.warmup_phase.empty()) {
        auto warm = window_row(db, run_id, window.warmup_phase);
        set_from(*whole);
        if (warm) {  // no warm-up phase in this run: nothing to exclude
            const double ops = whole->ops - warm->ops;
            const double divisor = ops > 0 ? ops : 1;
            v.ops = ops > 0 ? ops : 0;
            v.per_run = ops <= 0;
            v.value[static_cast<size_t>(Metric::kAllocsPerOp)] = (whole->allocations - warm->allocations) / divisor;
            v.value[static_cast<size_t>(Metric::kBytesPerOp)] = (whole->bytes - warm->bytes) / divisor;
            v.value[static_cast<size_t>(Metric::kGen0StarPer1k)] =
                1000.0 * (whole->nursery - warm->nursery) / (divisor * static_cast<double>(gen0_budget ? gen0_budget : 1));
        }
    } else {
        set_from(*whole);
    }
    return v;
}

std::vector<ScenarioRuns> scenarios_of(schema::Database& db) {
    std::vector<ScenarioRuns> out;
    std::unordered_map<std::string, size_t> index;
    auto s = db.prepare("SELECT run_id, coalesce(scenario, '') FROM runs WHERE complete = 1 ORDER BY run_id");
    while (s.step()) {
        const std::string name = s.text(1);
        auto [it, fresh] = index.emplace(name, out.size());
        if (fresh) out.push_back({name, {}});
        out[it->second].runs.push_back(s.int64(0));
    }
    return out;
}

std::optional<json> analysis_params_json(schema::Database& db, int64_t run_id) {
    auto s = db.prepare("SELECT params FROM analysis WHERE run_id = ?");
    s.bind(1, run_id);
    if (!s.step()) return std::nullopt;
    json p = json::parse(s.text(0), nullptr, false);
    if (p.is_discarded() || !p.is_object()) return std::nullopt;
    return p;
}

std::optional<AnalysisKey> analysis_key(schema::Database& db, int64_t run_id) {
    auto p = analysis_params_json(db, run_id);
    if (!p) return std::nullopt;
    AnalysisKey k;
    k.gen0_budget = p->value("gen0_budget", uint64_t(0));
    k.large_object_threshold = p->value("large_object_threshold", uint64_t(0));
    return k;
}

json stored_suite_meta(schema::Database& db) {
    auto s = db.prepare("SELECT value FROM meta WHERE key = 'suite'");
    if (!s.step()) return json::object();
    json j = json::parse(s.text(0), nullptr, false);
    return j.is_object() ? j : json::object();
}

std::vector<SiteAggregate> scenario_sites(schema::Database& db, const std::vector<int64_t>& runs) {
    struct Acc {
        SiteAggregate site;
        std::unordered_map<int64_t, std::array<double, 3>> by_run;
    };
    std::vector<Acc> accs;
    std::unordered_map<std::string, size_t> index;
    auto s = db.prepare(
        "SELECT s.site_key, s.function_key, s.module, s.function, s.file, s.line, a.allocs_per_op, "
        "a.bytes_per_op, a.gen0_star_per_1k, a.tier FROM sites s JOIN analysis_sites a USING (run_id, site_id) "
        "WHERE s.run_id = ? ORDER BY s.site_id");
    for (int64_t run : runs) {
        s.reset();
        s.bind(1, run);
        while (s.step()) {
            const std::string key = s.text(0);
            auto [it, fresh] = index.emplace(key, accs.size());
            if (fresh) {
                Acc a;
                a.site.site_key = key;
                a.site.function_key = s.text(1);
                a.site.module = s.text(2);
                a.site.function = s.text(3);
                a.site.file = s.text(4);
                a.site.line = static_cast<int>(s.int64(5));
                accs.push_back(std::move(a));
            }
            Acc& a = accs[it->second];
            auto& v = a.by_run[run];
            v[0] += s.real(6);
            v[1] += s.real(7);
            v[2] += s.real(8);
            a.site.tier = s.text(9);
        }
    }
    std::vector<SiteAggregate> out;
    for (Acc& a : accs) {
        std::vector<double> allocs, bytes, gen0;
        for (int64_t run : runs) {
            auto it = a.by_run.find(run);
            allocs.push_back(it == a.by_run.end() ? 0 : it->second[0]);
            bytes.push_back(it == a.by_run.end() ? 0 : it->second[1]);
            gen0.push_back(it == a.by_run.end() ? 0 : it->second[2]);
        }
        a.site.allocs_per_op = sample_of(allocs);
        a.site.bytes_per_op = sample_of(bytes);
        a.site.gen0_star_per_1k = sample_of(gen0);
        out.push_back(std::move(a.site));
    }
    return out;
}

}  // namespace allocprof::compare
