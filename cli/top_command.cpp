// top_command.cpp — `allocprof top run.db [-n 20] [--by allocs|bytes|peak|temporary|unfreed]
// [--group native|script] [--run ID] [--json]`: the allocation sites of one run (default:
// the last), ranked by a metric, each with its figures and the stack that leads to it (the
// stack contributing most of its allocations, from the site out to main, script frames
// merged in at the interpreter's eval function). --group script ranks script locations
// instead (schema: script_sites): the innermost Lua/Python frame of each stack.
//
// Metrics: allocs = allocations, bytes = bytes_allocated, peak = live_at_peak_bytes,
// temporary = temporary_k0, unfreed = live_end_bytes (sites.* in schema/allocprof_v2.sql).
// A run that was never symbolized (a file recorded before symbolization existed) is
// symbolized first, with the built-in site config, and stderr says so.
//
// JSON (stable keys): {"file", "run_id", "max_frames" (the run's --max-frames; null if not
// known), "by", "sites_total", "allocations_total",
// "bytes_allocated_total", "sites": [{"rank", "site_id", "module", "function", "file",
// "line", "site_key" (array [module, function, file, line]), "function_key" (array
// [module, function]), "allocations", "bytes_allocated", "frees", "reallocs",
// "live_end_blocks", "live_end_bytes", "live_at_peak_bytes", "temporary_k0",
// "temporary_k1", "stacks" (stacks attributed to the site), "truncated_stacks" and
// "truncated_allocations" (those of its stacks deeper than the run's --max-frames, whose
// outermost frame is "[truncated: more than N frames]", module "[truncated]"), "stack": [{"function", "file",
// "line", "module", "inlined"}, ...] (from the site frame outwards, at most 64 frames, and
// then the truncation frame of a truncated stack;
// "function" is module+0xoffset for unknown code, "file" "" and "line" 0 without DWARF;
// script frames have module "[lua]" or "[python]")}]}, and "group" ("native" or "script").
// With --group script, each site is a script location (module "[lua]"/"[python]", or
// function "(no script frame)" for allocations outside any script) and also has
// "native_site": {"function", "file", "line", "module"}, the native site of its top stack.
// Its JSON schema is docs/schemas/allocprof-top.schema.json: a key added, renamed or removed here
// changes it too (tests/e2e/json_schema_test.cpp checks real output against it).

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/cli.h"
#include "schema/run_database.h"
#include "schema/stored_stacks.h"
#include "symbolize/site_attribution.h"
#include "symbolize/run_symbolizer.h"

