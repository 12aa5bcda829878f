// analyze_command.cpp — `allocprof analyze run.db [--config FILE] [--gen0-budget N|auto]
// [--run ID]`: analyses each run's stored event stream (analyzers/run_analysis.h) and
// stores the metrics, tiers and plan in the database (the analysis tables of
// schema/allocprof_v2.sql), so that every report and comparison reads the same numbers.
//
// Configuration is one JSON file shared by the commands: its "sites" section holds the
// wrapper lists (symbolize/site_config.h), its "analysis" section the parameters
// (analyzers/analysis_params.h). Both are stored with the results; analysing again with
// other parameters recomputes everything from the stored events, without recording again.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "analyzers/analysis_params.h"
#include "analyzers/cache_budget.h"
#include "analyzers/run_analysis.h"
#include "analyzers/source/site_sources.h"
#include "analyzers/source/source_options.h"
#include "cli/cli.h"
#include "schema/run_database.h"
#include "symbolize/site_config.h"

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
    std::vector<int64_t> runs = run ? std::vector<int64_t>{schema::select_run(db, run)} : schema::run_ids(db);
    if (runs.empty()) throw std::runtime_error(file + ": the database holds no run");
    an::AnalyzeSettings settings;
    settings.params = config.params;
    settings.sites = config.sites;
    settings.sources = sources ? &*sources : nullptr;
    settings.notice = [](const std::string& text) { std::cerr << "allocprof: " << text << "\n"; };
    for (int64_t id : runs) std::cout << an::describe(an::analyze_stored_run(db, id, settings)) << "\n" << std::flush;
    return kExitOk;
}

}  // namespace allocprof::cli
