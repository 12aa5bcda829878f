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
#include "cli/config_file.h"
#include "schema/run_database.h"
#include "symbolize/site_config.h"

namespace allocprof::cli {
using namespace allocprof::symbolize;
using namespace allocprof::analyzers::source;
namespace {

using nlohmann::json;
namespace an = allocprof::analyzers;

struct AnalyzeConfig {
    an::AnalysisParams params;
    std::optional<SiteConfig> sites;  // only when the file has a "sites" section
    SourceOptions source;             // its "source" section, then the command line
};

AnalyzeConfig load_config(const std::string& path) {
    ConfigFile file = read_config_file(path);
    return {file.params, std::move(file.sites), std::move(file.source)};
}

void apply_gen0_budget(an::AnalysisParams& params, const std::string& value) {
    if (value == "auto") {
        an::AutoBudget a = an::auto_gen0_budget();
        params.gen0_budget = a.budget;
        params.gen0_budget_rule = a.rule;
        return;
    }
    std::string checked = value;
    const std::string problem = count_validator()(checked);
    const uint64_t bytes = problem.empty() ? std::stoull(value) : 0;
    if (bytes == 0) throw UsageError("--gen0-budget must be a positive byte count or auto, not '" + value + "'");
    params.gen0_budget = bytes;
    params.gen0_budget_rule = "command line";
}

struct AnalyzeOptions {
    std::string file;
    std::optional<std::string> config_file, gen0_budget;
    std::optional<int64_t> run;
    std::optional<std::string> source_root, compile_commands, source_cache;
    std::optional<std::string> suppressions;
    bool no_source = false;
};

int analyze(const AnalyzeOptions& o) {
    SourceOptions source;  // from the command line
    if (o.source_root) source.root = *o.source_root;
    if (o.compile_commands) source.compile_commands = *o.compile_commands;
    if (o.source_cache) source.cache_dir = *o.source_cache;
    const std::string& file = o.file;
    const std::optional<std::string>& config_file = o.config_file;
    const std::optional<std::string>& gen0_budget = o.gen0_budget;
    const std::optional<int64_t>& run = o.run;
    AnalyzeConfig config;
    if (config_file) config = load_config(*config_file);
    if (gen0_budget) apply_gen0_budget(config.params, *gen0_budget);
    config.source = merge_source_options(config.source, source);
    if (o.no_source && config.source.enabled())
        throw UsageError("--no-source and a source root (--source-root or the config's \"source\" root) contradict each other");
    if (config.source.compile_commands && !config.source.enabled())
        throw UsageError("--compile-commands needs --source-root (or a \"source\" root in the config)");
    // Before the database is opened: a bad root or compile_commands.json is refused first.
    std::optional<RunSourceAnalyzer> sources;
    if (config.source.enabled()) sources.emplace(config.source);
    std::vector<an::SuppressionRule> suppressions;
    try {
        if (o.suppressions) suppressions = an::read_suppressions(*o.suppressions);
    } catch (const an::SuppressionsError& e) {
        throw UsageError(e.what());
    }

    auto db = schema::Database::open_existing(file, true);
    db.add_missing_tables();
    std::vector<int64_t> runs = run ? std::vector<int64_t>{schema::select_run(db, run)} : schema::run_ids(db);
    if (runs.empty()) throw std::runtime_error(file + ": the database holds no run");
    an::AnalyzeSettings settings;
    settings.params = config.params;
    settings.sites = config.sites;
    settings.sources = sources ? &*sources : nullptr;
    settings.find_sources = !o.no_source;
    settings.suppressions = std::move(suppressions);
    for (int64_t id : runs) std::cout << an::describe(analyze_with_status(db, id, settings)) << "\n" << std::flush;
    return kExitOk;
}

}  // namespace

void add_analyze_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand(
        "analyze", "per-op metrics, Gen0-style collections, lifetimes, tiers and the remediation plan");
    c->footer(
        "Computes the metrics, site tiers and the remediation plan of every run in FILE (or of run ID)\n"
        "from its stored events, and stores them in FILE for report and compare. Analysing again\n"
        "replaces the results. Without --source-root, the program's own source files, as its debug\n"
        "information names them, are analysed when they are on disk (--no-source skips this). The\n"
        "config file's \"source\" section takes root, compile_commands, cache_dir, include_dirs.");
    auto o = std::make_shared<AnalyzeOptions>();
    add_file(c, o->file);
    c->add_option("--config", o->config_file,
                  "JSON: {\"sites\": {...wrapper lists...}, \"analysis\": {...parameters...}}")
        ->type_name("FILE");
    c->add_option("--gen0-budget", o->gen0_budget,
                  "the nursery budget B0 in bytes (default 8 MiB), or auto: the .NET workstation rule "
                  "applied to this machine's last-level cache")
        ->type_name("B|auto");
    add_run(c, o->run, "only this run (default: every run)");
    c->add_option("--suppressions", o->suppressions,
                  "sites to leave out of the tiers, the plan and the unfreed totals: lines of function:GLOB or "
                  "module:GLOB (# comments); the report counts what they took")
        ->type_name("FILE");
    c->add_option("--source-root", o->source_root,
                  "source-aware analysis: what each site under DIR allocates (libclang), and the functions "
                  "of DIR that allocate but that no recorded stack runs")
        ->type_name("DIR");
    c->add_flag("--no-source", o->no_source,
                "no source analysis, not even of the files the program's debug information names");
    c->add_option("--compile-commands", o->compile_commands,
                  "the compile_commands.json to parse DIR's files with (default: C++20 or C11 flags with -I "
                  "the file's directory)")
        ->type_name("FILE");
    c->add_option("--source-cache", o->source_cache,
                  "the parse cache (default $XDG_CACHE_HOME/allocprof/source); \"\" turns it off")
        ->type_name("DIR");
    c->callback([o, &run] { run = [o] { return analyze(*o); }; });
}

}  // namespace allocprof::cli
