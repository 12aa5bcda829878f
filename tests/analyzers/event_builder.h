// event_builder.h — hand-built normalized event streams for the analyzer tests: assigns
// block ids in order as the profiler does (schema/event_codec.h), so a test reads like
// the program it stands for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analyzers/analysis_params.h"
#include "schema/event_codec.h"

namespace allocprof::analyzers::test {

class EventBuilder {
public:
    // Returns the new block id. `node` is the allocating stack (= site with SiteMap::identity).
    uint64_t alloc(uint32_t node, uint64_t size, uint32_t thread = 0) {
        schema::Event e;
        e.kind = schema::EventKind::Alloc;
        e.node = node;
        e.size = size;
        e.thread = thread;
        e.block = next_block_;
        events.push_back(e);
        return next_block_++;
    }
    void free(uint64_t block, uint32_t thread = 0) {
        schema::Event e;
        e.kind = schema::EventKind::Free;
        e.block = block;
        e.thread = thread;
        events.push_back(e);
    }
    uint64_t realloc(uint64_t old_block, uint32_t node, uint64_t size, bool moved = true, uint32_t thread = 0) {
        schema::Event e;
        e.kind = schema::EventKind::Realloc;
        e.old_block = old_block;
        e.node = node;
        e.size = size;
        e.moved = moved;
        e.thread = thread;
        e.block = next_block_;
        events.push_back(e);
        return next_block_++;
    }
    void ops(uint64_t count = 1) {
        schema::Event e;
        e.kind = schema::EventKind::Ops;
        e.count = count;
        events.push_back(e);
    }
    void phase_begin(const std::string& name) {
        schema::Event e;
        e.kind = schema::EventKind::PhaseBegin;
        e.name = name;
        events.push_back(e);
    }
    void phase_end() {
        schema::Event e;
        e.kind = schema::EventKind::PhaseEnd;
        events.push_back(e);
    }
    void tick(uint64_t time_ns) {
        schema::Event e;
        e.kind = schema::EventKind::Tick;
        e.time_ns = time_ns;
        events.push_back(e);
    }

    std::vector<schema::Event> events;

private:
    uint64_t next_block_ = 0;
};

// Parameters with a small nursery so that hand-computed collections stay readable.
inline AnalysisParams small_params(uint64_t budget, uint64_t large = 1'000'000) {
    AnalysisParams p;
    p.gen0_budget = budget;
    p.large_object_threshold = large;
    return p;
}

}  // namespace allocprof::analyzers::test
