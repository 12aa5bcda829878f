// site_sources.cpp — see site_sources.h.
#include "analyzers/source/site_sources.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "schema/ids.h"
#include "schema/stored_stacks.h"
#include "symbolize/site_attribution.h"

namespace allocprof::analyzers::source {
using namespace allocprof::symbolize;
namespace {

namespace fs = std::filesystem;
namespace src = analyzers::source;
using nlohmann::json;

src::SourceAnalyzerOptions analyzer_options(const SourceOptions& options, const fs::path& cache_dir) {
    src::SourceAnalyzerOptions out;
    out.cache_dir = cache_dir;
    out.compile_commands = options.compile_commands;
    for (const fs::path& dir : options.include_dirs) out.extra_flags.push_back("-I" + dir.string());
    return out;
}

const SourceOptions& built_for(const SourceOptions& options) {
    if (!source_analysis_built()) throw SourceAnalysisUnavailable(kNoSourceAnalysis);
    return options;
}

fs::path checked_root(const fs::path& root) {
    std::error_code ec;
    if (!fs::is_directory(root, ec))
        throw SourceConfigError(root.string() + ": the source root is not a directory");
    return fs::absolute(root, ec).lexically_normal();
}

std::vector<SiteLocation> load_site_locations(schema::Database& db, int64_t run_id) {
    std::vector<SiteLocation> out;
    auto s = db.prepare("SELECT site_id, file, line, function FROM sites WHERE run_id = ? ORDER BY site_id");
    s.bind(1, run_id);
    while (s.step())
        out.push_back(
            {s.int64(0), s.text(1), static_cast<uint32_t>(std::max<int64_t>(0, s.int64(2))), s.text(3)});
    return out;
}

// The site's file as an absolute path under the root (a relative file is taken relative to
// the root when `relative_under_root`), or nullopt when it has none or lies outside.
std::optional<fs::path> file_under_root(const std::string& file, const fs::path& root, bool relative_under_root) {
    if (file.empty()) return std::nullopt;
    fs::path p = file;
    if (p.is_relative() && !relative_under_root) return std::nullopt;
    if (p.is_relative()) p = root / p;
    p = p.lexically_normal();
    if (!src::is_under(p, root)) return std::nullopt;
    return p;
}

// The function names of every symbolized frame of the run's stacks, as covered_names().
std::set<std::string> names_in_stacks(schema::Database& db, int64_t run_id) {
    const schema::StoredStacks stacks = schema::StoredStacks::load(db, run_id);
    std::set<std::string> seen, names;
    stacks.for_each_node([&](uint32_t, const schema::StoredStacks::Node& node) {
        for (const schema::StoredStacks::Frame& f : stacks.frames(node))
            if (!f.function.empty() && seen.emplace(f.function).second)
                for (std::string& n : covered_names(f.function)) names.insert(std::move(n));
    });
    return names;
}

const char* const kSourceTables[] = {"source_analysis", "site_sources", "source_coverage_gaps"};

void delete_rows(schema::Database& db, int64_t run_id) {
    for (const char* table : kSourceTables) {
        auto del = db.prepare(std::string("DELETE FROM ") + table + " WHERE run_id = ?");
        del.bind(1, run_id).run();
    }
}

json failures_json(const RunSources& r) {
    json out = json::array();
    for (const SourceFailure& f : r.failures)
        out.push_back({{"file", f.file}, {"status", f.status}, {"reason", f.reason}});
    return out;
}

void write_summary(schema::Database& db, int64_t run_id, const RunSources& r, const RunSourceAnalyzer& a) {
    auto s = db.prepare(
        "INSERT INTO source_analysis(run_id, source_root, compile_commands, cache_dir, translation_units, "
        "parsed, reused, failed, seconds, failures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, run_id).bind(2, a.root().string());
    if (a.options().compile_commands)
        s.bind(3, fs::absolute(*a.options().compile_commands).lexically_normal().string());
    else
        s.bind_null(3);
    s.bind(4, a.cache_dir().string()).bind(5, r.translation_units).bind(6, r.parsed).bind(7, r.reused);
    s.bind(8, static_cast<uint64_t>(r.failures.size())).bind(9, r.seconds).bind(10, failures_json(r).dump());
    s.run();
}

void write_sites(schema::Database& db, int64_t run_id, const RunSources& r) {
    auto s = db.prepare(
        "INSERT INTO site_sources(run_id, site_id, status, reason, source_file, kind, type, container_type, "
        "method, function, class_name, loop_depth, reserve_in_scope, description) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const SiteSource& site : r.sites) {
        const src::SourceConstruct& c = site.construct;
        const bool found = site.status == "ok" && c.kind != "unknown";
        s.bind_all(run_id, site.site_id, site.status, site.reason, site.source_file, c.kind, c.type,
                   c.container_type, c.method, c.function, c.class_name, c.loop_depth, c.reserve_in_scope ? 1 : 0,
                   found ? c.description : std::string());
        s.run();
    }
}

void write_gaps(schema::Database& db, int64_t run_id, const RunSources& r) {
    auto s = db.prepare(
        "INSERT INTO source_coverage_gaps(run_id, rank, file, function, class_name, line_begin, line_end, "
        "constructs, in_loops, kinds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int64_t rank = 0;
    for (const src::CoverageGap& g : r.gaps) {
        const src::FunctionInventory& f = g.function;
        s.bind_all(run_id, ++rank, g.file, f.function, f.class_name, f.line_begin, f.line_end, f.constructs,
                   f.in_loops, json(f.kinds).dump());
        s.run();
    }
}

}  // namespace

namespace {

// "ns::make<int>" -> "ns::make": a function template's instance is named as the template,
// as the source inventory names it; a name without trailing template arguments is kept.
std::string without_template_arguments(const std::string& name) {
    if (name.empty() || name.back() != '>') return name;
    int depth = 0;
    for (size_t i = name.size(); i-- > 0;) {
        if (name[i] == '>') ++depth;
        if (name[i] == '<' && --depth == 0) return i > 0 ? name.substr(0, i) : name;
    }
    return name;
}

}  // namespace

std::vector<std::string> covered_names(std::string_view demangled) {
    std::vector<std::string> out{std::string(qualified_name(demangled))};
    const size_t lambda = out.front().find("::{lambda");
    if (lambda != std::string::npos)
        out.emplace_back(qualified_name(std::string_view(out.front()).substr(0, lambda)));
    for (size_t i = 0, n = out.size(); i < n; ++i)
        if (std::string plain = without_template_arguments(out[i]); plain != out[i]) out.push_back(std::move(plain));
    return out;
}

std::optional<src::SourceConstruct> only_construct_of(const src::FileAnalysis& analysis, std::string_view function) {
    const std::string name(qualified_name(function));
    std::optional<src::SourceConstruct> found;
    for (const src::SourceConstruct& c : analysis.constructs) {
        if (c.function != name) continue;
        if (found) return std::nullopt;
        found = c;
    }
    return found;
}

const char* const kNoSourceAnalysis =
    "this allocprof was built without source analysis: install libclang-14-dev and configure allocprof "
    "with -DALLOCPROF_SOURCE_ANALYSIS=ON";

bool source_analysis_built() { return ConstructCollector::available(); }

RunSourceAnalyzer::RunSourceAnalyzer(const SourceOptions& options)
    : options_(built_for(options)),
      root_(checked_root(options.root)),
      cache_dir_(options.cache_dir.value_or(default_source_cache_dir())),
      analyzer_(analyzer_options(options, cache_dir_)) {}

// Analyses `file` once per run: counts it as parsed, reused or failed (disjoint) in `out`.
void RunSourceAnalyzer::track(const fs::path& file, RunSources& out, AnalysedFiles& files) {
    if (files.count(file.string()) != 0) return;
    const uint64_t misses = analyzer_.cache_stats().misses;
    const src::FileAnalysis& a = analyzer_.analyze_file(file);
    files.emplace(file.string(), &a);
    if (a.status != src::ParseStatus::Ok)
        out.failures.push_back({a.file, src::to_string(a.status), a.reason});
    else if (analyzer_.cache_stats().misses != misses)
        ++out.parsed;
    else
        ++out.reused;
}

SiteSource RunSourceAnalyzer::classify(const SiteLocation& loc, RunSources& out, AnalysedFiles& files) {
    SiteSource site;
    site.site_id = loc.site_id;
    const std::optional<fs::path> file = file_under_root(loc.file, root_, options_.relative_files_under_root);
    if (!file) {
        site.status = "outside_root";
        site.reason = loc.file.empty() ? "no source file (no debug information)"
                                       : loc.file + ": not under " + root_.string();
        return site;
    }
    track(*file, out, files);
    const src::SiteClassification c = analyzer_.classify(*file, loc.line);
    site.status = src::to_string(c.status);
    site.reason = c.reason;
    site.source_file = file->string();
    site.construct = c.construct;
    if (c.status == src::ParseStatus::Ok && c.at_line.empty()) {
        if (std::optional<src::SourceConstruct> only = only_construct_of(*files.at(file->string()), loc.function)) {
            site.reason = "line " + std::to_string(loc.line) + " holds no allocating construct; the function's only one is at line " +
                          std::to_string(only->line);
            site.construct = std::move(*only);
        }
    }
    return site;
}

RunSources RunSourceAnalyzer::analyze(schema::Database& db, int64_t run_id) {
    const auto start = std::chrono::steady_clock::now();
    RunSources out;
    std::map<std::string, const src::FileAnalysis*> files;  // every file analysed, by path
    for (const SiteLocation& loc : load_site_locations(db, run_id)) out.sites.push_back(classify(loc, out, files));
    for (const fs::path& tu : options_.units.empty() ? analyzer_.translation_units(root_) : options_.units)
        track(tu, out, files);

    std::vector<src::FileAnalysis> inventory;
    for (const auto& entry : files) inventory.push_back(*entry.second);
    const std::set<std::string> covered = names_in_stacks(db, run_id);
    out.gaps = src::rank_coverage_gaps(inventory, [&](const std::string&, const src::FunctionInventory& f) {
        return covered.count(f.function) != 0;
    });
    std::sort(out.failures.begin(), out.failures.end(),
              [](const SourceFailure& a, const SourceFailure& b) { return a.file < b.file; });
    out.translation_units = files.size();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

std::vector<src::SourceConstruct> constructs_by_site(const RunSources& sources) {
    std::vector<src::SourceConstruct> out;
    for (const SiteSource& s : sources.sites) {
        if (s.site_id < 1) continue;
        if (out.size() < static_cast<size_t>(s.site_id)) out.resize(static_cast<size_t>(s.site_id));
        out[schema::site_index(schema::SiteId(s.site_id)).value] = s.construct;
    }
    return out;
}

void write_run_sources(schema::Database& db, int64_t run_id, const RunSources& sources,
                       const RunSourceAnalyzer& analyzer) {
    schema::Transaction t(db);
    delete_rows(db, run_id);
    write_summary(db, run_id, sources, analyzer);
    write_sites(db, run_id, sources);
    write_gaps(db, run_id, sources);
    t.commit();
}

void clear_run_sources(schema::Database& db, int64_t run_id) {
    schema::Transaction t(db);
    delete_rows(db, run_id);
    t.commit();
}

std::vector<std::string> describe_run_sources(const RunSources& r) {
    size_t classified = 0;
    for (const SiteSource& s : r.sites) classified += s.status == "ok" && s.construct.kind != "unknown";
    char line[256];
    std::snprintf(line, sizeof line,
                  "source: %llu files: %llu parsed, %llu reused from the cache, %zu failed (%.2f s); "
                  "%zu of %zu sites classified, %zu coverage gaps",
                  static_cast<unsigned long long>(r.translation_units), static_cast<unsigned long long>(r.parsed),
                  static_cast<unsigned long long>(r.reused), r.failures.size(), r.seconds, classified,
                  r.sites.size(), r.gaps.size());
    std::vector<std::string> out{line};
    for (const SourceFailure& f : r.failures)
        out.push_back("source: " + f.status + ": " + f.reason + " (its sites keep their dynamic analysis)");
    return out;
}

}  // namespace allocprof::analyzers::source
