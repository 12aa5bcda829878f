// symbol_prefetcher.h — symbolizes a run's addresses while the target is still running.
//
// Symbolization is offline (after the target exits), but waiting until then puts its cost
// (0.1 s for a Lua run, 0.3 s for Python) on top of the run's wall time. Ingest sees each
// stack frame's module and address the moment the target interns it, and it is idle much
// of the time; this thread looks those addresses up as they arrive, into a Symbolizer that
// the end-of-run symbolization then finds warm (every lookup a cache hit).
//
// The Symbolizer is not thread-safe: it belongs to the prefetch thread until finish()
// returns, and to the caller after.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "symbolize/symbolizer.h"

namespace allocprof::symbolize {

class SymbolPrefetcher {
public:
    SymbolPrefetcher();
    ~SymbolPrefetcher();
    SymbolPrefetcher(const SymbolPrefetcher&) = delete;
    SymbolPrefetcher& operator=(const SymbolPrefetcher&) = delete;

    // Queues one address of a module (called by ingest; cheap, never blocks for long).
    void add(const std::string& module_path, const std::string& build_id, uint64_t rel_pc);
    // Looks up what is still queued, stops the thread, and hands the Symbolizer over.
    Symbolizer& finish();

private:
    struct Request {
        const std::string* path;  // interned in paths_: requests only point at them
        const std::string* build_id;
        uint64_t rel_pc;
    };
    void run();

    Symbolizer symbolizer_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Request> queue_;
    std::deque<std::string> strings_;  // stable addresses for Request::path/build_id
    const std::string* last_path_ = nullptr;
    const std::string* last_build_id_ = nullptr;
    bool stopping_ = false;
    std::unordered_set<uint32_t> module_seen_;  // prefetch thread only
    std::vector<std::string> owners_wanted_;    // prefetch thread only: modules to ask dpkg about
    std::thread thread_;
};

}  // namespace allocprof::symbolize
