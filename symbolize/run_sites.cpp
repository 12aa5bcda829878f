// run_sites.cpp — see run_sites.h.
#include "symbolize/run_sites.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace allocprof::symbolize {

void SiteFigures::add(const SiteFigures& o) {
    allocations += o.allocations;
    bytes_allocated += o.bytes_allocated;
    frees += o.frees;
    reallocs += o.reallocs;
    live_end_blocks += o.live_end_blocks;
    live_end_bytes += o.live_end_bytes;
    live_at_peak_bytes += o.live_at_peak_bytes;
    temporary_k0 += o.temporary_k0;
    temporary_k1 += o.temporary_k1;
}

std::vector<StackFigures> load_stack_figures(schema::Database& db, int64_t run_id) {
    auto rows = db.prepare(
        "SELECT node_id, allocations, bytes_allocated, frees, reallocs, live_end_blocks, "
        "live_end_bytes, live_at_peak_bytes, temporary_k0, temporary_k1 FROM stack_stats "
        "WHERE run_id = ? ORDER BY node_id");
    rows.bind(1, run_id);
    std::vector<StackFigures> out;
    while (rows.step()) {
        StackFigures s;
        s.node = static_cast<uint32_t>(rows.int64(0));
        auto v = [&](int c) { return static_cast<uint64_t>(rows.int64(c)); };
        s.figures = {v(1), v(2), v(3), v(4), v(5), v(6), v(7), v(8), v(9)};
        out.push_back(s);
    }
    return out;
}

namespace {

// Groups the stacks by the identity `identity_of(node, frames)` gives each.
template <typename IdentityOf>
std::vector<Site> group_stacks(const std::vector<StackFigures>& stack_figures, IdentityOf identity_of) {
    std::vector<Site> sites;
    std::unordered_map<std::string, size_t> by_key;
    for (const StackFigures& s : stack_figures) {
        SiteIdentity identity = identity_of(s.node);
        auto [it, added] = by_key.emplace(identity.site_key(), sites.size());
        if (added) {
            sites.emplace_back();
            sites.back().identity = std::move(identity);
        }
        Site& site = sites[it->second];
        site.figures.add(s.figures);
        site.nodes.push_back(s.node);
        if (s.figures.allocations > site.top_allocations || site.top_node == 0) {
            site.top_allocations = s.figures.allocations;
            site.top_node = s.node;
        }
    }
    std::sort(sites.begin(), sites.end(), [](const Site& a, const Site& b) {
        if (a.figures.allocations != b.figures.allocations)
            return a.figures.allocations > b.figures.allocations;
        if (a.figures.bytes_allocated != b.figures.bytes_allocated)
            return a.figures.bytes_allocated > b.figures.bytes_allocated;
        return a.identity.site_key() < b.identity.site_key();
    });
    return sites;
}

}  // namespace

std::vector<Site> attribute_sites(const schema::StoredStacks& stacks,
                                  const std::vector<StackFigures>& stack_figures,
                                  const SiteAttributor& attributor) {
    std::vector<AttributionFrame> frames;
    return group_stacks(stack_figures, [&](uint32_t node) {
        stacks.stack(node, frames);
        if (frames.empty()) frames.push_back({schema::kNoModule, {}, {}, 0, 0});  // a node the trie lacks
        return SiteAttributor::identity(frames[attributor.site_index(frames)]);
    });
}

std::vector<Site> attribute_script_sites(const schema::StoredStacks& stacks,
                                         const std::vector<StackFigures>& stack_figures) {
    return group_stacks(stack_figures, [&](uint32_t node) {
        // Script frames are interned on top of the native leaf: a stack that has any ends in
        // its innermost one.
        const schema::StoredStacks::Node* n = stacks.node(node);
        if (n == nullptr || !n->script || n->frame_count == 0)
            return SiteIdentity{"", std::string(kNoScriptFrame), "", 0};
        const schema::StoredStacks::Frame& f = stacks.frames(*n).front();
        return SiteAttributor::identity(
            {stacks.modules()[n->module].name, f.function, f.file, f.line, n->pc});
    });
}

void write_sites(schema::Database& db, int64_t run_id, const std::vector<Site>& sites,
                 SiteGrouping grouping) {
    const bool native = grouping == SiteGrouping::Native;
    const std::string sites_table = native ? "sites" : "script_sites";
    const std::string stacks_table = native ? "stack_sites" : "stack_script_sites";
    db.prepare("DELETE FROM " + sites_table + " WHERE run_id = ?").bind(1, run_id).run();
    db.prepare("DELETE FROM " + stacks_table + " WHERE run_id = ?").bind(1, run_id).run();
    auto insert_site = db.prepare(
        "INSERT INTO " + sites_table + "(run_id, site_id, module, function, file, line, site_key, function_key, "
        "allocations, bytes_allocated, frees, reallocs, live_end_blocks, live_end_bytes, "
        "live_at_peak_bytes, temporary_k0, temporary_k1, top_node) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    auto insert_stack =
        db.prepare("INSERT INTO " + stacks_table + "(run_id, node_id, site_id) VALUES (?, ?, ?)");
    for (size_t i = 0; i < sites.size(); ++i) {
        const Site& s = sites[i];
        const auto site_id = static_cast<int64_t>(i + 1);
        insert_site.bind(1, run_id).bind(2, site_id);
        insert_site.bind(3, s.identity.module).bind(4, s.identity.function);
        insert_site.bind(5, s.identity.file).bind(6, s.identity.line);
        insert_site.bind(7, s.identity.site_key()).bind(8, s.identity.function_key());
        int c = 9;
        const SiteFigures& f = s.figures;
        for (uint64_t v : {f.allocations, f.bytes_allocated, f.frees, f.reallocs, f.live_end_blocks,
                           f.live_end_bytes, f.live_at_peak_bytes, f.temporary_k0, f.temporary_k1})
            insert_site.bind(c++, v);
        insert_site.bind(c++, s.top_node);
        insert_site.run();
        for (uint32_t node : s.nodes)
            insert_stack.bind(1, run_id).bind(2, node).bind(3, site_id).run();
    }
}

}  // namespace allocprof::symbolize
