// dhat_export.cpp — DHAT's JSON (export_formats.h). The keys are those dh_view.html checks
// for a heap profile with block lifetimes ("bklt") and without access counts ("bkacc").
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "export/export_formats.h"
#include "export/export_frames.h"

namespace allocprof::exporter {
namespace {

// A frame as DHAT writes one: "0xADDR: function (file:line)", "(in module)" without a line.
std::string frame_text(const ExportFrame& f) {
    char address[32];
    std::snprintf(address, sizeof address, "0x%llX: ", static_cast<unsigned long long>(f.pc));
    std::string text = (f.script ? std::string() : std::string(address)) + f.function;
    if (!f.file.empty())
        text += " (" + f.file + ":" + std::to_string(f.line) + ")";
    else
        text += " (in " + f.module + ")";
    return text;
}

}  // namespace

std::string dhat_json(const ExportRun& run, const schema::StoredStacks& stacks) {
    if (!run.lifetimes_known || !run.peak_blocks_known)
        throw ExportError(run.file + ": run " + std::to_string(run.run_id) +
                          " has no event stream (recorded with --no-events): DHAT's lifetimes and "
                          "blocks at t-gmax are not known");
    nlohmann::json ftbl = nlohmann::json::array({"[root]"});
    std::unordered_map<std::string, size_t> frame_ids;
    nlohmann::json pps = nlohmann::json::array();
    // One program point per stack: the replay's samples are per stack (no phase split).
    for (const ExportSample& s : run.samples) {
        const StackFigures& f = s.figures;
        nlohmann::json fs = nlohmann::json::array();
        std::vector<std::string> texts;
        for (const ExportFrame& frame : export_stack(stacks, s.node)) texts.push_back(frame_text(frame));
        if (texts.empty()) texts.push_back("[no stack]");  // dh_view needs a frame below the root
        for (std::string& text : texts) {
            auto [it, added] = frame_ids.try_emplace(text, ftbl.size());
            if (added) ftbl.push_back(std::move(text));
            fs.push_back(it->second);
        }
        pps.push_back({{"tb", f.bytes}, {"tbk", f.allocations}, {"tl", f.lifetimes},
                       {"mb", f.max_bytes}, {"mbk", f.max_blocks},
                       {"gb", f.peak_bytes}, {"gbk", f.peak_blocks},
                       {"eb", f.end_bytes}, {"ebk", f.end_blocks}, {"fs", std::move(fs)}});
    }
    std::string command;
    for (const std::string& arg : run.command) command += (command.empty() ? "" : " ") + arg;
    nlohmann::json out = {
        {"dhatFileVersion", 2},
        {"mode", "heap"},
        {"verb", "Allocated"},
        {"bklt", true},
        {"bkacc", false},
        {"bu", "byte"},
        {"bsu", "bytes"},
        {"bksu", "blocks"},
        // Time is the run's event index (allocprof counts no instructions); a block freed
        // with at most one other event between is short-lived.
        {"tu", "events"},
        {"Mtu", "Mevents"},
        {"tuth", 2},
        {"cmd", command},
        {"pid", run.pid},
        {"te", run.events},
        {"tg", run.peak_event},
        {"pps", std::move(pps)},
        {"ftbl", std::move(ftbl)},
    };
    return out.dump() + "\n";
}

}  // namespace allocprof::exporter
