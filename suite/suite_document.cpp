// suite_document.cpp — see suite_document.h.
#include "suite/suite_document.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "analyzers/analysis_store.h"
#include "analyzers/measured_window.h"
#include "analyzers/runtime_sites.h"
#include "analyzers/site_ranker.h"
#include "symbolize/wrapper_usage.h"
#include "compare/compare_data.h"
#include "reports/readable_names.h"
#include "reports/report_format.h"
#include "reports/report_loader.h"

namespace allocprof::suite {
namespace {

using nlohmann::json;
using reports::Report;

// A window's figures in one run: the measured window of its scenario.
struct WindowFigures {
    double ops = 0, allocations = 0, bytes = 0, nursery = 0, collections = 0, dies_young = 0, reallocs = 0;
    double peak = 0, unfreed = 0;
    std::map<std::pair<std::string, int64_t>, double> gc_cycles;  // (language, generation)
};

WindowFigures figures_of(const reports::WindowRow& w) {
    WindowFigures f;
    f.ops = static_cast<double>(w.ops);
    f.allocations = static_cast<double>(w.allocations);
    f.bytes = static_cast<double>(w.bytes_allocated);
    f.nursery = static_cast<double>(w.nursery_bytes);
    f.collections = static_cast<double>(w.collections);
    f.dies_young = static_cast<double>(w.dies_young);
    f.reallocs = static_cast<double>(w.reallocs);
    f.peak = static_cast<double>(w.peak_live_bytes);
    for (const reports::GcRow& g : w.gc) f.gc_cycles[{g.language, g.generation}] += static_cast<double>(g.cycles);
    return f;
}

const reports::WindowRow* phase_row(const Report& r, const std::string& name) {
    for (const reports::WindowRow& w : r.windows)
        if (!w.window.empty() && w.window == name) return &w;
    return nullptr;
}

// A site's allocations in one run's measured window.
struct SiteFigures {
    double allocations = 0, bytes = 0, nursery = 0;
};

struct RunData {
    int64_t run_id = 0;
    Report report;
    WindowFigures window;
    std::string window_note;  // when the measured phase is missing from the run
    std::map<std::string, SiteFigures> sites;  // by site key, in the window
    std::map<int64_t, std::string> key_of;     // site_id -> site_key
    std::map<int64_t, std::string> function_key_of;
};

// The measured window of one run, and its sites' figures in it.
RunData load_run(schema::Database& db, int64_t run_id, const analyzers::MeasuredWindow& mw) {
    RunData d;
    d.run_id = run_id;
    d.report = reports::load_report(db, run_id);
    {
        auto s = db.prepare("SELECT site_id, site_key, function_key FROM sites WHERE run_id = ?");
        s.bind(1, run_id);
        while (s.step()) {
            d.key_of[s.int64(0)] = s.text(1);
            d.function_key_of[s.int64(0)] = s.text(2);
        }
    }
    const Report& r = d.report;
    d.window = figures_of(r.run_window());
    d.window.unfreed = static_cast<double>(r.run_window().unfreed_bytes.value_or(0));
    auto whole_sites = [&] {
        for (const reports::SiteRow& s : r.sites) {
            SiteFigures& f = d.sites[d.key_of[s.site_id]];
            f.allocations += static_cast<double>(s.allocations);
            f.bytes += static_cast<double>(s.bytes_allocated);
            f.nursery += static_cast<double>(s.nursery_bytes);
        }
    };
    std::vector<analyzers::WindowSiteRecord> phase_sites;
    auto load_phase_sites = [&](const std::string& window) {
        if (!db.has_table("analysis_window_sites")) return;
        auto s = db.prepare("SELECT site_id, allocations, bytes_allocated, nursery_bytes FROM analysis_window_sites "
                            "WHERE run_id = ? AND window = ?");
        s.bind_all(run_id, window);
        while (s.step()) phase_sites.push_back({window, s.int64(0), s.int64(1), s.int64(2), s.int64(3)});
    };
    if (!mw.measure_phase.empty()) {
        if (const reports::WindowRow* p = phase_row(r, mw.measure_phase)) {
            const double unfreed = d.window.unfreed;
            d.window = figures_of(*p);
            d.window.unfreed = unfreed;
            load_phase_sites(mw.measure_phase);
            for (const analyzers::WindowSiteRecord& w : phase_sites) {
                SiteFigures& f = d.sites[d.key_of[w.site_id]];
                f.allocations += static_cast<double>(w.allocations);
                f.bytes += static_cast<double>(w.bytes_allocated);
                f.nursery += static_cast<double>(w.nursery_bytes);
            }
        } else {
            d.window_note = "run " + std::to_string(run_id) + " has no phase `" + mw.measure_phase + "`: whole run";
            whole_sites();
        }
    } else {
        whole_sites();
        if (!mw.warmup_phase.empty())
            if (const reports::WindowRow* warm = phase_row(r, mw.warmup_phase)) {
                const WindowFigures w = figures_of(*warm);
                if (!warm->ops_of_run) d.window.ops -= w.ops;  // the run's ops, when it counted none of its own
                d.window.allocations -= w.allocations;
                d.window.bytes -= w.bytes;
                d.window.nursery -= w.nursery;
                d.window.collections -= w.collections;
                d.window.dies_young -= w.dies_young;
                d.window.reallocs -= w.reallocs;
                for (const auto& [k, v] : w.gc_cycles) d.window.gc_cycles[k] -= v;
                load_phase_sites(mw.warmup_phase);
                for (const analyzers::WindowSiteRecord& ws : phase_sites) {
                    SiteFigures& f = d.sites[d.key_of[ws.site_id]];
                    f.allocations -= static_cast<double>(ws.allocations);
                    f.bytes -= static_cast<double>(ws.bytes_allocated);
                    f.nursery -= static_cast<double>(ws.nursery_bytes);
                }
            }
    }
    return d;
}

std::string window_name(const analyzers::MeasuredWindow& mw) {
    if (!mw.measure_phase.empty()) return "phase `" + mw.measure_phase + "`";
    if (!mw.warmup_phase.empty()) return "whole run minus phase `" + mw.warmup_phase + "`";
    return "whole run";
}

struct Scenario {
    std::string name;
    std::vector<RunData> runs;
    double divisor = 1;  // the mean ops, or 1 per run
    ScenarioBaseline baseline;
};

double mean_over_runs(const Scenario& sc, const std::function<double(const RunData&)>& f) {
    double sum = 0;
    for (const RunData& r : sc.runs) sum += f(r);
    return sc.runs.empty() ? 0 : sum / static_cast<double>(sc.runs.size());
}

ScenarioBaseline baseline_of(Scenario& sc, const analyzers::MeasuredWindow& mw, uint64_t gen0_budget) {
    ScenarioBaseline b;
    b.name = sc.name;
    for (const RunData& r : sc.runs) {
        b.runs.push_back(r.run_id);
        if (!r.window_note.empty()) b.notes.push_back(r.window_note);
    }
    b.window = window_name(mw);
    b.ops = mean_over_runs(sc, [](const RunData& r) { return r.window.ops; });
    b.per_run = b.ops <= 0;
    sc.divisor = b.per_run ? 1.0 : b.ops;
    b.allocations = mean_over_runs(sc, [](const RunData& r) { return r.window.allocations; });
    b.bytes_allocated = mean_over_runs(sc, [](const RunData& r) { return r.window.bytes; });
    b.nursery_bytes = mean_over_runs(sc, [](const RunData& r) { return r.window.nursery; });
    b.collections = mean_over_runs(sc, [](const RunData& r) { return r.window.collections; });
    b.dies_young = mean_over_runs(sc, [](const RunData& r) { return r.window.dies_young; });
    b.peak_live_bytes = mean_over_runs(sc, [](const RunData& r) { return r.window.peak; });
    b.unfreed_bytes = mean_over_runs(sc, [](const RunData& r) { return r.window.unfreed; });
    b.allocs_per_op = b.allocations / sc.divisor;
    b.bytes_per_op = b.bytes_allocated / sc.divisor;
    b.gen0_per_1k = b.per_run ? b.collections : 1000.0 * b.collections / sc.divisor;
    b.gen0_star_per_1k = (b.per_run ? 1.0 : 1000.0) * b.nursery_bytes /
                         (sc.divisor * static_cast<double>(gen0_budget ? gen0_budget : 1));  // per run: not x 1000
    b.dies_young_share = b.allocations > 0 ? b.dies_young / b.allocations : 0;
    std::map<std::pair<std::string, int64_t>, double> cycles;
    for (const RunData& r : sc.runs)
        for (const auto& [k, v] : r.window.gc_cycles) cycles[k] += v / static_cast<double>(sc.runs.size());
    for (const auto& [k, v] : cycles) {
        reports::GcRow g;
        g.language = k.first;
        g.generation = k.second;
        g.cycles = static_cast<int64_t>(v + 0.5);
        g.per_1k_ops = b.per_run ? v : 1000.0 * v / sc.divisor;
        b.gc.push_back(g);
    }
    b.ops_source = sc.runs.empty() ? "none" : sc.runs.back().report.analysis.ops_source;
    if (b.per_run) b.notes.push_back("no ops counted: per-op columns are per run");
    const double reallocs = mean_over_runs(sc, [](const RunData& r) { return r.window.reallocs; });
    if (b.allocations > 0 && reallocs >= 0.2 * b.allocations)
        b.notes.push_back("resize-driven: " + reports::format_percent(reallocs / b.allocations) + " of its allocations are reallocs");
    return b;
}

bool outside_kind(const std::string& tier) { return tier == "runtime" || tier == "suppressed"; }

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

}  // namespace

int SuiteSite::scenarios_reached() const {
    int n = 0;
    for (const SiteInScenario& s : scenarios) n += s.reached;
    return n;
}

bool holds_suite(schema::Database& db) {
    std::set<std::string> names;
    for (const compare::ScenarioRuns& sc : compare::scenarios_of(db)) names.insert(sc.name);
    return names.size() >= 2;
}

SuiteDocument load_suite_document(schema::Database& db) {
    SuiteDocument doc;
    doc.file = file_name(db.path());
    const json meta = compare::stored_suite_meta(db);

    std::vector<Scenario> scenarios;
    for (const compare::ScenarioRuns& sr : compare::scenarios_of(db)) {
        Scenario sc;
        sc.name = sr.name.empty() ? "(no scenario)" : sr.name;
        const analyzers::MeasuredWindow mw = analyzers::measured_window(meta, sr.name);
        for (int64_t run : sr.runs) sc.runs.push_back(load_run(db, run, mw));
        if (sc.runs.empty()) continue;
        scenarios.push_back(std::move(sc));
    }
    if (scenarios.empty()) throw reports::ReportError(db.path() + ": the database holds no run");
    doc.analysis = scenarios.front().runs.front().report.analysis;
    for (const Scenario& sc : scenarios)
        for (const RunData& r : sc.runs)
            if (r.report.analysis.analyzed_unix_ns > doc.analysis.analyzed_unix_ns) {
                doc.analysis.analyzed_unix_ns = r.report.analysis.analyzed_unix_ns;
                doc.analysis.date = r.report.analysis.date;
            }
    doc.date = doc.analysis.date;
    doc.tool_version = doc.analysis.tool_version;
    for (Scenario& sc : scenarios)
        doc.scenarios.push_back(baseline_of(sc, analyzers::measured_window(meta, sc.name == "(no scenario)" ? "" : sc.name),
                                            doc.analysis.gen0_budget));
    const size_t n = scenarios.size();

    // ---- the inventory: sites merged by site key -------------------------------------------
    std::map<std::string, size_t> index_of;  // site key -> doc.sites
    std::vector<std::string> promoted_in;    // per doc.sites: the scenarios that promoted it
    std::vector<double> weight;              // per doc.sites: its largest share in one scenario
    for (size_t s = 0; s < n; ++s) {
        for (const RunData& r : scenarios[s].runs) {
            for (const reports::SiteRow& row : r.report.sites) {
                const std::string& key = r.key_of.at(row.site_id);
                auto [it, fresh] = index_of.emplace(key, doc.sites.size());
                if (fresh) {
                    SuiteSite site;
                    site.site_key = key;
                    site.function_key = r.function_key_of.at(row.site_id);
                    site.module = row.module;
                    site.function = row.function;
                    site.file = row.file;
                    site.line = row.line;
                    site.scenarios.resize(n);
                    doc.sites.push_back(std::move(site));
                    promoted_in.emplace_back();
                    weight.push_back(-1);
                }
                SuiteSite& site = doc.sites[it->second];
                if (row.source && !row.source->description.empty() && site.description.empty())
                    site.description = row.source->description;
                if (outside_kind(row.tier)) site.tier = row.tier;
                SiteInScenario& in = site.scenarios[s];
                in.tier = row.tier;
                in.promoted = row.tier != row.base_tier;
                const double w = row.impact;
                if (w > weight[it->second]) {
                    weight[it->second] = w;
                    site.lifetime = row.lifetime;
                }
            }
        }
        const ScenarioBaseline& b = doc.scenarios[s];
        const double runs = static_cast<double>(scenarios[s].runs.size());
        for (const RunData& r : scenarios[s].runs)
            for (const auto& [key, f] : r.sites) {
                auto it = index_of.find(key);
                if (it == index_of.end()) continue;
                SiteInScenario& in = doc.sites[it->second].scenarios[s];
                in.allocations += f.allocations / runs;
                in.bytes_allocated += f.bytes / runs;
                in.nursery_bytes += f.nursery / runs;
            }
        for (size_t i = 0; i < doc.sites.size(); ++i) {
            SiteInScenario& in = doc.sites[i].scenarios[s];
            in.reached = in.allocations > 0.5 / runs;
            in.allocs_per_op = in.allocations / scenarios[s].divisor;
            in.bytes_per_op = in.bytes_allocated / scenarios[s].divisor;
            in.allocs_share = b.allocations > 0 ? in.allocations / b.allocations : 0;
            in.bytes_share = b.bytes_allocated > 0 ? in.bytes_allocated / b.bytes_allocated : 0;
            in.gen0_share = b.nursery_bytes > 0 ? in.nursery_bytes / b.nursery_bytes : 0;
            if (in.promoted && in.reached) promoted_in[i] += (promoted_in[i].empty() ? "" : ", ") + scenarios[s].name;
        }
    }
    for (SuiteSite& site : doc.sites) {
        for (const SiteInScenario& in : site.scenarios) {
            site.allocs_share += in.allocs_share / static_cast<double>(n);
            site.bytes_share += in.bytes_share / static_cast<double>(n);
            site.gen0_share += in.gen0_share / static_cast<double>(n);
        }
        const analyzers::Impact impact = analyzers::impact_of(site.allocs_share, site.bytes_share, site.gen0_share);
        site.impact = impact.value;
        site.impact_metric = impact.metric;
        if (site.tier.empty() && site.scenarios_reached() == 0) site.tier = "unmeasured";
    }
    std::vector<size_t> order(doc.sites.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto group_of = [&](size_t i) {
        const std::string& t = doc.sites[i].tier;
        return t.empty() ? 0 : t == "unmeasured" ? 1 : t == "runtime" ? 2 : 3;
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (group_of(a) != group_of(b)) return group_of(a) < group_of(b);
        if (doc.sites[a].impact != doc.sites[b].impact) return doc.sites[a].impact > doc.sites[b].impact;
        return doc.sites[a].site_key < doc.sites[b].site_key;
    });
    double total_impact = 0;
    for (const SuiteSite& s : doc.sites)
        if (s.tier.empty()) total_impact += s.impact;
    double cumulative = 0;
    uint32_t larger = 0;
    const analyzers::TierParams tiers = [&] {
        analyzers::TierParams tp;
        const json& t = doc.analysis.params.contains("tiers") ? doc.analysis.params["tiers"] : json::object();
        tp.critical = t.value("critical", tp.critical);
        tp.high = t.value("high", tp.high);
        tp.medium = t.value("medium", tp.medium);
        tp.single_site_critical = t.value("single_site_critical", tp.single_site_critical);
        return tp;
    }();
    std::vector<SuiteSite> sorted;
    for (size_t k = 0; k < order.size(); ++k) {
        SuiteSite site = std::move(doc.sites[order[k]]);
        site.position = static_cast<int64_t>(k + 1);
        const std::string reached = std::to_string(site.scenarios_reached()) + " of " + std::to_string(n) + " scenarios";
        if (site.tier.empty()) {
            const double before = total_impact > 0 ? cumulative / total_impact : 0;
            cumulative += site.impact;
            const double after = total_impact > 0 ? cumulative / total_impact : 0;
            const analyzers::BandPlacement band =
                analyzers::band_tier(site.impact, site.impact_metric + " (mean over scenarios)", before, after, larger,
                                     true, tiers, "in any measured window");
            ++larger;
            analyzers::Tier tier = band.tier;
            site.rule = band.rule + "; reached by " + reached;
            const std::string& by = promoted_in[order[k]];
            if (!by.empty() && tier != analyzers::Tier::Critical) {
                tier = analyzers::promoted(tier);
                site.rule = std::string(analyzers::to_string(tier)) + ", promoted from " +
                            analyzers::to_string(band.tier) + ": promoted in the analysis of " + by +
                            ". Before promotion, " + site.rule;
            } else if (!by.empty()) {
                site.rule += " (also promoted in the analysis of " + by + ")";
            }
            site.tier = analyzers::to_string(tier);
        } else if (site.tier == "unmeasured") {
            site.rule = "allocates only outside the scenarios' measured windows (start-up, warm-up or teardown)";
        } else {
            site.rule = site.tier + ": outside the tiers and the plan, as in each scenario's analysis";
        }
        sorted.push_back(std::move(site));
    }
    doc.sites = std::move(sorted);
    index_of.clear();
    for (size_t i = 0; i < doc.sites.size(); ++i) index_of[doc.sites[i].site_key] = i;

    for (const SuiteSite& site : doc.sites) {
        if (!outside_kind(site.tier)) continue;
        reports::RuntimeSummary& apart = site.tier == "runtime" ? doc.runtime : doc.suppressed;
        ++apart.sites;
        std::vector<std::string>& modules =
            site.tier == "runtime" && !analyzers::is_runtime_module(site.module) ? apart.startup_modules : apart.modules;
        if (std::find(modules.begin(), modules.end(), site.module) == modules.end()) modules.push_back(site.module);
    }
    for (const Scenario& sc : scenarios)
        for (const RunData& r : sc.runs) {
            const double share = 1.0 / static_cast<double>(sc.runs.size());
            for (const reports::SiteRow& row : r.report.sites) {
                if (!outside_kind(row.tier)) continue;
                reports::RuntimeSummary& apart = row.tier == "runtime" ? doc.runtime : doc.suppressed;
                apart.allocations += static_cast<int64_t>(static_cast<double>(row.allocations) * share + 0.5);
                apart.bytes_allocated += static_cast<int64_t>(static_cast<double>(row.bytes_allocated) * share + 0.5);
                apart.unfreed_bytes += static_cast<int64_t>(static_cast<double>(row.unfreed_bytes) * share + 0.5);
            }
        }

    // A site that makes half of a scenario's allocations or bytes is that scenario's story.
    for (size_t s = 0; s < n; ++s) {
        const SuiteSite* top = nullptr;
        double top_share = 0;
        for (const SuiteSite& site : doc.sites) {
            if (outside_kind(site.tier) || site.tier == "unmeasured") continue;
            const double share = std::max(site.scenarios[s].allocs_share, site.scenarios[s].bytes_share);
            if (share > top_share) {
                top = &site;
                top_share = share;
            }
        }
        if (top != nullptr && top_share >= 0.5) {
            const SiteInScenario& in = top->scenarios[s];
            doc.scenarios[s].notes.push_back("`" + top->function + "` makes " +
                                             (in.allocs_share >= in.bytes_share
                                                  ? reports::format_percent(in.allocs_share) + " of its allocations"
                                                  : reports::format_percent(in.bytes_share) + " of its bytes"));
        }
    }

    // ---- one plan ------------------------------------------------------------------------
    struct KindSaving {
        std::vector<ItemInScenario> scenarios;
        double share = 0;  // suite-wide saving_share (mean over scenarios)
        double best = -1;  // the largest saving_share of one scenario, whose texts it keeps
        std::string change, risk, evidence;
        int64_t phase = 4;
        std::vector<std::string> alternatives;
    };
    struct Target {
        std::string function_key, site_key;
        std::map<std::string, KindSaving> kinds;
        bool measured = false;
    };
    std::map<std::string, Target> targets;
    for (size_t s = 0; s < n; ++s) {
        const double runs = static_cast<double>(scenarios[s].runs.size());
        for (const RunData& r : scenarios[s].runs) {
            for (const reports::PlanRow& p : r.report.plan) {
                const std::string& fkey = r.function_key_of.at(p.site_id);
                Target& t = targets[fkey];
                t.function_key = fkey;
                const std::string& key = r.key_of.at(p.site_id);
                if (t.site_key.empty() || (index_of.count(key) && index_of.count(t.site_key) &&
                                           index_of[key] < index_of[t.site_key]))
                    t.site_key = key;
                std::vector<int64_t> ids = p.also_sites;
                ids.push_back(p.site_id);
                for (int64_t id : ids)
                    if (auto it = index_of.find(r.key_of.at(id)); it != index_of.end())
                        t.measured |= doc.sites[it->second].scenarios_reached() > 0 &&
                                      !outside_kind(doc.sites[it->second].tier) &&
                                      doc.sites[it->second].tier != "unmeasured";
                KindSaving& k = t.kinds[p.kind];
                k.scenarios.resize(n);
                ItemInScenario& in = k.scenarios[s];
                in.proposed = true;
                in.kind = p.kind;
                in.allocs_per_op += p.saving_allocs_per_op / runs;
                in.bytes_per_op += p.saving_bytes_per_op / runs;
                k.share += p.saving_share / runs / static_cast<double>(n);
                k.phase = std::min(k.phase, p.phase);
                if (p.saving_share > k.best) {
                    k.best = p.saving_share;
                    k.change = p.change;
                    k.risk = p.risk;
                    k.evidence = scenarios[s].name + ": " + p.evidence;
                    k.alternatives.clear();
                    const json alts = json::parse(p.alternatives, nullptr, false);
                    if (alts.is_array())
                        for (const json& a : alts)
                            if (a.is_object() && a.contains("change") && a["change"].is_string())
                                k.alternatives.push_back(a["change"].get<std::string>());
                }
            }
        }
    }
    for (auto& [fkey, t] : targets) {
        if (!t.measured) {
            ++doc.plan_left_out;
            continue;
        }
        const auto best = std::max_element(t.kinds.begin(), t.kinds.end(), [](const auto& a, const auto& b) {
            return a.second.share < b.second.share;
        });
        SuitePlanItem item;
        item.kind = best->first;
        const KindSaving& k = best->second;
        item.change = k.change;
        item.risk = k.risk;
        item.evidence = k.evidence;
        item.alternatives = k.alternatives;
        item.phase = k.phase;
        for (const auto& [kind, other] : t.kinds) {
            item.phase = std::min(item.phase, other.phase);
            if (kind != item.kind &&
                std::find(item.alternatives.begin(), item.alternatives.end(), other.change) == item.alternatives.end())
                item.alternatives.push_back(other.change);
        }
        item.scenarios = k.scenarios;
        item.scenarios.resize(n);
        for (size_t s = 0; s < n; ++s) {
            // The scenario's own whole-run rates: what its plan's savings are parts of.
            const reports::WindowRow& whole = scenarios[s].runs.back().report.run_window();
            if (whole.allocs_per_op > 0) item.allocs_share += item.scenarios[s].allocs_per_op / whole.allocs_per_op / static_cast<double>(n);
            if (whole.bytes_per_op > 0) item.bytes_share += item.scenarios[s].bytes_per_op / whole.bytes_per_op / static_cast<double>(n);
        }
        item.site_key = t.site_key;
        const auto it = index_of.find(t.site_key);
        if (it != index_of.end()) {
            const SuiteSite& site = doc.sites[it->second];
            item.site_position = site.position;
            item.target = site.function + (site.file.empty() ? "" : " at " + site.file + ":" + std::to_string(site.line));
        }
        doc.plan.push_back(std::move(item));
    }
    std::stable_sort(doc.plan.begin(), doc.plan.end(), [&](const SuitePlanItem& a, const SuitePlanItem& b) {
        if (a.phase != b.phase) return a.phase < b.phase;
        const double sa = std::max(a.allocs_share, a.bytes_share), sb = std::max(b.allocs_share, b.bytes_share);
        if (sa != sb) return sa > sb;
        return a.site_position < b.site_position;
    });
    std::map<int64_t, int> numbered;
    for (SuitePlanItem& item : doc.plan)
        item.priority = "P" + std::to_string(item.phase - 1) + "." + std::to_string(++numbered[item.phase]);

    // ---- missing coverage ----------------------------------------------------------------
    std::set<std::string> roots;
    for (const Scenario& sc : scenarios)
        if (sc.runs.back().report.source) {
            ++doc.scenarios_with_sources;
            roots.insert(sc.runs.back().report.source->source_root);
        }
    doc.coverage_from_sources = doc.scenarios_with_sources == static_cast<int64_t>(n) && roots.size() == 1;
    if (doc.coverage_from_sources) {
        struct Seen {
            CoverageFunction f;
            std::set<size_t> gap_in;
        };
        std::map<std::pair<std::string, std::string>, Seen> gaps;
        for (size_t s = 0; s < n; ++s)
            for (const reports::SourceGapRow& g : scenarios[s].runs.back().report.source_gaps) {
                Seen& seen = gaps[{g.file, g.function}];
                seen.f = {g.file, g.function, g.line_begin, g.constructs, g.in_loops, g.kinds, ""};
                seen.gap_in.insert(s);
            }
        for (auto& [key, seen] : gaps) {
            if (seen.gap_in.size() == n) {
                doc.not_reached.push_back(seen.f);
            } else if (seen.gap_in.size() + 1 == n) {
                for (size_t s = 0; s < n; ++s)
                    if (!seen.gap_in.count(s)) seen.f.only_scenario = scenarios[s].name;
                doc.reached_once.push_back(seen.f);
            }
        }
        std::stable_sort(doc.not_reached.begin(), doc.not_reached.end(), [](const CoverageFunction& a, const CoverageFunction& b) {
            return std::make_tuple(a.file, -a.in_loops, -a.constructs, a.line) <
                   std::make_tuple(b.file, -b.in_loops, -b.constructs, b.line);
        });
    } else if (n >= 2) {
        for (const SuiteSite& site : doc.sites) {
            if (outside_kind(site.tier) || site.tier == "unmeasured" || site.scenarios_reached() != 1) continue;
            CoverageFunction f;
            f.file = site.file;
            f.function = site.function;
            f.line = site.line;
            for (size_t s = 0; s < n; ++s)
                if (site.scenarios[s].reached) f.only_scenario = scenarios[s].name;
            doc.reached_once.push_back(f);
        }
    }
    std::stable_sort(doc.reached_once.begin(), doc.reached_once.end(), [](const CoverageFunction& a, const CoverageFunction& b) {
        return std::tie(a.file, a.line, a.function) < std::tie(b.file, b.line, b.function);
    });

    // ---- infrastructure ------------------------------------------------------------------
    std::map<std::string, size_t> row_of;
    for (size_t s = 0; s < n; ++s) {
        std::map<std::string, double> allocs;
        double whole = 0;
        for (const RunData& r : scenarios[s].runs) {
            whole += static_cast<double>(r.report.run_window().allocations);
            for (const symbolize::WrapperUse& u :
                 symbolize::wrapper_usage(db, r.run_id, symbolize::stored_site_config(db, r.run_id))) {
                auto [it, fresh] = row_of.emplace(u.group, doc.infrastructure.size());
                if (fresh) doc.infrastructure.push_back({u.group, u.patterns, std::vector<int64_t>(n, 0), std::vector<double>(n, 0)});
                allocs[u.group] += static_cast<double>(u.allocations);
            }
        }
        for (const auto& [group, a] : allocs) {
            WrapperRow& row = doc.infrastructure[row_of[group]];
            row.allocations[s] = static_cast<int64_t>(a / static_cast<double>(scenarios[s].runs.size()) + 0.5);
            row.share[s] = whole > 0 ? a / whole : 0;
        }
    }

    // ---- paths, summary, next steps ------------------------------------------------------
    std::vector<std::string> paths;
    for (const SuiteSite& s : doc.sites)
        if (!outside_kind(s.tier) && !s.file.empty()) paths.push_back(s.file);
    doc.path_prefix = reports::common_directory(paths);

    int tier_count[4] = {0, 0, 0, 0};
    int64_t unmeasured = 0;
    for (const SuiteSite& s : doc.sites) {
        for (int t = 0; t < 4; ++t) tier_count[t] += s.tier == reports::kTierNames[t];
        unmeasured += s.tier == "unmeasured";
    }
    std::string names;
    for (size_t s = 0; s < n; ++s) names += (s ? ", " : "") + scenarios[s].name;
    size_t runs = 0;
    for (const Scenario& sc : scenarios) runs += sc.runs.size();
    doc.summary.push_back(std::to_string(n) + " scenarios (" + std::to_string(runs) + " runs): " + names + ".");
    doc.summary.push_back("Sites across the suite: " + std::to_string(tier_count[0]) + " critical, " +
                          std::to_string(tier_count[1]) + " high, " + std::to_string(tier_count[2]) + " medium, " +
                          std::to_string(tier_count[3]) + " low; " + reports::format_plural(doc.runtime.sites, "runtime site", "runtime sites") +
                          " and " + reports::format_plural(unmeasured, "site", "sites") + " outside the measured windows.");
    if (!doc.sites.empty() && !doc.sites.front().tier.empty() && !outside_kind(doc.sites.front().tier) &&
        doc.sites.front().tier != "unmeasured") {
        const SuiteSite& top = doc.sites.front();
        std::string first_fix;
        for (const SuitePlanItem& p : doc.plan)
            if (p.site_key == top.site_key) first_fix = "; its plan item is " + p.priority + " (" + p.change + ")";
        doc.summary.push_back("The largest site is `" + top.function + "`: " + reports::format_percent(top.impact) + " of " +
                              top.impact_metric + " on average over the scenarios, reached by " +
                              std::to_string(top.scenarios_reached()) + " of " + std::to_string(n) + first_fix + ".");
    }
    const auto heaviest = std::max_element(doc.scenarios.begin(), doc.scenarios.end(),
                                           [](const ScenarioBaseline& a, const ScenarioBaseline& b) {
                                               return a.allocs_per_op < b.allocs_per_op;
                                           });
    doc.summary.push_back("The most allocation-heavy scenario is " + heaviest->name + ": " +
                          reports::format_rate(heaviest->allocs_per_op) + " allocs/" + (heaviest->per_run ? "run" : "op") +
                          ", " + reports::format_bytes(heaviest->bytes_per_op) + "/" + (heaviest->per_run ? "run" : "op") + ".");
    if (doc.coverage_from_sources)
        doc.summary.push_back(
            (doc.not_reached.size() == 1 ? std::string("1 function of the sources allocates and no scenario reaches it; ")
                                         : std::to_string(doc.not_reached.size()) +
                                               " functions of the sources allocate and no scenario reaches them; ") +
            std::to_string(doc.reached_once.size()) + (doc.reached_once.size() == 1 ? " is" : " are") +
            " reached by one scenario only.");

    if (!doc.plan.empty()) {
        const SuitePlanItem& first = doc.plan.front();
        const std::string target = first.site_position > 0
                                       ? doc.sites[static_cast<size_t>(first.site_position - 1)].function
                                       : first.target;
        doc.next_steps.push_back("Start with " + first.priority + ": " + first.change + " (`" + target + "`).");
    }
    if (!doc.not_reached.empty())
        doc.next_steps.push_back("Add a scenario that exercises `" + doc.not_reached.front().function + "` (" +
                                 file_name(doc.not_reached.front().file) + "): it allocates, and no scenario runs it.");
    if (!doc.coverage_from_sources)
        doc.next_steps.push_back("Analyse every scenario with the sources (`allocprof analyze " + doc.file +
                                 " --source-root DIR`, or a \"source\" section in the config) for what each site does "
                                 "and the functions no scenario reaches.");
    doc.next_steps.push_back("One scenario's own report: `allocprof report " + doc.file + " --scenario NAME`.");
    doc.next_steps.push_back("Gate the suite in CI: `allocprof compare BASELINE.db " + doc.file + "` (budgets: `--budget FILE`).");
    return doc;
}

}  // namespace allocprof::suite
