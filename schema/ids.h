// ids.h — strong types for the identifiers of stored runs that must not mix: a site's
// stored id (sites.site_id, 1-based) and its index in the analyzers' tables (0-based), a
// trace node, a thread. Each is a distinct type, so a node cannot be passed as a site, nor a
// 1-based id used as an index; site_index() / site_id() are the one place the two site
// numberings meet. (The preload library has its own, interpose/ids.h.)
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace allocprof::schema {

template <typename Tag, typename Rep>
struct StrongId {
    Rep value{};
    constexpr StrongId() = default;
    constexpr explicit StrongId(Rep v) : value(v) {}
    constexpr auto operator<=>(const StrongId&) const = default;
};

// sites.site_id: 1, 2, ... within a run.
using SiteId = StrongId<struct SiteIdTag, int64_t>;
// A site's index in the analyzers' per-site tables: site_id - 1.
using SiteIndex = StrongId<struct SiteIndexTag, uint32_t>;
// trace_nodes.node_id: a node of the stack trie (0 is the root).
using NodeId = StrongId<struct NodeIdTag, uint32_t>;
// A thread of the run, numbered from 1 in the order it first recorded an event.
using ThreadId = StrongId<struct ThreadIdTag, uint32_t>;

constexpr SiteIndex site_index(SiteId id) { return SiteIndex(static_cast<uint32_t>(id.value - 1)); }
constexpr SiteId site_id(SiteIndex index) { return SiteId(static_cast<int64_t>(index.value) + 1); }

}  // namespace allocprof::schema

template <typename Tag, typename Rep>
struct std::hash<allocprof::schema::StrongId<Tag, Rep>> {
    size_t operator()(const allocprof::schema::StrongId<Tag, Rep>& id) const noexcept {
        return std::hash<Rep>{}(id.value);
    }
};
