// run_analysis.cpp — see run_analysis.h.
#include "analyzers/run_analysis.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "analyzers/analysis_store.h"
#include "analyzers/database_events.h"
#include "analyzers/runtime_sites.h"
#include "analyzers/source_remediation.h"
#include "analyzers/source/default_sources.h"
#include "analyzers/source/stack_construct.h"
#include "schema/stored_stacks.h"
#include "schema/ids.h"
#include "schema/units.h"
#include "symbolize/run_symbolizer.h"
#include "symbolize/site_attribution.h"

namespace allocprof::analyzers {

SiteMap load_site_map(schema::Database& db, int64_t run_id) {
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
    std::vector<uint32_t> node_to_site(max_node + 1, SiteMap::kUnmapped);
    auto s = db.prepare("SELECT node_id, site_id FROM stack_sites WHERE run_id = ?");
    s.bind(1, run_id);
    while (s.step())
        node_to_site[static_cast<size_t>(s.int64(0))] = schema::site_index(schema::SiteId(s.int64(1))).value;
    return SiteMap(std::move(node_to_site), sites);
}

namespace {

using nlohmann::json;

struct SiteNames {
    std::vector<std::string> runtime_modules;  // per site index: its runtime module, or ""
    std::vector<std::string> startup;          // per site index: its start-up function, or ""
    std::vector<std::string> functions;        // per site index: "module\tfunction"
    std::vector<std::string> suppressed;       // per site index: the matching rule, or ""
    std::vector<std::string> unnamed_modules;  // per site index: the module of native code
                                               // without a name (module+0xoffset, no file), or ""
};

// Per site index: the runtime module its code is in ("" for the program's own code), the
// function it is in, the suppression rule that matches it, and whether it is unnamed.
SiteNames load_site_names(schema::Database& db, int64_t run_id, const std::vector<SuppressionRule>& rules) {
    SiteNames out;
    auto s = db.prepare("SELECT site_id, module, function, file FROM sites WHERE run_id = ? ORDER BY site_id");
    s.bind(1, run_id);
    while (s.step()) {
        const uint32_t index = schema::site_index(schema::SiteId(s.int64(0))).value;
        if (index >= out.functions.size()) {
            out.runtime_modules.resize(index + 1);
            out.startup.resize(index + 1);
            out.functions.resize(index + 1);
            out.suppressed.resize(index + 1);
            out.unnamed_modules.resize(index + 1);
        }
        const std::string module = s.text(1);
        const std::string function = s.is_null(2) ? std::string() : s.text(2);
        if (is_runtime_module(module)) out.runtime_modules[index] = module;
        // Site attribution gives the interpreter's start-up to its start-up functions' frames.
        if (const std::string_view name = symbolize::qualified_name(function); symbolize::is_startup_function(name)) {
            out.runtime_modules[index] = module;
            out.startup[index] = std::string(name);
        }
        if (!function.empty()) out.functions[index] = module + "\t" + function;
        out.suppressed[index] = matching_rule(rules, module, function);
        const bool has_file = !s.is_null(3) && !s.text(3).empty();
        if (!module.empty() && !has_file && function.rfind(module + "+0x", 0) == 0) out.unnamed_modules[index] = module;
    }
    return out;
}

// Per site index, for a site of `unnamed_modules`: what would name it (the debug coverage's
// fix for its module, else a build with -g) and, in a run with script frames, the script
// lines whose stacks reach it, the three that allocate most there. "" for every other site.
std::vector<std::string> load_unnamed_hints(schema::Database& db, int64_t run_id,
                                            const std::vector<std::string>& unnamed_modules) {
    std::vector<std::string> out(unnamed_modules.size());
    if (std::all_of(unnamed_modules.begin(), unnamed_modules.end(), [](const std::string& m) { return m.empty(); }))
        return out;
    std::map<std::string, std::string> fix_of_module;  // file name -> fix
    if (db.has_table("debug_coverage")) {
        auto c = db.prepare("SELECT path, fix FROM debug_coverage WHERE run_id = ?");
        c.bind(1, run_id);
        while (c.step()) {
            const std::string path = c.text(0);
            fix_of_module[path.substr(path.rfind('/') + 1)] = c.text(1);
        }
    }
    for (size_t index = 0; index < unnamed_modules.size(); ++index) {
        const std::string& module = unnamed_modules[index];
        if (module.empty()) continue;
        auto fix = fix_of_module.find(module);
        out[index] = fix != fix_of_module.end() && !fix->second.empty()
                         ? fix->second + " (`" + module + "` has no debug information here)"
                         : "build `" + module + "` with -g, or install its debug symbols";
    }
    if (!db.has_table("stack_script_sites")) return out;
    auto lines = db.prepare(
        "SELECT t.site_id, x.function, x.file, x.line, sum(k.allocations) AS n FROM stack_sites t"
        " JOIN stack_script_sites ss ON ss.run_id = t.run_id AND ss.node_id = t.node_id"
        " JOIN script_sites x ON x.run_id = ss.run_id AND x.site_id = ss.site_id"
        " JOIN stack_stats k ON k.run_id = t.run_id AND k.node_id = t.node_id"
        " WHERE t.run_id = ? AND x.module <> '' GROUP BY t.site_id, x.site_id ORDER BY t.site_id, n DESC, x.site_id");
    lines.bind(1, run_id);
    std::vector<int> listed(out.size(), 0);
    while (lines.step()) {
        const uint32_t index = schema::site_index(schema::SiteId(lines.int64(0))).value;
        if (index >= out.size() || out[index].empty() || listed[index] >= 3) continue;
        const std::string file = lines.text(2);
        const std::string where = lines.text(1) + " (" + file.substr(file.rfind('/') + 1) +
                                  (lines.int64(3) > 0 ? ":" + std::to_string(lines.int64(3)) : "") + ")";
        out[index] += std::string(listed[index] == 0 ? "; in script terms, it serves " : ", ") + "`" + where +
                      "` (" + units::format_count(lines.int64(4)) +
                      (lines.int64(4) == 1 ? " allocation)" : " allocations)");
        ++listed[index];
    }
    return out;
}

// Per site index: the construct its top stack's library frames name (stack_construct.h).
std::vector<source::SourceConstruct> load_stack_constructs(schema::Database& db, int64_t run_id) {
    std::vector<source::SourceConstruct> out;
    const schema::StoredStacks stacks = schema::StoredStacks::load(db, run_id);
    auto s = db.prepare("SELECT site_id, function, top_node FROM sites WHERE run_id = ? ORDER BY site_id");
    s.bind(1, run_id);
    std::vector<schema::StackFrame> frames;
    std::vector<std::string_view> plumbing;
    while (s.step()) {
        const uint32_t index = schema::site_index(schema::SiteId(s.int64(0))).value;
        if (index >= out.size()) out.resize(index + 1);
        const std::string function = s.text(1);
        frames.clear();
        plumbing.clear();
        stacks.stack(static_cast<uint32_t>(s.int64(2)), frames);
        for (const schema::StackFrame& f : frames) {
            if (f.function == function) break;
            plumbing.push_back(f.function);
        }
        if (plumbing.size() < frames.size()) out[index] = construct_from_stack(plumbing);
    }
    return out;
}

// The source's construct where it names one, else the stack's; a node container's stack
// wins over the source's "container growth" (reserve would not remove its nodes).
std::vector<source::SourceConstruct> merge_constructs(std::vector<source::SourceConstruct> from_source,
                                                      const std::vector<source::SourceConstruct>& from_stack) {
    if (from_source.size() < from_stack.size()) from_source.resize(from_stack.size());
    for (size_t i = 0; i < from_stack.size(); ++i) {
        const source::SourceConstruct& stack = from_stack[i];
        source::SourceConstruct& c = from_source[i];
        if (stack.kind == "unknown") continue;
        if (!has_construct(c) || (stack.kind == "node_container" && c.kind == "container_growth")) c = stack;
    }
    return from_source;
}

struct RunFacts {
    std::optional<uint64_t> ops;  // --ops N
    std::string ops_source = "none";
    uint64_t events = 0;
    bool split_stacks = true;  // more than one thread, or a phase: worth splitting the stacks
    uint64_t blocks = 0;       // allocations (each makes a block)
};

RunFacts check_run(schema::Database& db, int64_t run_id) {
    RunFacts facts;
    auto s = db.prepare("SELECT ops, ops_source, events_stored, complete, threads, "
                        "(SELECT count(*) FROM phases p WHERE p.run_id = runs.run_id) FROM runs WHERE run_id = ?");
    s.bind(1, run_id);
    const std::string run = db.path() + ": run " + std::to_string(run_id);
    if (!s.step()) throw RunNotAnalysable(db.path() + ": no run " + std::to_string(run_id));
    if (!s.is_null(1)) facts.ops_source = s.text(1);
    if (facts.ops_source == "command-line") facts.ops = static_cast<uint64_t>(s.int64(0));
    facts.split_stacks = s.is_null(4) || s.int64(4) > 1 || s.int64(5) > 0;
    if (s.int64(3) == 0) throw RunNotAnalysable(run + " is incomplete (its recorder stopped before the end)");
    if (s.int64(2) == 0)
        throw RunNotAnalysable(run + " was recorded with --no-events; the analysis needs the event stream: "
                                     "record it again without --no-events");
    // The totals were counted by the recorder from every event it stored: chunks that hold
    // fewer (deleted, or a copy cut short) would give an analysis of part of the run that
    // reads as the whole, and replace a good one. Refused before anything is written.
    auto totals = db.prepare(
        "SELECT r.event_count, r.allocations, (SELECT count(*) FROM event_chunks c WHERE c.run_id = r.run_id), "
        "(SELECT coalesce(sum(c.event_count), 0) FROM event_chunks c WHERE c.run_id = r.run_id) "
        "FROM runs r WHERE r.run_id = ?");
    totals.bind(1, run_id);
    if (totals.step()) {
        const int64_t events = totals.int64(0), allocations = totals.int64(1);
        const int64_t chunks = totals.int64(2), stored = totals.int64(3);
        const std::string of = "run " + std::to_string(run_id) + " of " + db.path();
        facts.events = static_cast<uint64_t>(std::max<int64_t>(events, 0));
        facts.blocks = static_cast<uint64_t>(std::max<int64_t>(allocations, 0));
        if (chunks == 0 && (events > 0 || allocations > 0))
            throw RunNotAnalysable(of + " has no stored events (its totals say " + std::to_string(allocations) +
                                   " allocations); nothing analysed");
        if (stored != events)
            throw RunNotAnalysable(of + ": its event chunks hold " + std::to_string(stored) + " events, its totals say " +
                                   std::to_string(events) + "; nothing analysed");
    }
    return facts;
}

// `replay`, telling `progress` every 64 Ki events how far the pass is: the first pass is
// the analysis, the second the simulation of the plan without its sites.
EventReplay counted_replay(EventReplay replay, uint64_t total, const AnalyzeSettings::ProgressFn& progress) {
    if (!progress) return replay;
    return [replay = std::move(replay), total, progress, pass = 0](const EventVisitor& visit) mutable {
        const std::string step = ++pass == 1 ? "replaying events" : "simulating the plan";
        uint64_t done = 0;
        replay([&](const schema::Event& e) {
            visit(e);
            if ((++done & 0xFFFF) == 0) progress(step, done, total);
        });
    };
}

int64_t unix_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The analyzer of the program's own sources (default_sources.h), or null when there are
// none on disk or they cannot be used; the notice says which.
std::unique_ptr<source::RunSourceAnalyzer> program_sources(schema::Database& db, int64_t run_id,
                                                           const std::function<void(const std::string&)>& notice) {
    const auto tell = [&](const std::string& text) {
        if (notice) notice("run " + std::to_string(run_id) + ": source: " + text);
    };
    if (!source::source_analysis_built()) {
        tell(source::kNoSourceAnalysis);
        return nullptr;
    }
    source::DefaultSources found = source::default_sources(db, run_id);
    if (!found.options.enabled()) {
        tell("no source analysis: " + found.why_not);
        return nullptr;
    }
    try {
        auto analyzer = std::make_unique<source::RunSourceAnalyzer>(found.options);
        tell("the program's " + std::to_string(found.options.units.size()) + " source file" +
             (found.options.units.size() == 1 ? "" : "s") + " under " + found.options.root.string() +
             ", as its debug information names them" +
             (found.options.compile_commands ? ", with " + found.options.compile_commands->string() : "") +
             " (--no-source skips this, --source-root names another tree)");
        return analyzer;
    } catch (const std::exception& e) {
        tell(std::string("no source analysis: ") + e.what());
        return nullptr;
    }
}

}  // namespace

namespace {

AnalyzeResult analyze_checked_run(schema::Database& db, int64_t run_id, const AnalyzeSettings& settings) {
    db.add_missing_tables();
    const RunFacts facts = check_run(db, run_id);
    if (settings.sites || !symbolize::is_symbolized(db, run_id)) {
        if (!settings.sites && settings.notice)
            settings.notice("run " + std::to_string(run_id) + " was not symbolized yet; symbolizing it first");
        symbolize::SymbolizeOptions options;
        if (settings.sites) options.config = *settings.sites;
        options.on_progress = settings.progress;
        symbolize::symbolize_run(db, run_id, options);
    }
    std::string site_config = "{}";
    {
        auto s = db.prepare("SELECT site_config FROM symbolization WHERE run_id = ?");
        s.bind(1, run_id);
        if (s.step() && !s.is_null(0)) site_config = json::parse(s.text(0), nullptr, false).dump();
    }

    AnalyzeResult result;
    result.run_id = run_id;
    std::unique_ptr<source::RunSourceAnalyzer> found;
    source::RunSourceAnalyzer* sources = settings.sources;
    // What the source analysis found is said once the run is analysed: a run refused on the
    // way is refused in one line.
    std::vector<std::string> deferred;
    if (sources == nullptr && settings.find_sources) {
        found = program_sources(db, run_id, [&deferred](const std::string& text) { deferred.push_back(text); });
        sources = found.get();
    }
    if (sources) result.sources = sources->analyze(db, run_id);
    const auto start = std::chrono::steady_clock::now();
    SiteNames names = load_site_names(db, run_id, settings.suppressions);
    AnalysisInput input{load_site_map(db, run_id), facts.ops,
                        merge_constructs(result.sources ? source::constructs_by_site(*result.sources)
                                                        : std::vector<source::SourceConstruct>{},
                                         load_stack_constructs(db, run_id)),
                        std::move(names.runtime_modules), std::move(names.startup), std::move(names.functions),
                        std::move(names.suppressed), load_unnamed_hints(db, run_id, names.unnamed_modules)};
    input.split_stacks = facts.split_stacks;
    input.blocks = facts.blocks;
    result.analysis = analyze_run(counted_replay(replay_database(db, run_id), facts.events, settings.progress),
                                  input, settings.params);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    AnalysisRecord header;
    header.analyzed_unix_ns = unix_now_ns();
    header.tool_version = ALLOCPROF_VERSION;
    header.site_config = site_config;
    header.ops_source = facts.ops_source;
    header.seconds = result.seconds;
    write_analysis(db, run_id,
                   stored_form(result.analysis, std::move(header), gc_records(db, run_id, result.analysis.metrics)));
    if (result.sources)
        source::write_run_sources(db, run_id, *result.sources, *sources);
    else
        source::clear_run_sources(db, run_id);
    if (settings.notice)
        for (const std::string& text : deferred) settings.notice(text);
    return result;
}

}  // namespace

AnalyzeResult analyze_stored_run(schema::Database& db, int64_t run_id, const AnalyzeSettings& settings) {
    try {
        return analyze_checked_run(db, run_id, settings);
    } catch (const AnalysisError& e) {
        // The tables of the run do not belong together (a site map without the sites its
        // stacks name, events naming nodes no site covers): the file is damaged or edited.
        throw RunNotAnalysable(db.path() + ": run " + std::to_string(run_id) + ": " + e.what() + "; nothing analysed");
    }
}

std::string describe(const AnalyzeResult& result) {
    int tiers[6] = {0, 0, 0, 0, 0, 0};  // by Tier, suppressed last
    for (const auto& r : result.analysis.ranks) ++tiers[static_cast<int>(r.tier)];
    const WindowMetrics& w = result.analysis.metrics.run;
    char line[256];
    std::snprintf(line, sizeof(line),
                  "run %lld: %s allocs/op, %s/op%s; sites: %d critical, %d high, %d medium, %d low, %d runtime%s; "
                  "%zu plan items (%.2f s)",
                  static_cast<long long>(result.run_id), units::format_count(uint64_t(w.allocs_per_op + 0.5)).c_str(),
                  units::format_bytes(uint64_t(w.bytes_per_op + 0.5)).c_str(),
                  w.per_run ? " (per run: no ops counted)" : "", tiers[0], tiers[1], tiers[2], tiers[3], tiers[4],
                  tiers[5] > 0 ? (", " + std::to_string(tiers[5]) + " suppressed").c_str() : "",
                  result.analysis.plan.items.size(), result.seconds);
    std::string out = line;
    if (result.sources)
        for (const std::string& l : source::describe_run_sources(*result.sources)) out += "\n" + l;
    return out;
}

}  // namespace allocprof::analyzers
