// suite_merge.cpp — see suite_merge.h.
#include "suite/suite_merge.h"

#include <algorithm>
#include <set>

namespace allocprof::suite {

namespace {

std::vector<std::string> columns(schema::Database& db, const std::string& schema_name, const std::string& table) {
    std::vector<std::string> cols;
    auto s = db.prepare("PRAGMA " + schema_name + ".table_info(\"" + table + "\")");
    while (s.step()) cols.push_back(s.text(1));
    return cols;
}

// A perf-map module key 'perf-map:RUN' of the source, renumbered.
std::string module_key_expr(int64_t offset) {
    return "CASE WHEN module_key LIKE 'perf-map:%' THEN 'perf-map:' || (CAST(substr(module_key, 10) AS INTEGER) + " +
           std::to_string(offset) + ") ELSE module_key END";
}

}  // namespace

std::vector<int64_t> merge_runs(schema::Database& target, const std::string& source) {
    {
        auto attach = target.prepare("ATTACH DATABASE ?1 AS merge_src");
        attach.bind(1, source);
        attach.step();
    }
    struct Detach {
        schema::Database& db;
        ~Detach() {
            try {
                db.exec("DETACH DATABASE merge_src");
            } catch (...) {
            }
        }
    } detach{target};

    std::vector<int64_t> ids;
    schema::Transaction t(target);
    int64_t offset = 0;
    {
        auto s = target.prepare("SELECT coalesce(max(run_id), 0) FROM main.runs");
        if (s.step()) offset = s.int64(0);
    }
    std::set<std::string> target_tables;
    {
        auto s = target.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table'");
        while (s.step()) target_tables.insert(s.text(0));
    }
    std::vector<std::string> tables;
    {
        auto s = target.prepare("SELECT name FROM merge_src.sqlite_master WHERE type = 'table' ORDER BY name");
        while (s.step()) tables.push_back(s.text(0));
    }
    // runs first, so the others' rows have their run.
    std::stable_partition(tables.begin(), tables.end(), [](const std::string& n) { return n == "runs"; });
    for (const std::string& table : tables) {
        if (table == "meta" || !target_tables.count(table)) continue;
        const std::vector<std::string> cols = columns(target, "merge_src", table);
        bool has_run = false, has_module_key = false;
        std::string names, values;
        for (const std::string& c : cols) {
            names += (names.empty() ? "" : ", ") + ("\"" + c + "\"");
            std::string v = "\"" + c + "\"";
            if (c == "run_id") {
                has_run = true;
                v = "run_id + " + std::to_string(offset);
            } else if (c == "module_key") {
                has_module_key = true;
                v = module_key_expr(offset);
            }
            values += (values.empty() ? "" : ", ") + v;
        }
        if (!has_run && !has_module_key) continue;  // nothing run-specific (a future table)
        const char* verb = has_run ? "INSERT INTO" : "INSERT OR IGNORE INTO";
        target.exec(std::string(verb) + " main.\"" + table + "\"(" + names + ") SELECT " + values +
                    " FROM merge_src.\"" + table + "\"");
    }
    {
        auto s = target.prepare("SELECT run_id + ?1 FROM merge_src.runs ORDER BY run_id");
        s.bind(1, offset);
        while (s.step()) ids.push_back(s.int64(0));
    }
    t.commit();
    return ids;
}

void delete_runs(schema::Database& db, const std::vector<int64_t>& runs) {
    if (runs.empty()) return;
    std::vector<std::string> tables;
    {
        auto s = db.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table'");
        while (s.step()) tables.push_back(s.text(0));
    }
    schema::Transaction t(db);
    for (const std::string& table : tables) {
        const auto cols = columns(db, "main", table);
        if (std::find(cols.begin(), cols.end(), "run_id") == cols.end()) continue;
        auto del = db.prepare("DELETE FROM main.\"" + table + "\" WHERE run_id = ?");
        for (int64_t id : runs) del.bind(1, id).run();
    }
    t.commit();
}

}  // namespace allocprof::suite
