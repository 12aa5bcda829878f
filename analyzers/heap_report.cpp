// heap_report.cpp — see heap_report.h.
#include "analyzers/heap_report.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "analyzers/database_events.h"
#include "analyzers/run_analysis.h"
#include "schema/ids.h"
#include "schema/stored_stacks.h"
#include "symbolize/site_attribution.h"

namespace allocprof::analyzers {
namespace {

// Refuses a run the replay would misread: one cut short by its recorder, or without events.
void check_replayable(schema::Database& db, int64_t run_id) {
    auto s = db.prepare("SELECT complete, events_stored FROM runs WHERE run_id = ?");
    s.bind(1, run_id);
    const std::string run = db.path() + ": run " + std::to_string(run_id);
    if (!s.step()) throw std::runtime_error(db.path() + ": no run " + std::to_string(run_id));
    if (s.int64(0) == 0)
        throw std::runtime_error(run + " is incomplete (its recorder stopped before the end)");
    if (s.int64(1) == 0)
        throw std::runtime_error(run +
                                 " was recorded with --no-events; heap replays the event stream: "
                                 "record it again without --no-events");
}

HeapFrame frame_of(const symbolize::SiteIdentity& id, bool inlined) {
    return HeapFrame{id.function, id.file, id.line, id.module, inlined};
}

// The frames of `node`'s stack from the frame of its site (`site_key`) out to main.
std::vector<HeapFrame> stack_from_site(const schema::StoredStacks& stacks, uint32_t node,
                                       const std::string& site_key, size_t limit) {
    std::vector<schema::StackFrame> frames;
    std::vector<uint32_t> nodes;
    stacks.stack(node, frames, &nodes, schema::StoredStacks::View::Merged);
    size_t start = 0;
    while (start < frames.size() &&
           symbolize::SiteAttributor::identity(frames[start]).site_key() != site_key)
        ++start;
    if (start == frames.size()) start = 0;  // not found (another site config): the whole stack
    std::vector<HeapFrame> out;
    for (size_t i = start; i < frames.size() && out.size() < limit; ++i) {
        const symbolize::SiteIdentity id = symbolize::SiteAttributor::identity(frames[i]);
        out.push_back(frame_of(id, i + 1 < frames.size() && nodes[i + 1] == nodes[i]));
        if (!frames[i].script && symbolize::qualified_name(id.function) == "main") break;
    }
    return out;
}

}  // namespace

std::vector<std::string> run_phase_names(schema::Database& db, int64_t run_id) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    auto s = db.prepare("SELECT name FROM phases WHERE run_id = ? ORDER BY phase_id");
    s.bind(1, run_id);
    while (s.step())
        if (seen.insert(s.text(0)).second) names.push_back(s.text(0));
    return names;
}

HeapReport heap_report(schema::Database& db, int64_t run_id, const HeapQuestion& question,
                       size_t frames) {
    check_replayable(db, run_id);
    HeapReport report;
    report.file = db.path();
    report.run_id = run_id;
    report.question = question;
    {
        auto s = db.prepare("SELECT command FROM runs WHERE run_id = ?");
        s.bind(1, run_id);
        if (s.step()) {
            const nlohmann::json command = nlohmann::json::parse(s.text(0), nullptr, false);
            if (command.is_array())
                for (const auto& a : command)
                    if (a.is_string()) report.command.push_back(a.get<std::string>());
        }
    }
    const SiteMap sites = load_site_map(db, run_id);
    report.result = replay_heap(replay_database(db, run_id), sites, question);

    // Name what the result lists: each site, and the stack that holds most of its bytes.
    std::map<uint32_t, uint32_t> wanted;  // node -> site
    auto want = [&wanted](const HeapSnapshot& s) {
        for (const HeapSiteLive& site : s.sites) wanted[site.top_node] = site.site;
    };
    for (const HeapWindow& w : report.result.windows) want(w.peak);
    if (report.result.limit && report.result.limit->failure) {
        const HeapFailure& f = *report.result.limit->failure;
        want(f.live);
        wanted[f.node] = f.site;
    }
    std::map<uint32_t, std::string> keys;  // site index -> site_key
    auto s = db.prepare(
        "SELECT site_id, module, function, file, line, site_key FROM sites WHERE run_id = ?");
    s.bind(1, run_id);
    while (s.step()) {
        const uint32_t index = schema::site_index(schema::SiteId(s.int64(0))).value;
        report.sites[index] = HeapFrame{s.text(2), s.text(3), s.int64(4), s.text(1), false};
        keys[index] = s.text(5);
    }
    const schema::StoredStacks stacks = schema::StoredStacks::load(db, run_id);
    for (const auto& [node, site] : wanted)
        report.stacks[node] = stack_from_site(stacks, node, keys[site], frames);
    return report;
}

}  // namespace allocprof::analyzers
