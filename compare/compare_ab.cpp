// compare_ab.cpp — see compare_ab.h.
#include "compare/compare_ab.h"

#include <algorithm>
#include <cmath>

#include "analyzers/analysis_store.h"
#include "analyzers/heap_report.h"

namespace allocprof::compare {

namespace {

struct FigureInfo {
    AbFigure figure;
    const char* name;
    const char* label;
    bool bytes;
};

constexpr FigureInfo kInfo[] = {
    {AbFigure::kAllocations, "allocations", "allocations", false},
    {AbFigure::kAllocsPerOp, "allocs_per_op", "allocations/op", false},
    {AbFigure::kBytesPerOp, "bytes_per_op", "bytes/op", true},
    {AbFigure::kPeakLiveBytes, "peak_live_bytes", "peak live bytes", true},
    {AbFigure::kPeakLiveBlocks, "peak_live_blocks", "live blocks at the peak", false},
    {AbFigure::kHeapNeeded, "heap_needed_bytes", "heap needed", true},
};

const FigureInfo& info(AbFigure f) { return kInfo[static_cast<size_t>(f)]; }

size_t at(AbFigure f) { return static_cast<size_t>(f); }

// The values of one window over a scenario's runs, figure by figure.
struct WindowAcc {
    std::string name;
    std::array<std::vector<double>, kAbFigureCount> values;
    bool per_run = false;
};

WindowAcc& window_acc(std::vector<WindowAcc>& accs, const std::string& name) {
    for (WindowAcc& w : accs)
        if (w.name == name) return w;
    accs.push_back({name, {}, false});
    return accs.back();
}

std::optional<double> mean_of(const std::vector<double>& values) {
    if (values.empty()) return std::nullopt;
    return sample_of(values).mean;
}

// A run's analysis windows and its heap replay, into `accs`.
void add_run(schema::Database& db, int64_t run_id, const analyzers::HeapModel& model,
             std::vector<WindowAcc>& accs) {
    const analyzers::StoredAnalysis stored = analyzers::read_analysis(db, run_id);
    analyzers::HeapQuestion question;
    question.model = model;
    question.top_sites = 0;
    const analyzers::HeapReport report = analyzers::heap_report(db, run_id, question, 0);
    for (const analyzers::WindowRecord& w : stored.windows) {
        WindowAcc& acc = window_acc(accs, w.window);
        acc.per_run |= w.per_run;
        acc.values[at(AbFigure::kAllocations)].push_back(static_cast<double>(w.allocations));
        acc.values[at(AbFigure::kAllocsPerOp)].push_back(w.allocs_per_op);
        acc.values[at(AbFigure::kBytesPerOp)].push_back(w.bytes_per_op);
        for (const analyzers::HeapWindow& h : report.result.windows) {
            if (h.name != w.window) continue;
            acc.values[at(AbFigure::kPeakLiveBytes)].push_back(
                static_cast<double>(h.peak.live_bytes));
            acc.values[at(AbFigure::kPeakLiveBlocks)].push_back(
                static_cast<double>(h.peak.live_blocks));
            acc.values[at(AbFigure::kHeapNeeded)].push_back(static_cast<double>(h.heap_peak_bytes));
        }
    }
}

const AbWindowValues* find_window(const AbInput& in, const std::string& name) {
    for (const AbWindowValues& w : in.windows)
        if (w.name == name) return &w;
    return nullptr;
}

AbWindow pair_window(const std::string& name, const AbWindowValues* a, const AbWindowValues* b) {
    AbWindow w;
    w.name = name;
    w.a_per_run = a && a->per_run;
    w.b_per_run = b && b->per_run;
    for (AbFigure f : kAbFigures)
        w.figures[at(f)] =
            ab_change(a ? a->value[at(f)] : std::nullopt, b ? b->value[at(f)] : std::nullopt);
    return w;
}

AbSite site_of(const SiteAggregate* a, const SiteAggregate* b, const std::string& paired_by) {
    AbSite s;
    s.paired_by = paired_by;
    if (a) s.a = *a;
    if (b) s.b = *b;
    s.allocations = ab_change(a ? a->allocations.mean : 0.0, b ? b->allocations.mean : 0.0);
    s.bytes_allocated =
        ab_change(a ? a->bytes_allocated.mean : 0.0, b ? b->bytes_allocated.mean : 0.0);
    return s;
}

}  // namespace

const char* ab_figure_name(AbFigure f) { return info(f).name; }
const char* ab_figure_label(AbFigure f) { return info(f).label; }
bool ab_figure_is_bytes(AbFigure f) { return info(f).bytes; }

AbChange ab_change(std::optional<double> a, std::optional<double> b) {
    AbChange c{a, b, std::nullopt, std::nullopt};
    if (a && b) {
        c.change = *b - *a;
        if (*a != 0) c.percent = 100.0 * *c.change / std::fabs(*a);
    }
    return c;
}

AbScenario ab_scenario(const std::string& name, const AbInput& a, const AbInput& b,
                       size_t top_sites) {
    AbScenario out;
    out.name = name;
    out.a_runs = a.runs;
    out.b_runs = b.runs;
    for (const AbWindowValues& w : a.windows)
        out.windows.push_back(pair_window(w.name, &w, find_window(b, w.name)));
    for (const AbWindowValues& w : b.windows)
        if (!find_window(a, w.name)) out.windows.push_back(pair_window(w.name, nullptr, &w));

    const SitePairing pairing = pair_sites(a.sites, b.sites);
    std::vector<AbSite> sites;
    for (size_t i = 0; i < a.sites.size(); ++i) {
        const int j = pairing.head_of_base[i];
        if (j < 0) {
            sites.push_back(site_of(&a.sites[i], nullptr, ""));
            ++out.sites_only_in_a;
            continue;
        }
        const size_t head = static_cast<size_t>(j);
        sites.push_back(site_of(&a.sites[i], &b.sites[head],
                                pairing.by_function[head] ? "function_key" : "site_key"));
        ++out.sites_paired;
    }
    for (size_t j = 0; j < b.sites.size(); ++j) {
        if (pairing.base_of_head[j] >= 0) continue;
        sites.push_back(site_of(nullptr, &b.sites[j], ""));
        ++out.sites_only_in_b;
    }
    std::erase_if(sites, [](const AbSite& s) {
        return *s.allocations.change == 0 && *s.bytes_allocated.change == 0;
    });
    out.sites_differing = sites.size();
    std::stable_sort(sites.begin(), sites.end(), [](const AbSite& x, const AbSite& y) {
        const double bx = std::fabs(*x.bytes_allocated.change),
                     by = std::fabs(*y.bytes_allocated.change);
        if (bx != by) return bx > by;
        return std::fabs(*x.allocations.change) > std::fabs(*y.allocations.change);
    });
    if (sites.size() > top_sites) sites.resize(top_sites);
    out.sites = std::move(sites);
    return out;
}

AbInput ab_input(schema::Database& db, const std::vector<int64_t>& runs,
                 const analyzers::HeapModel& model) {
    AbInput in;
    std::vector<WindowAcc> accs;
    for (int64_t run : runs) {
        if (!analyzers::has_analysis(db, run)) continue;
        add_run(db, run, model, accs);
        ++in.runs;
    }
    for (const WindowAcc& acc : accs) {
        AbWindowValues w;
        w.name = acc.name;
        w.per_run = acc.per_run;
        for (size_t i = 0; i < kAbFigureCount; ++i) w.value[i] = mean_of(acc.values[i]);
        in.windows.push_back(std::move(w));
    }
    in.sites = scenario_sites(db, runs);
    return in;
}

AbComparison compare_ab(schema::Database& a, schema::Database& b, const analyzers::HeapModel& model,
                        size_t top_sites) {
    AbComparison out;
    out.a_path = a.path();
    out.b_path = b.path();
    out.model = model;
    out.top_sites = top_sites;
    const std::vector<ScenarioRuns> a_scenarios = scenarios_of(a), b_scenarios = scenarios_of(b);
    for (const ScenarioRuns& sa : a_scenarios) {
        auto sb = std::find_if(b_scenarios.begin(), b_scenarios.end(),
                               [&](const ScenarioRuns& s) { return s.name == sa.name; });
        if (sb == b_scenarios.end()) {
            out.only_in_a.push_back(sa.name);
            continue;
        }
        const AbInput in_a = ab_input(a, sa.runs, model);
        const AbInput in_b = ab_input(b, sb->runs, model);
        out.scenarios.push_back(ab_scenario(sa.name, in_a, in_b, top_sites));
        const std::string renamed =
            renamed_program_note(a, sa.runs.front(), b, sb->runs.front(), "A", "B");
        if (!renamed.empty() &&
            std::find(out.notes.begin(), out.notes.end(), renamed) == out.notes.end())
            out.notes.push_back(renamed);
    }
    for (const ScenarioRuns& sb : b_scenarios)
        if (std::none_of(a_scenarios.begin(), a_scenarios.end(),
                         [&](const ScenarioRuns& s) { return s.name == sb.name; }))
            out.only_in_b.push_back(sb.name);
    return out;
}

}  // namespace allocprof::compare
