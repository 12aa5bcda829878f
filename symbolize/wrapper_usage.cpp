// wrapper_usage.cpp — see wrapper_usage.h.
#include "symbolize/wrapper_usage.h"

#include <fnmatch.h>

#include <nlohmann/json.hpp>

#include "schema/stored_stacks.h"
#include "symbolize/site_attribution.h"

namespace allocprof::symbolize {

std::vector<WrapperUse> wrapper_usage(schema::Database& db, int64_t run_id, const SiteConfig& config) {
    std::vector<WrapperUse> out;
    for (const std::string& preset : config.presets)
        if (const auto* patterns = preset_patterns(preset)) out.push_back({"preset " + preset, *patterns});
    for (const std::string& pattern : config.wrappers) out.push_back({pattern, {pattern}});
    if (out.empty()) return out;

    const schema::StoredStacks stacks = schema::StoredStacks::load(db, run_id);
    std::vector<schema::StackFrame> frames;
    std::vector<bool> through(out.size());
    auto s = db.prepare("SELECT node_id, allocations, bytes_allocated FROM stack_stats WHERE run_id = ? AND allocations > 0");
    s.bind(1, run_id);
    while (s.step()) {
        frames.clear();
        stacks.stack(static_cast<uint32_t>(s.int64(0)), frames);
        std::fill(through.begin(), through.end(), false);
        for (const schema::StackFrame& f : frames) {
            if (f.function.empty()) continue;
            const std::string name(qualified_name(f.function));
            for (size_t g = 0; g < out.size(); ++g)
                for (size_t p = 0; !through[g] && p < out[g].patterns.size(); ++p)
                    through[g] = fnmatch(out[g].patterns[p].c_str(), name.c_str(), 0) == 0;
        }
        for (size_t g = 0; g < out.size(); ++g)
            if (through[g]) {
                out[g].allocations += s.int64(1);
                out[g].bytes_allocated += s.int64(2);
            }
    }
    return out;
}

SiteConfig stored_site_config(schema::Database& db, int64_t run_id) {
    if (!db.has_table("symbolization")) return default_site_config();
    auto s = db.prepare("SELECT site_config FROM symbolization WHERE run_id = ?");
    s.bind(1, run_id);
    if (!s.step() || s.is_null(0)) return default_site_config();
    const nlohmann::json stored = nlohmann::json::parse(s.text(0), nullptr, false);
    if (!stored.is_object()) return default_site_config();
    nlohmann::json sites = nlohmann::json::object();
    if (stored.contains("presets")) sites["presets"] = stored["presets"];
    if (stored.contains("wrappers")) sites["wrappers"] = stored["wrappers"];
    try {
        SiteConfig config = parse_site_config(nlohmann::json{{"sites", sites}}.dump(), "stored");
        config.source = stored.value("source", std::string("stored"));
        return config;
    } catch (const SiteConfigError&) {
        return default_site_config();
    }
}

}  // namespace allocprof::symbolize
