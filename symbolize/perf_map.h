// perf_map.h — the perf map a JIT or interpreter writes for code outside any file-backed
// mapping: /tmp/perf-PID.map, one "START SIZE name" line per code region, START and SIZE
// in hex without 0x (node --perf-basic-prof, python3.12 -X perf, LuaJIT with a patch).
// `record` snapshots it into the perf_map table when the run ends (the file belongs to the
// target and may be gone or rewritten later); symbolization resolves the trace nodes that
// have no module from that snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/run_database.h"

namespace allocprof::symbolize {

class PerfMap {
  public:
    struct Entry {
        uint64_t start = 0;
        uint64_t size = 0;
        std::string name;
    };

    // Parses the text of a perf map. Malformed lines are skipped (the map is written by
    // the target while it runs; a last line may be cut short). A later entry for the
    // same start replaces an earlier one (JITs re-emit code at a reused address).
    static PerfMap parse(const std::string& text);
    // Reads /tmp/perf-<pid>.map; an empty map when there is none. Throws
    // std::runtime_error (saying why) for a file it will not read: a symbolic link, a FIFO
    // or anything but a regular file, a file of another user, one over kMaxFileBytes.
    static PerfMap read_for_pid(uint32_t pid);
    static constexpr uint64_t kMaxFileBytes = 256ull << 20;
    // The run's snapshot from the perf_map table.
    static PerfMap load(schema::Database& db, int64_t run_id);
    // Writes the snapshot (replacing the run's rows).
    void store(schema::Database& db, int64_t run_id) const;

    // The entry whose [start, start + size) holds `address`, or nullptr. Where regions
    // overlap, the one that starts last wins.
    const Entry* find(uint64_t address) const;
    bool empty() const { return entries_.empty(); }
    size_t size() const { return entries_.size(); }

  private:
    std::vector<Entry> entries_;  // sorted by start, unique starts
};

}  // namespace allocprof::symbolize
