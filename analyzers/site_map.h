// site_map.h — which site each allocating stack belongs to, as the analyzers need it:
// a dense table from leaf trie node to site index 0..S-1.
//
// The profiler attributes stacks to sites (symbolize/site_attribution.h, table
// stack_sites, whose site_id is 1-based); the caller converts that into this table. The
// analyzers never look at frames: they only need "same site or not".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "schema/ids.h"

namespace allocprof::analyzers {

// An event names a node the site map does not cover: the inputs do not belong together.
class AnalysisError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class SiteMap {
public:
    static constexpr uint32_t kUnmapped = UINT32_MAX;

    SiteMap() = default;
    // node_to_site[node] = site index, or kUnmapped. Every mapped index must be < site_count.
    SiteMap(std::vector<uint32_t> node_to_site, uint32_t site_count)
        : node_to_site_(std::move(node_to_site)), site_count_(site_count) {
        for (uint32_t s : node_to_site_)
            if (s != kUnmapped && s >= site_count_)
                throw AnalysisError("site map: site index " + std::to_string(s) +
                                    " out of range (" + std::to_string(site_count_) + " sites)");
    }
    // Every node is its own site (tests, and runs that were never symbolized).
    static SiteMap identity(uint32_t nodes) {
        std::vector<uint32_t> map(nodes);
        for (uint32_t i = 0; i < nodes; ++i) map[i] = i;
        return SiteMap(std::move(map), nodes);
    }

    uint32_t site_count() const { return site_count_; }

    // The site of an allocating node. Throws AnalysisError for a node without a site.
    schema::SiteIndex site_of(schema::NodeId node) const {
        if (node.value < node_to_site_.size() && node_to_site_[node.value] != kUnmapped)
            return schema::SiteIndex(node_to_site_[node.value]);
        throw AnalysisError("site map: allocating stack node " + std::to_string(node.value) +
                            " has no site (was the run attributed to sites?)");
    }

private:
    std::vector<uint32_t> node_to_site_;
    uint32_t site_count_ = 0;
};

}  // namespace allocprof::analyzers
