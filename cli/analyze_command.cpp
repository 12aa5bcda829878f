// analyze_command.cpp — `allocprof analyze run.db [--config FILE] [--gen0-budget N|auto]
// [--run ID]`: runs the analyzers (analyzers/run_analyzer.h) over each run's stored event
// stream and writes the metrics, tiers and plan into the database (the analysis tables of
// schema/allocprof_v1.sql), so that every report and comparison reads the same numbers.
//
// Configuration is one JSON file shared by the commands: its "sites" section holds the
// wrapper lists (symbolize/site_config.h), its "analysis" section the parameters
// (analyzers/analysis_params.h). Both are stored with the results; analysing again with
// other parameters recomputes everything from the stored events, without recording again.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "analyzers/analysis_json.h"
#include "analyzers/analysis_params.h"
#include "analyzers/cache_budget.h"
#include "cli/cli.h"
#include "analyzers/database_events.h"
#include "analyzers/run_analyzer.h"
#include "schema/run_database.h"
#include "symbolize/run_symbolizer.h"
#include "symbolize/site_config.h"
#include "analyzers/source/site_sources.h"
#include "analyzers/source/source_options.h"

namespace allocprof::cli {
using namespace allocprof::symbolize;
using namespace allocprof::analyzers::source;
namespace {

using nlohmann::json;
namespace an = allocprof::analyzers;

const char* const kAnalyzeUsage =
    "usage: allocprof analyze FILE [--config FILE] [--gen0-budget BYTES|auto] [--run ID]\n"
    "                         [--source-root DIR [--compile-commands FILE] [--source-cache DIR]]\n"
    "\n"
    "Computes per-op metrics, Gen0-style collections, lifetimes, growth chains, site tiers and\n"
    "the remediation plan of every run in FILE (or of run ID) from its stored events, and\n"
    "stores them in FILE for report and compare. Analysing again replaces the results.\n"
    "\n"
    "  --config FILE        JSON: {\"sites\": {...wrapper lists...}, \"analysis\": {...parameters...}}\n"
    "  --gen0-budget B|auto the nursery budget B0 in bytes (default 8 MiB), or auto: the .NET\n"
    "                       workstation rule applied to this machine's last-level cache\n"
    "  --source-root DIR    source-aware analysis: what each site under DIR allocates (libclang),\n"
    "                       which refines the plan, and the functions of DIR that allocate but\n"
    "                       that no recorded stack runs (coverage gaps)\n"
    "  --compile-commands F the compile_commands.json to parse DIR's files with (default: C++20\n"
    "                       or C11 flags with -I the file's directory)\n"
    "  --source-cache DIR   the parse cache (default $XDG_CACHE_HOME/allocprof/source or\n"
    "                       ~/.cache/allocprof/source); \"\" turns it off\n"
    "The config file's \"source\" section takes root, compile_commands, cache_dir, include_dirs.\n";

// The known top-level sections of the shared config file; anything else is a typo.
const char* const kConfigSections[] = {"sites", "analysis", "source", "compare", "suite"};

struct AnalyzeConfig {
    an::AnalysisParams params;
    std::optional<SiteConfig> sites;  // only when the file has a "sites" section
    SourceOptions source;             // its "source" section, then the command line
};

AnalyzeConfig load_config(const std::string& path) {
    AnalyzeConfig config;
    std::ifstream in(path);
    if (!in) throw UsageError(path + ": cannot read the config file");
    json doc;
    try {
        doc = json::parse(in);
    } catch (const json::parse_error& e) {
        throw UsageError(path + ": not valid JSON: " + e.what());
    }
    if (!doc.is_object()) throw UsageError(path + ": the config must be a JSON object");
    for (const auto& item : doc.items()) {
        bool known = false;
        for (const char* section : kConfigSections) known |= item.key() == section;
        if (!known)
            throw UsageError(path + ": unknown section '" + item.key() +
                             "' (known: sites, analysis, source, compare, suite)");
    }
    try {
        if (doc.contains("analysis")) config.params = an::params_from_json(doc["analysis"], path + ": analysis");
        if (doc.contains("sites")) config.sites = load_site_config(path);
        if (doc.contains("source")) config.source = source_options_from_json(doc["source"], path);
    } catch (const an::ParamsError& e) {
        throw UsageError(e.what());
    } catch (const SiteConfigError& e) {
        throw UsageError(e.what());
    }
    return config;
}

void apply_gen0_budget(an::AnalysisParams& params, const std::string& value) {
    if (value == "auto") {
        an::AutoBudget a = an::auto_gen0_budget();
        params.gen0_budget = a.budget;
        params.gen0_budget_rule = a.rule;
        return;
    }
    uint64_t bytes = parse_count("--gen0-budget", value);
    if (bytes == 0) throw UsageError("--gen0-budget must be a positive byte count or auto");
    params.gen0_budget = bytes;
    params.gen0_budget_rule = "command line";
}

// node -> site index (site_id - 1), from stack_sites.
an::SiteMap load_site_map(schema::Database& db, int64_t run_id) {
    uint32_t sites = 0, max_node = 0;
    {
        auto s = db.prepare("SELECT count(*), (SELECT max(node_id) FROM stack_sites WHERE run_id = ?1) "
                            "FROM sites WHERE run_id = ?1");
        s.bind(1, run_id);
        if (s.step()) {
            sites = static_cast<uint32_t>(s.int64(0));
            max_node = static_cast<uint32_t>(s.int64(1));
        }
    }
    std::vector<uint32_t> node_to_site(max_node + 1, an::SiteMap::kUnmapped);
    auto s = db.prepare("SELECT node_id, site_id FROM stack_sites WHERE run_id = ?");
    s.bind(1, run_id);
    while (s.step()) node_to_site[static_cast<size_t>(s.int64(0))] = static_cast<uint32_t>(s.int64(1) - 1);
    return an::SiteMap(std::move(node_to_site), sites);
}

// The interpreter's own collections per window (gc_cycles), per 1000 ops like Gen0.
void write_gc_per_window(schema::Database& db, int64_t run_id, const an::RunMetrics& metrics) {
    auto count = db.prepare(
        "SELECT g.language, g.generation, count(*) FROM gc_cycles g LEFT JOIN phases p ON "
        "p.run_id = g.run_id AND p.phase_id = g.phase_id WHERE g.run_id = ? AND (? = 1 OR "
        "p.name = ?) GROUP BY g.language, g.generation ORDER BY g.language, g.generation");
    auto insert = db.prepare(
        "INSERT INTO analysis_gc(run_id, window, language, generation, cycles, per_1k_ops) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    auto write = [&](const an::WindowMetrics& w) {
        const std::string window = w.whole_run ? std::string() : w.name;
        count.bind_all(run_id, w.whole_run ? 1 : 0, window);
        while (count.step()) {
            const int64_t cycles = count.int64(2);
            const double per_1k = w.ops > 0 ? 1000.0 * static_cast<double>(cycles) /
                                                  static_cast<double>(w.ops)
                                            : static_cast<double>(cycles);
            insert.bind_all(run_id, window, count.text(0), count.int64(1), cycles, per_1k);
            insert.run();
        }
        count.reset();
    };
    write(metrics.run);
    for (const auto& phase : metrics.phases) write(phase);
}

void write_analysis(schema::Database& db, int64_t run_id, const an::RunAnalysis& a,
                    const json& site_config, const std::string& ops_source, double seconds) {
    schema::Transaction t(db);
    for (const char* table :
         {"analysis", "analysis_windows", "analysis_sites", "plan_items", "analysis_gc"}) {
        auto del = db.prepare(std::string("DELETE FROM ") + table + " WHERE run_id = ?");
        del.bind(1, run_id).run();
    }
    const an::WindowMetrics& run = a.metrics.run;
    {
        auto s = db.prepare(
            "INSERT INTO analysis(run_id, analyzed_unix_ns, tool_version, params, site_config, ops, "
            "ops_source, unmatched_frees, seconds, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        s.bind_all(run_id, static_cast<int64_t>(now), ALLOCPROF_VERSION,
                   an::params_to_json(a.params).dump(), site_config.dump(), run.ops, ops_source,
                   a.metrics.unmatched_frees, seconds, an::to_json(a).dump());
        s.run();
    }
    {
        auto s = db.prepare(
            "INSERT INTO analysis_windows(run_id, window, occurrences, begin_event, end_event, ops, "
            "per_run, allocations, reallocs, frees, bytes_allocated, allocs_per_op, bytes_per_op, "
            "collections, gen0_per_1k, nursery_bytes, gen0_star_per_1k, survived_bytes, "
            "collected_bytes, survival_rate, dies_young, temporary_k0, temporary_k1, "
            "peak_live_bytes, peak_live_event, unfreed_blocks, unfreed_bytes, leak_slope, size_p50, "
            "size_p90, size_p99, size_max) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        auto write = [&](const an::WindowMetrics& w) {
            auto temp = [&](size_t k) { return k < w.temporary_k.size() ? w.temporary_k[k] : 0; };
            s.bind_all(run_id, w.whole_run ? std::string() : w.name, w.occurrences, w.begin_event,
                       w.end_event, w.ops, w.per_run ? 1 : 0, w.allocations, w.reallocs, w.frees,
                       w.bytes_allocated, w.allocs_per_op, w.bytes_per_op, w.collections,
                       w.gen0_per_1k, w.nursery_bytes, w.gen0_star_per_1k, w.survived_bytes,
                       w.collected_bytes);
            s.bind(20, w.survival_rate);
            s.bind(21, w.dies_young).bind(22, temp(0)).bind(23, temp(1));
            s.bind(24, w.peak_live_bytes).bind(25, w.peak_live_event);
            if (w.has_unfreed)
                s.bind(26, w.unfreed_blocks).bind(27, w.unfreed_bytes);
            else
                s.bind_null(26).bind_null(27);
            s.bind(28, w.leak_slope);
            s.bind(29, w.sizes.p50).bind(30, w.sizes.p90).bind(31, w.sizes.p99).bind(32, w.sizes.max);
            s.run();
        };
        write(run);
        for (const auto& phase : a.metrics.phases) write(phase);
    }
    write_gc_per_window(db, run_id, a.metrics);
    {
        std::vector<const an::SiteRank*> rank_of(a.metrics.sites.size(), nullptr);
        for (const auto& r : a.ranks)
            if (r.site < rank_of.size()) rank_of[r.site] = &r;
        auto s = db.prepare(
            "INSERT INTO analysis_sites(run_id, site_id, allocs_per_op, bytes_per_op, nursery_bytes, "
            "gen0_star_per_1k, survival_rate, dies_young, freed_within_op, live_at_peak_bytes, "
            "max_live_bytes, unfreed_bytes, leak_slope, size_p50, size_p90, size_p99, size_max, "
            "sizes_exact, lifetime, chains, inferred_chains, chain_pattern, chain_description, "
            "copied_bytes, avoidable_bytes, impact, impact_metric, position, tier, base_tier, rule) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?)");
        for (const auto& m : a.metrics.sites) {
            const an::SiteRank* r = rank_of[m.site];
            if (!r) continue;  // a site without allocations in this run
            s.bind_all(run_id, static_cast<int64_t>(m.site) + 1, m.allocs_per_op, m.bytes_per_op,
                       m.nursery_bytes, m.gen0_star_per_1k);
            s.bind(7, m.survival_rate);
            s.bind(8, m.dies_young).bind(9, m.freed_within_op).bind(10, m.live_at_peak_bytes);
            s.bind(11, m.max_live_bytes).bind(12, m.unfreed_bytes);
            s.bind(13, m.leak_slope);
            s.bind(14, m.sizes.p50).bind(15, m.sizes.p90).bind(16, m.sizes.p99).bind(17, m.sizes.max);
            s.bind(18, m.sizes_exact ? 1 : 0).bind(19, an::to_string(m.lifetime));
            s.bind(20, m.chains.chains).bind(21, m.chains.inferred_chains);
            if (m.chains.has_longest)
                s.bind(22, an::to_string(m.chains.longest.pattern)).bind(23, m.chains.longest.describe());
            else
                s.bind_null(22).bind_null(23);
            s.bind(24, m.chains.copied_bytes).bind(25, m.chains.avoidable_bytes);
            s.bind(26, r->impact).bind(27, r->impact_metric).bind(28, r->position);
            s.bind(29, an::to_string(r->tier)).bind(30, an::to_string(r->base_tier)).bind(31, r->rule);
            s.run();
        }
    }
    {
        auto s = db.prepare(
            "INSERT INTO plan_items(run_id, item_index, site_id, phase, kind, risk, tier, change, "
            "evidence, tier_sizes, saving_allocs_per_op, saving_bytes_per_op, saving_gen0_star_1k, "
            "saving_gen0_1k) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (size_t i = 0; i < a.plan.items.size(); ++i) {
            const an::PlanItem& p = a.plan.items[i];
            s.bind_all(run_id, static_cast<int64_t>(i), static_cast<int64_t>(p.site) + 1, p.phase,
                       an::to_string(p.kind), an::to_string(p.risk), an::to_string(p.tier), p.change,
                       p.evidence, json(p.tier_sizes).dump(), p.saving.allocs_per_op,
                       p.saving.bytes_per_op, p.saving.gen0_star_per_1k);
            s.bind(14, p.saving.simulated ? std::optional<double>(p.saving.gen0_per_1k)
                                                    : std::nullopt);
            s.run();
        }
    }
    t.commit();
}

// The source side of a run (when there is a source root): constructs for the planner, and
// the rows of the source tables, written with the analysis.
std::optional<RunSources> analyze_sources(schema::Database& db, int64_t run_id, RunSourceAnalyzer* sources) {
    if (!sources) return std::nullopt;
    return sources->analyze(db, run_id);
}

void write_sources(schema::Database& db, int64_t run_id, const std::optional<RunSources>& run_sources,
                   const RunSourceAnalyzer* sources) {
    if (run_sources)
        write_run_sources(db, run_id, *run_sources, *sources);
    else
        clear_run_sources(db, run_id);
}

// Analyses one run; returns the result for the terminal: one line, and the source lines.
std::string analyze_one(schema::Database& db, const std::string& file, int64_t run_id,
                        const AnalyzeConfig& config, RunSourceAnalyzer* sources) {
    std::optional<uint64_t> run_ops;
    std::string ops_source = "none";
    bool events_stored = true;
    {
        auto s = db.prepare("SELECT ops, ops_source, events_stored, complete FROM runs WHERE run_id = ?");
        s.bind(1, run_id);
        if (!s.step()) throw std::runtime_error(file + ": no run " + std::to_string(run_id));
        if (!s.is_null(1)) ops_source = s.text(1);
        if (ops_source == "command-line") run_ops = static_cast<uint64_t>(s.int64(0));
        events_stored = s.int64(2) != 0;
        if (s.int64(3) == 0)
            throw std::runtime_error(file + ": run " + std::to_string(run_id) +
                                     " is incomplete (its recorder stopped before the end)");
    }
    if (!events_stored)
        throw std::runtime_error(file + ": run " + std::to_string(run_id) +
                                 " was recorded with --no-events; the analysis needs the event "
                                 "stream: record it again without --no-events");
    // Sites come from symbolization: attribute them now if the run never was, or again
    // with the wrapper lists of --config.
    if (config.sites || !is_symbolized(db, run_id)) {
        if (!config.sites)
            std::cerr << "allocprof: run " << run_id << " was not symbolized yet; symbolizing it first\n";
        SymbolizeOptions options;
        if (config.sites) options.config = *config.sites;
        symbolize_run(db, run_id, options);
    }
    json site_config = json::object();
    {
        auto s = db.prepare("SELECT site_config FROM symbolization WHERE run_id = ?");
        s.bind(1, run_id);
        if (s.step() && !s.is_null(0)) site_config = json::parse(s.text(0), nullptr, false);
    }

    const std::optional<RunSources> run_sources = analyze_sources(db, run_id, sources);
    const auto start = std::chrono::steady_clock::now();
    an::AnalysisInput input{load_site_map(db, run_id), run_ops,
                            run_sources ? constructs_by_site(*run_sources) : std::vector<an::source::SourceConstruct>{}};
    an::RunAnalysis analysis = an::analyze_run(an::replay_database(db, run_id), input, config.params);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_analysis(db, run_id, analysis, site_config, ops_source, seconds);
    write_sources(db, run_id, run_sources, sources);

    int tiers[4] = {0, 0, 0, 0};
    for (const auto& r : analysis.ranks) ++tiers[static_cast<int>(r.tier)];
    const auto& w = analysis.metrics.run;
    char line[256];
    std::snprintf(line, sizeof(line),
                  "run %lld: %s allocs/op, %s/op%s; sites: %d critical, %d high, %d medium, %d low; "
                  "%zu plan items (%.2f s)",
                  static_cast<long long>(run_id), format_count(uint64_t(w.allocs_per_op + 0.5)).c_str(),
                  format_bytes(uint64_t(w.bytes_per_op + 0.5)).c_str(),
                  w.per_run ? " (per run: no ops counted)" : "", tiers[0], tiers[1], tiers[2], tiers[3],
                  analysis.plan.items.size(), seconds);
    std::string out = line;
    if (run_sources)
        for (const std::string& l : describe_run_sources(*run_sources)) out += "\n" + l;
    return out;
}

}  // namespace

int analyze_command(const Arguments& args) {
    std::string file;
    std::optional<std::string> config_file, gen0_budget;
    std::optional<int64_t> run;
    SourceOptions source;  // from the command line
    ArgReader a(args, "analyze");
    while (a.next()) {
        if (a.help()) {
            std::cout << kAnalyzeUsage;
            return kExitOk;
        } else if (a.is("--config")) {
            config_file = a.value();
        } else if (a.is("--gen0-budget")) {
            gen0_budget = a.value();
        } else if (a.is("--run")) {
            run = static_cast<int64_t>(a.count_value());
        } else if (a.is("--source-root")) {
            source.root = a.value();
        } else if (a.is("--compile-commands")) {
            source.compile_commands = a.value();
        } else if (a.is("--source-cache")) {
            source.cache_dir = a.value();
        } else {
            a.file(file);
        }
    }
    a.require(file);
    AnalyzeConfig config;
    if (config_file) config = load_config(*config_file);
    if (gen0_budget) apply_gen0_budget(config.params, *gen0_budget);
    config.source = merge_source_options(config.source, source);
    if (config.source.compile_commands && !config.source.enabled())
        throw UsageError("--compile-commands needs --source-root (or a \"source\" root in the config)");
    // Before the database is opened: a bad root or compile_commands.json is refused first.
    std::optional<RunSourceAnalyzer> sources;
    if (config.source.enabled()) sources.emplace(config.source);

    auto db = schema::Database::open_existing(file, true);
    db.add_missing_tables();
    std::vector<int64_t> runs = run ? std::vector<int64_t>{select_run(db, run)} : run_ids(db);
    if (runs.empty()) throw std::runtime_error(file + ": the database holds no run");
    for (int64_t id : runs)
        std::cout << analyze_one(db, file, id, config, sources ? &*sources : nullptr) << "\n" << std::flush;
    return kExitOk;
}

}  // namespace allocprof::cli
