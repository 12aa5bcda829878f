// source_loader.cpp — see source_loader.h.
#include "reports/source_loader.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "reports/report_loader.h"

namespace allocprof::reports {
namespace {

using nlohmann::json;

std::optional<SourceAnalysis> load_summary(schema::Database& db, int64_t run_id) {
    auto s = db.prepare(
        "SELECT source_root, compile_commands, cache_dir, translation_units, parsed, reused, failed, seconds, "
        "failures FROM source_analysis WHERE run_id = ?");
    s.bind(1, run_id);
    if (!s.step()) return std::nullopt;
    SourceAnalysis a;
    a.source_root = s.text(0);
    if (!s.is_null(1)) a.compile_commands = s.text(1);
    a.cache_dir = s.text(2);
    a.translation_units = s.int64(3);
    a.parsed = s.int64(4);
    a.reused = s.int64(5);
    a.failed = s.int64(6);
    a.seconds = s.real(7);
    const json failures = json::parse(s.text(8), nullptr, false);
    if (failures.is_array())
        for (const json& f : failures)
            a.failures.push_back({f.value("file", ""), f.value("status", ""), f.value("reason", "")});
    return a;
}

void load_site_sources(schema::Database& db, int64_t run_id, Report& r) {
    auto s = db.prepare(
        "SELECT site_id, status, reason, source_file, kind, type, container_type, method, function, class_name, "
        "loop_depth, reserve_in_scope, description FROM site_sources WHERE run_id = ?");
    s.bind(1, run_id);
    while (s.step()) {
        auto site = std::find_if(r.sites.begin(), r.sites.end(),
                                 [&](const SiteRow& row) { return row.site_id == s.int64(0); });
        if (site == r.sites.end()) continue;  // a site without allocations in the analysis
        SiteSource& src = site->source.emplace();
        int c = 1;
        for (std::string* field : {&src.status, &src.reason, &src.source_file, &src.kind, &src.type,
                                   &src.container_type, &src.method, &src.function, &src.class_name})
            *field = s.text(c++);
        src.loop_depth = s.int64(c++);
        src.reserve_in_scope = s.int64(c++) != 0;
        src.description = s.text(c++);
    }
}

std::vector<SourceGapRow> load_gaps(schema::Database& db, int64_t run_id) {
    std::vector<SourceGapRow> rows;
    auto s = db.prepare(
        "SELECT rank, file, function, class_name, line_begin, line_end, constructs, in_loops, kinds "
        "FROM source_coverage_gaps WHERE run_id = ? ORDER BY rank");
    s.bind(1, run_id);
    while (s.step()) {
        SourceGapRow g{s.int64(0), s.text(1), s.text(2), s.text(3), s.int64(4), s.int64(5), s.int64(6), s.int64(7),
                       {}};
        const json kinds = json::parse(s.text(8), nullptr, false);
        if (kinds.is_array())
            for (const json& k : kinds)
                if (k.is_string()) g.kinds.push_back(k.get<std::string>());
        rows.push_back(std::move(g));
    }
    return rows;
}

}  // namespace

void load_source_analysis(schema::Database& db, int64_t run_id, Report& r) {
    if (!db.has_table("source_analysis")) return;
    r.source = load_summary(db, run_id);
    if (!r.source) return;
    load_site_sources(db, run_id, r);
    r.source_gaps = load_gaps(db, run_id);
}

}  // namespace allocprof::reports
