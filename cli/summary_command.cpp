// summary_command.cpp — `allocprof summary run.db [--format text|json]`: the ingest-time
// figures of every run in a database, for a terminal or (with --json) for machines.
//
// JSON: {"format": "allocprof-summary", "format_version": 1, "file": ..., "runs": [{...}]}; the keys of each run are the column names of the
// `runs` table (schema/allocprof_v2.sql) that matter to a reader, plus "calls" (successful
// calls per hooked function), "notes", and "debug_coverage" (per module: frames resolved
// to file:line / symbol only / unknown and the fix, see coverage_report.h; null when the
// run was never symbolized). Key names are stable.
// Its JSON schema is docs/schemas/allocprof-summary.schema.json: a key added, renamed or removed here
// changes it too (tests/e2e/json_schema_test.cpp checks real output against it).
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/coverage_report.h"
#include "schema/run_database.h"
#include "schema/stored_stacks.h"

namespace allocprof::cli {
namespace {

using nlohmann::json;

struct SummaryOptions {
    std::string file;
    std::string format;
};

json nullable_int(const schema::Statement& s, int column) {
    return s.is_null(column) ? json(nullptr) : json(s.int64(column));
}

// The strings of a stored JSON array (runs.command, runs.notes). In a damaged or edited
// file it may be anything: what is not a string is left out, as the report leaves it out.
json string_array(const std::string& text) {
    json out = json::array();
    const json stored = json::parse(text, nullptr, false);
    if (stored.is_array())
        for (const json& item : stored)
            if (item.is_string()) out.push_back(item);
    return out;
}

json load_runs(schema::Database& db) {
    // Files written before stacks were marked have none of the truncation columns.
    const bool marked = db.has_column("runs", "truncated_stacks");
    auto runs = db.prepare(
        std::string("SELECT run_id, scenario, command, pid, allocations, frees, reallocs, bytes_allocated, "
        "peak_live_bytes, unfreed_blocks, unfreed_bytes, temporary_allocations, "
        "temporary_allocations_k1, temporary_heaptrack, unmatched_frees, ops, ops_source, duration_s, exit_status, "
        "term_signal, truncated, complete, traced, threads, mmap_calls, mmap_bytes, "
        "peak_rss_bytes, events_stored, event_count, notes, start_unix_ns, target_user_s, "
        "target_system_s, ") +
        (marked ? "max_frames, truncated_stacks, truncated_allocations " : "NULL, 0, 0 ") +
        "FROM runs ORDER BY run_id");
    auto calls = db.prepare(
        "SELECT function, calls, bytes FROM function_calls WHERE run_id = ? ORDER BY function");
    json out = json::array();
    while (runs.step()) {
        json r;
        int c = 0;
        r["run_id"] = runs.int64(c++);
        r["scenario"] = runs.is_null(c) ? json(nullptr) : json(runs.text(c));
        ++c;
        r["command"] = string_array(runs.text(c++));
        r["pid"] = runs.int64(c++);
        for (const char* key : {"allocations", "frees", "reallocs", "bytes_allocated",
                                "peak_live_bytes", "unfreed_blocks", "unfreed_bytes",
                                "temporary_allocations", "temporary_allocations_k1", "temporary_heaptrack",
                                "unmatched_frees"})
            r[key] = runs.int64(c++);
        r["ops"] = nullable_int(runs, c++);
        r["ops_source"] = runs.is_null(c) ? json(nullptr) : json(runs.text(c));
        ++c;
        r["duration_s"] = runs.is_null(c) ? json(nullptr) : json(runs.real(c));
        ++c;
        r["exit_status"] = nullable_int(runs, c++);
        r["term_signal"] = nullable_int(runs, c++);
        r["truncated"] = runs.int64(c++) != 0;
        r["complete"] = runs.int64(c++) != 0;
        r["traced"] = runs.int64(c++) != 0;
        for (const char* key : {"threads", "mmap_calls", "mmap_bytes"}) r[key] = runs.int64(c++);
        r["peak_rss_bytes"] = nullable_int(runs, c++);
        r["events_stored"] = runs.int64(c++) != 0;
        r["event_count"] = runs.int64(c++);
        r["notes"] = string_array(runs.text(c++));
        r["start_unix_ns"] = runs.int64(c++);
        r["target_user_s"] = runs.is_null(c) ? json(nullptr) : json(runs.real(c));
        ++c;
        r["target_system_s"] = runs.is_null(c) ? json(nullptr) : json(runs.real(c));
        ++c;
        r["max_frames"] = nullable_int(runs, c++);
        r["truncated_stacks"] = runs.int64(c++);
        r["truncated_allocations"] = runs.int64(c++);
        json fn = json::object();
        calls.bind(1, r["run_id"].get<int64_t>());
        while (calls.step()) fn[calls.text(0)] = calls.int64(1);
        calls.reset();
        r["calls"] = fn;
        r["debug_coverage"] = load_coverage(db, r["run_id"].get<int64_t>());
        out.push_back(std::move(r));
    }
    return out;
}

std::string command_line(const json& command) {
    std::string s;
    if (!command.is_array()) return "?";
    for (const auto& a : command) {
        if (!s.empty()) s += ' ';
        s += a.get<std::string>();
    }
    return s;
}

void print_text(const std::string& file, const json& runs) {
    std::cout << file << ": " << runs.size() << (runs.size() == 1 ? " run" : " runs") << "\n";
    for (const auto& r : runs) {
        std::cout << "\nrun " << r["run_id"].get<int64_t>() << ": " << command_line(r["command"]);
        if (!r["scenario"].is_null()) std::cout << "  [scenario " << r["scenario"].get<std::string>() << "]";
        std::cout << "\n";
        std::string ending;
        if (!r["complete"].get<bool>())
            ending = "incomplete: the recorder stopped before finishing this run";
        else if (!r["exit_status"].is_null())
            ending = "exit status " + std::to_string(r["exit_status"].get<int64_t>());
        else if (!r["term_signal"].is_null())
            ending = "killed by signal " + std::to_string(r["term_signal"].get<int64_t>());
        else
            ending = "how it ended is not known (an imported run)";
        if (!r["duration_s"].is_null()) {
            char buf[64];
            std::snprintf(buf, sizeof(buf), " after %.2f s", r["duration_s"].get<double>());
            ending += buf;
        }
        if (r["truncated"].get<bool>()) ending += " (truncated: the stream did not end cleanly)";
        std::cout << "  " << ending << "\n";
        auto count = [&](const char* key) { return format_count(r[key].get<uint64_t>()); };
        auto bytes = [&](const char* key) { return format_bytes(r[key].get<uint64_t>()); };
        std::cout << "  allocations      " << count("allocations") << " (" << bytes("bytes_allocated")
                  << " requested; " << count("reallocs") << " reallocs)\n";
        std::cout << "  frees            " << count("frees") << "\n";
        std::cout << "  peak live        " << bytes("peak_live_bytes") << "\n";
        std::cout << "  unfreed at exit  " << count("unfreed_blocks") << " blocks, "
                  << bytes("unfreed_bytes") << "\n";
        std::cout << "  temporary        " << count("temporary_allocations") << " (K=0), "
                  << count("temporary_allocations_k1") << " (K=1), " << count("temporary_heaptrack")
                  << " by heaptrack's rule\n";
        std::cout << "  ops              "
                  << (r["ops"].is_null() ? std::string("not counted (per-op metrics are per run)")
                                         : format_count(r["ops"].get<uint64_t>()) + " (" +
                                               r["ops_source"].get<std::string>() + ")")
                  << "\n";
        std::cout << "  threads          " << count("threads") << "\n";
        if (r["mmap_calls"].get<uint64_t>() > 0)
            std::cout << "  anonymous mmap   " << count("mmap_calls") << " calls, "
                      << bytes("mmap_bytes") << " (outside heap figures)\n";
        if (!r["peak_rss_bytes"].is_null())
            std::cout << "  peak RSS         " << bytes("peak_rss_bytes") << "\n";
        if (r["truncated_stacks"].get<uint64_t>() > 0) {
            const int64_t limit = r["max_frames"].is_null() ? 0 : r["max_frames"].get<int64_t>();
            const bool one = r["truncated_stacks"].get<uint64_t>() == 1;
            std::cout << "  truncated stacks " << count("truncated_stacks") << (one ? " stack (" : " stacks (")
                      << count("truncated_allocations") << " allocations) had more than " << limit
                      << " frames; their outer frames are not recorded and stacks that differ only "
                         "there are merged: "
                      << schema::truncation_advice(limit) << "\n";
        }
        if (r["unmatched_frees"].get<uint64_t>() > 0)
            std::cout << "  unmatched frees  " << count("unmatched_frees")
                      << " (frees of blocks the recording never saw allocated)\n";
        if (r["traced"].get<bool>()) print_coverage(r["debug_coverage"], std::cout);
        for (const auto& note : r["notes"]) std::cout << "  note: " << note.get<std::string>() << "\n";
    }
}

int summary(const SummaryOptions& o) {
    auto db = schema::Database::open_existing(o.file, false);
    json runs = load_runs(db);
    if (o.format == "json")
        std::cout << json{{"format", "allocprof-summary"}, {"format_version", 1}, {"file", o.file}, {"runs", runs}}.dump(2)
                  << "\n";
    else
        print_text(o.file, runs);
    return kExitOk;
}

}  // namespace

void add_summary_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand("summary", "what each recorded run allocated, freed and held");
    auto o = std::make_shared<SummaryOptions>();
    add_file(c, o->file);
    add_format(c, o->format, {"text", "json"});
    c->callback([o, &run] { run = [o] { return summary(*o); }; });
}

}  // namespace allocprof::cli
