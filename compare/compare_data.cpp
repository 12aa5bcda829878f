// compare_data.cpp — see compare_data.h.
#include "compare/compare_data.h"

#include "analyzers/analysis_store.h"

#include <algorithm>
#include <cmath>
#include <map>
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

// The figures of a window that compare gates on, as doubles.
struct WindowRow {
    double ops = 0, allocations = 0, bytes = 0, nursery = 0, peak = 0, unfreed = 0;
    double own_ops = 0;  // counted inside the window (a phase without ops of its own divides by the run's)
    double allocs_per_op = 0, bytes_per_op = 0, gen0_star = 0;
    bool per_run = false;
};

std::optional<WindowRow> window_row(schema::Database& db, int64_t run_id, const std::string& window) {
    const std::optional<analyzers::WindowRecord> w = analyzers::read_window(db, run_id, window);
    if (!w) return std::nullopt;
    WindowRow r;
    r.ops = static_cast<double>(w->ops);
    r.own_ops = w->ops_of_run ? 0.0 : r.ops;
    r.allocations = static_cast<double>(w->allocations);
    r.bytes = static_cast<double>(w->bytes_allocated);
    r.nursery = static_cast<double>(w->nursery_bytes);
    r.peak = static_cast<double>(w->peak_live_bytes);
    r.unfreed = static_cast<double>(w->unfreed_bytes.value_or(0));
    r.allocs_per_op = w->allocs_per_op;
    r.bytes_per_op = w->bytes_per_op;
    r.gen0_star = w->gen0_star_per_1k;
    r.per_run = w->per_run;
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
            const double ops = whole->ops - warm->own_ops;
            const double divisor = ops > 0 ? ops : 1;
            v.ops = ops > 0 ? ops : 0;
            v.per_run = ops <= 0;
            v.value[static_cast<size_t>(Metric::kAllocsPerOp)] = (whole->allocations - warm->allocations) / divisor;
            v.value[static_cast<size_t>(Metric::kBytesPerOp)] = (whole->bytes - warm->bytes) / divisor;
            v.value[static_cast<size_t>(Metric::kGen0StarPer1k)] =
                (v.per_run ? 1.0 : 1000.0) * (whole->nursery - warm->nursery) /
                (divisor * static_cast<double>(gen0_budget ? gen0_budget : 1));  // per run: not x 1000
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
    const std::optional<analyzers::AnalysisRecord> a = analyzers::read_analysis_record(db, run_id);
    if (!a) return std::nullopt;
    json p = json::parse(a->params, nullptr, false);
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

namespace {

std::string file_name(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string main_executable(schema::Database& db, int64_t run_id) {
    auto run = db.prepare("SELECT wire_version, command FROM runs WHERE run_id = ?");
    run.bind(1, run_id);
    if (!run.step()) return "";
    const bool imported = run.int64(0) == 0;
    const json command = json::parse(run.text(1), nullptr, false);
    auto modules = db.prepare("SELECT path FROM modules WHERE run_id = ? ORDER BY module_id");
    modules.bind(1, run_id);
    if (!imported) return modules.step() ? file_name(modules.text(0)) : "";
    if (!command.is_array() || command.empty() || !command[0].is_string()) return "";
    const std::string program = file_name(command[0].get<std::string>());
    while (modules.step())
        if (file_name(modules.text(0)) == program) return program;
    return "";
}

std::string renamed_program_note(schema::Database& base, int64_t base_run, schema::Database& head, int64_t head_run,
                                 const std::string& base_side, const std::string& head_side) {
    const std::string b = main_executable(base, base_run), h = main_executable(head, head_run);
    if (b.empty() || h.empty() || b == h) return "";
    return "the main executable is " + b + " in " + base_side + " and " + h + " in " + head_side +
           "; its sites pair as one program's";
}

std::string pairing_module(const std::string& module, const std::string& main) {
    const std::string name = file_name(module);
    return !main.empty() && name == main ? kMainExecutable : name;
}

std::string pairing_key(const std::string& stored_key, const std::string& main) {
    json key = json::parse(stored_key, nullptr, false);
    if (!key.is_array() || key.size() < 2 || !key[0].is_string() || !key[1].is_string()) return stored_key;
    const std::string module = key[0].get<std::string>();
    const std::string paired = pairing_module(module, main);
    const std::string function = key[1].get<std::string>();
    if (function.rfind(module + "+0x", 0) == 0) key[1] = paired + function.substr(module.size());
    key[0] = paired;
    return key.dump();
}

std::vector<SiteAggregate> scenario_sites(schema::Database& db, const std::vector<int64_t>& runs) {
    struct Acc {
        SiteAggregate site;
        std::unordered_map<int64_t, std::array<double, 5>> by_run;
    };
    std::vector<Acc> accs;
    std::unordered_map<std::string, size_t> index;
    auto s = db.prepare("SELECT site_id, site_key, function_key, module, function, file, line, allocations, "
                        "bytes_allocated FROM sites WHERE run_id = ? ORDER BY site_id");
    for (int64_t run : runs) {
        std::unordered_map<int64_t, const analyzers::SiteRecord*> analysed;
        if (!analyzers::has_analysis(db, run)) continue;
        const analyzers::StoredAnalysis stored = analyzers::read_analysis(db, run);
        for (const analyzers::SiteRecord& a : stored.sites) analysed[a.site_id] = &a;
        const std::string main = main_executable(db, run);
        s.reset();
        s.bind(1, run);
        while (s.step()) {
            auto found = analysed.find(s.int64(0));
            if (found == analysed.end()) continue;
            const analyzers::SiteRecord& site = *found->second;
            const std::string key = pairing_key(s.text(1), main);
            auto [it, fresh] = index.emplace(key, accs.size());
            if (fresh) {
                Acc a;
                a.site.site_key = s.text(1);
                a.site.function_key = s.text(2);
                a.site.pair_key = key;
                a.site.pair_function_key = pairing_key(s.text(2), main);
                a.site.module = s.text(3);
                a.site.function = s.text(4);
                a.site.file = s.text(5);
                a.site.line = static_cast<int>(s.int64(6));
                accs.push_back(std::move(a));
            }
            Acc& a = accs[it->second];
            auto& v = a.by_run[run];
            v[0] += site.allocs_per_op;
            v[1] += site.bytes_per_op;
            v[2] += site.gen0_star_per_1k;
            v[3] += static_cast<double>(s.int64(7));
            v[4] += static_cast<double>(s.int64(8));
            a.site.tier = site.tier;
        }
    }
    std::vector<SiteAggregate> out;
    for (Acc& a : accs) {
        std::array<std::vector<double>, 5> values;
        for (int64_t run : runs) {
            auto it = a.by_run.find(run);
            for (size_t i = 0; i < values.size(); ++i) values[i].push_back(it == a.by_run.end() ? 0 : it->second[i]);
        }
        a.site.allocs_per_op = sample_of(values[0]);
        a.site.bytes_per_op = sample_of(values[1]);
        a.site.gen0_star_per_1k = sample_of(values[2]);
        a.site.allocations = sample_of(values[3]);
        a.site.bytes_allocated = sample_of(values[4]);
        out.push_back(std::move(a.site));
    }
    return out;
}

SitePairing pair_sites(const std::vector<SiteAggregate>& base, const std::vector<SiteAggregate>& head) {
    SitePairing p;
    p.head_of_base.assign(base.size(), -1);
    p.base_of_head.assign(head.size(), -1);
    p.by_function.assign(head.size(), false);
    std::unordered_map<std::string, size_t> base_by_key;
    for (size_t i = 0; i < base.size(); ++i) base_by_key.emplace(base[i].pair_key, i);
    for (size_t j = 0; j < head.size(); ++j) {
        auto it = base_by_key.find(head[j].pair_key);
        if (it != base_by_key.end() && p.head_of_base[it->second] < 0) {
            p.head_of_base[it->second] = static_cast<int>(j);
            p.base_of_head[j] = static_cast<int>(it->second);
        }
    }
    // The rest by function key, in order of line.
    std::map<std::string, std::pair<std::vector<size_t>, std::vector<size_t>>> by_fn;
    for (size_t i = 0; i < base.size(); ++i)
        if (p.head_of_base[i] < 0) by_fn[base[i].pair_function_key].first.push_back(i);
    for (size_t j = 0; j < head.size(); ++j)
        if (p.base_of_head[j] < 0) by_fn[head[j].pair_function_key].second.push_back(j);
    for (auto& [key, sides] : by_fn) {
        auto& [bs, hs] = sides;
        std::stable_sort(bs.begin(), bs.end(), [&](size_t x, size_t y) { return base[x].line < base[y].line; });
        std::stable_sort(hs.begin(), hs.end(), [&](size_t x, size_t y) { return head[x].line < head[y].line; });
        for (size_t k = 0; k < std::min(bs.size(), hs.size()); ++k) {
            p.head_of_base[bs[k]] = static_cast<int>(hs[k]);
            p.base_of_head[hs[k]] = static_cast<int>(bs[k]);
            p.by_function[hs[k]] = true;
            ++p.paired_by_function;
        }
    }
    return p;
}

}  // namespace allocprof::compare