namespace allocprof::cli {
using namespace allocprof::symbolize;
namespace {

using nlohmann::json;

struct Metric {
    const char* option;
    const char* column;
    const char* label;
};

constexpr Metric kMetrics[] = {
    {"allocs", "allocations", "allocations"},
    {"bytes", "bytes_allocated", "bytes allocated"},
    {"peak", "live_at_peak_bytes", "bytes live at the peak"},
    {"temporary", "temporary_k0", "temporary allocations"},
    {"unfreed", "live_end_bytes", "bytes unfreed at exit"},
};

constexpr size_t kJsonStackFrames = 64;
constexpr size_t kTextStackFrames = 12;

const char* const kFigures[] = {"allocations",        "bytes_allocated", "frees",
                                "reallocs",           "live_end_blocks", "live_end_bytes",
                                "live_at_peak_bytes", "temporary_k0",    "temporary_k1"};

// The frames of `site`'s top stack from the site frame outwards, up to main.
json site_stack(const schema::StoredStacks& stacks, const json& site) {
    std::vector<AttributionFrame> frames;
    std::vector<uint32_t> nodes;
    stacks.stack(static_cast<uint32_t>(site["top_node"].get<int64_t>()), frames, &nodes,
                 schema::StoredStacks::View::Merged);
    const std::string key = site["site_key"].dump();
    size_t start = 0;
    for (size_t i = 0; i < frames.size(); ++i) {
        if (SiteAttributor::identity(frames[i]).site_key() == key) {
            start = i;
            break;
        }
    }
    json out = json::array();
    for (size_t i = start; i < frames.size() && out.size() < kJsonStackFrames; ++i) {
        SiteIdentity id = SiteAttributor::identity(frames[i]);
        // A frame is inlined into the next when both come from the same node.
        bool inlined = i + 1 < frames.size() && nodes[i + 1] == nodes[i];
        out.push_back({{"function", id.function},
                       {"file", id.file},
                       {"line", id.line},
                       {"module", id.module},
                       {"inlined", inlined}});
        // Down to the program's main (a script function may be called main too).
        const bool script = id.module == schema::kLuaModule || id.module == schema::kPythonModule;
        if (!script && qualified_name(id.function) == "main") break;
    }
    // A truncated stack always shows its truncation frame (the outermost), past the cap too.
    if (!frames.empty() && frames.back().module == schema::kTruncatedModule &&
        (out.empty() || out.back()["module"].get<std::string>() != schema::kTruncatedModule)) {
        SiteIdentity id = SiteAttributor::identity(frames.back());
        out.push_back({{"function", id.function}, {"file", id.file}, {"line", id.line},
                       {"module", id.module}, {"inlined", false}});
    }
    return out;
}

bool has_script_sites(schema::Database& db, int64_t run_id) {
    auto row = db.prepare("SELECT 1 FROM script_sites WHERE run_id = ? LIMIT 1");
    row.bind(1, run_id);
    return row.step();
}

// The native site of a stack (for a script location's top stack).
json native_site(schema::Database& db, int64_t run_id, int64_t node) {
    auto row = db.prepare(
        "SELECT s.function, s.file, s.line, s.module FROM stack_sites ss JOIN sites s ON "
        "s.run_id = ss.run_id AND s.site_id = ss.site_id WHERE ss.run_id = ? AND ss.node_id = ?");
    row.bind_all(run_id, node);
    if (!row.step()) return nullptr;
    return {{"function", row.text(0)}, {"file", row.text(1)}, {"line", row.int64(2)},
            {"module", row.text(3)}};
}

json load_top(schema::Database& db, int64_t run_id, const Metric& metric, uint64_t limit,
              bool script) {
    const std::string sites_table = script ? "script_sites" : "sites";
    const std::string stacks_table = script ? "stack_script_sites" : "stack_sites";
    // Stacks cut at the run's --max-frames, and their allocations (files written before
    // stacks were marked have none).
    const bool marked = db.has_column("stack_stats", "truncated");
    const std::string truncated =
        marked ? "(SELECT count(*) FROM " + stacks_table + " ts JOIN stack_stats st ON st.run_id = ts.run_id AND "
                 "st.node_id = ts.node_id WHERE ts.run_id = s.run_id AND ts.site_id = s.site_id AND st.truncated = 1), "
                 "(SELECT coalesce(sum(st.allocations), 0) FROM " + stacks_table + " ts JOIN stack_stats st ON "
                 "st.run_id = ts.run_id AND st.node_id = ts.node_id WHERE ts.run_id = s.run_id AND ts.site_id = "
                 "s.site_id AND st.truncated = 1) "
               : "0, 0 ";
    std::string sql =
        "SELECT site_id, module, function, file, line, site_key, function_key, allocations, "
        "bytes_allocated, frees, reallocs, live_end_blocks, live_end_bytes, live_at_peak_bytes, "
        "temporary_k0, temporary_k1, top_node, "
        "(SELECT count(*) FROM " + stacks_table + " ss WHERE ss.run_id = s.run_id AND ss.site_id = "
        "s.site_id), " + truncated +
        "FROM " + sites_table + " s WHERE run_id = ? ORDER BY " +
        std::string(metric.column) + " DESC, site_id";
    if (limit > 0) sql += " LIMIT " + std::to_string(limit);
    auto rows = db.prepare(sql);
    rows.bind(1, run_id);
    json sites = json::array();
    while (rows.step()) {
        json s;
        s["rank"] = sites.size() + 1;
        s["site_id"] = rows.int64(0);
        s["module"] = rows.text(1);
        s["function"] = rows.text(2);
        s["file"] = rows.text(3);
        s["line"] = rows.int64(4);
        // Keys are JSON written by the symbolizer; in a damaged file, the stored text as it is.
        for (const auto& [key, column] : {std::pair{"site_key", 5}, std::pair{"function_key", 6}}) {
            json stored = json::parse(rows.text(column), nullptr, false);
            s[key] = stored.is_discarded() ? json(rows.text(column)) : std::move(stored);
        }
        int c = 7;
        for (const char* key : kFigures) s[key] = rows.int64(c++);
        s["top_node"] = rows.int64(c++);
        s["stacks"] = rows.int64(c++);
        s["truncated_stacks"] = rows.int64(c++);
        s["truncated_allocations"] = rows.int64(c++);
        sites.push_back(std::move(s));
    }
    const schema::StoredStacks stacks = schema::StoredStacks::load(db, run_id);
    for (json& s : sites) {
        s["stack"] = site_stack(stacks, s);
        if (script) s["native_site"] = native_site(db, run_id, s["top_node"].get<int64_t>());
        s.erase("top_node");
    }
    auto totals = db.prepare(
        "SELECT count(*), coalesce(sum(allocations), 0), coalesce(sum(bytes_allocated), 0) FROM " +
        sites_table + " WHERE run_id = ?");
    totals.bind(1, run_id);
    totals.step();
    json max_frames = nullptr;
    if (db.has_column("runs", "max_frames")) {
        auto row = db.prepare("SELECT max_frames FROM runs WHERE run_id = ?");
        row.bind(1, run_id);
        if (row.step() && !row.is_null(0)) max_frames = row.int64(0);
    }
    return json{{"run_id", run_id},
                {"max_frames", max_frames},
                {"by", metric.option},
                {"group", script ? "script" : "native"},
                {"sites_total", totals.int64(0)},
                {"allocations_total", totals.int64(1)},
                {"bytes_allocated_total", totals.int64(2)},
                {"sites", std::move(sites)}};
}

std::string frame_text(const json& f) {
    std::string text = f["function"].get<std::string>();
    if (!f["file"].get<std::string>().empty())
        text += " (" + f["file"].get<std::string>() +
                (f["line"].get<int64_t>() > 0 ? ":" + std::to_string(f["line"].get<int64_t>()) : "") +
                ")";
    else if (text.rfind(f["module"].get<std::string>() + "+0x", 0) != 0)  // not module+0xoffset
        text += f["module"].get<std::string>()[0] == '['
                    ? " " + f["module"].get<std::string>()
                    : " [" + f["module"].get<std::string>() + "]";
    return text;
}

std::string percent(uint64_t part, uint64_t whole) {
    if (whole == 0) return "";
    return " (" + units::format_percent(static_cast<double>(part) / static_cast<double>(whole)) + ")";
}

void print_text(const std::string& file, const json& top, const Metric& metric) {
    const bool script = top["group"] == "script";
    std::cout << file << ", run " << top["run_id"].get<int64_t>() << ": "
              << format_count(top["sites_total"].get<uint64_t>())
              << (script ? " script locations, " : " sites, ")
              << format_count(top["allocations_total"].get<uint64_t>()) << " allocations, "
              << format_bytes(top["bytes_allocated_total"].get<uint64_t>()) << "; top "
              << top["sites"].size() << " by " << metric.label << "\n";
    const auto total_allocs = top["allocations_total"].get<uint64_t>();
    const auto total_bytes = top["bytes_allocated_total"].get<uint64_t>();
    for (const json& s : top["sites"]) {
        std::string module = s["module"].get<std::string>();
        if (module.empty() || module[0] != '[') module = "[" + module + "]";
        std::string where = s["file"].get<std::string>();
        if (s["line"].get<int64_t>() > 0) where += ":" + std::to_string(s["line"].get<int64_t>());
        where += (where.empty() ? "" : "  ") + module;
        std::cout << "\n#" << s["rank"].get<int64_t>() << "  " << s["function"].get<std::string>()
                  << "  " << where << "\n";
        auto n = [&](const char* key) { return s[key].get<uint64_t>(); };
        auto counted = [&](const char* key, const char* noun) {
            return format_count(n(key)) + " " + noun + (n(key) == 1 ? "" : "s");
        };
        std::cout << "    " << counted("allocations", "allocation")
                  << percent(n("allocations"), total_allocs) << ", "
                  << format_bytes(n("bytes_allocated"))
                  << percent(n("bytes_allocated"), total_bytes) << "; peak "
                  << format_bytes(n("live_at_peak_bytes")) << ", temporary "
                  << format_count(n("temporary_k0")) << ", unfreed "
                  << format_bytes(n("live_end_bytes")) << " in "
                  << counted("live_end_blocks", "block") << "; " << counted("stacks", "stack")
                  << "\n";
        if (n("truncated_stacks") > 0) {
            const int64_t limit = top["max_frames"].is_null() ? 0 : top["max_frames"].get<int64_t>();
            std::cout << "    truncated: " << counted("truncated_stacks", "stack") << " ("
                      << counted("truncated_allocations", "allocation") << ") deeper than " << limit
                      << " frames, outer frames not recorded; " << schema::truncation_advice(limit) << "\n";
        }
        if (script && s.contains("native_site") && !s["native_site"].is_null())
            std::cout << "    most in " << frame_text(s["native_site"]) << "\n";
        const json& stack = s["stack"];
        for (size_t i = 0; i < stack.size() && i < kTextStackFrames; ++i)
            std::cout << "      at " << frame_text(stack[i])
                      << (stack[i]["inlined"].get<bool>() ? "  (inlined)" : "") << "\n";
        if (stack.size() > kTextStackFrames) {
            std::cout << "      ...\n";
            if (stack.back()["module"].get<std::string>() == schema::kTruncatedModule)
                std::cout << "      at " << stack.back()["function"].get<std::string>() << "\n";
        }
    }
}

struct TopOptions {
    std::string file;
    uint64_t limit = 20;
    std::string by = "allocs";
    std::string group = "native";
    std::optional<int64_t> run;
    std::string format;
};

int top(const TopOptions& o) {
    const Metric* metric = &kMetrics[0];
    for (const Metric& m : kMetrics)
        if (o.by == m.option) metric = &m;
    const bool script = o.group == "script";
    std::optional<schema::Database> db(schema::Database::open_existing(o.file, false));
    const int64_t run_id = schema::select_run(*db, o.run);
    const bool symbolized = is_symbolized(*db, run_id);
    if (!symbolized || (script && !has_script_sites(*db, run_id)))
        symbolize_first(db, o.file, run_id,
                        symbolized ? "was symbolized before script locations existed" : "was never symbolized");
    json top = load_top(*db, run_id, *metric, o.limit, script);
    if (o.format == "json") {
        json out = {{"format", "allocprof-top"}, {"format_version", 1}, {"file", o.file}};
        out.update(top);
        std::cout << out.dump(2) << "\n";
    } else {
        print_text(o.file, top, *metric);
    }
    return kExitOk;
}

}  // namespace

void add_top_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand("top", "the allocation sites of a run, ranked, with the stack that leads to each");
    auto o = std::make_shared<TopOptions>();
    add_file(c, o->file);
    c->add_option("-n", o->limit, "how many sites (default 20; 0 = all)")->type_name("N")->check(count_validator());
    std::vector<std::string> metrics;
    for (const Metric& m : kMetrics) metrics.push_back(m.option);
    c->add_option("--by", o->by,
                  "allocs (default), bytes, peak (bytes live at the peak), temporary (freed before the "
                  "thread's next allocation), unfreed (bytes live at exit)")
        ->type_name("KEY")
        ->check(CLI::IsMember(metrics));
    c->add_option("--group", o->group,
                  "native (default): sites in native code; script: by the Lua/Python line that was running")
        ->type_name("G")
        ->check(CLI::IsMember({"native", "script"}));
    add_run(c, o->run, "which run of FILE (default: the last)");
    add_format(c, o->format, {"text", "json"});
    c->callback([o, &run] { run = [o] { return top(*o); }; });
}

}  // namespace allocprof::cli
