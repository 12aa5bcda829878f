// export_profile.cpp — see export_profile.h.
#include "export/export_profile.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "schema/event_codec.h"

namespace allocprof::exporter {
namespace {

void load_run_row(schema::Database& db, ExportRun& run) {
    auto row = db.prepare(
        "SELECT command, pid, start_unix_ns, coalesce(duration_s, 0), allocations, "
        "bytes_allocated, events_stored, event_count, coalesce(peak_live_event, 0) "
        "FROM runs WHERE run_id = ?");
    row.bind(1, run.run_id);
    if (!row.step()) throw ExportError(run.file + ": no run " + std::to_string(run.run_id));
    const auto command = nlohmann::json::parse(row.text(0), nullptr, false);
    if (command.is_array())
        for (const auto& arg : command)
            if (arg.is_string()) run.command.push_back(arg.get<std::string>());
    run.pid = row.int64(1);
    run.start_unix_ns = row.int64(2);
    run.duration_s = row.real(3);
    run.allocations = static_cast<uint64_t>(row.int64(4));
    run.bytes_allocated = static_cast<uint64_t>(row.int64(5));
    run.from_events = row.int64(6) != 0 && row.int64(7) > 0;
    run.events = static_cast<uint64_t>(row.int64(7));
    run.peak_event = static_cast<uint64_t>(row.int64(8));
}

// One sample per stack_stats row.
void load_from_stack_stats(schema::Database& db, ExportRun& run) {
    auto rows = db.prepare(
        "SELECT node_id, allocations, bytes_allocated, live_end_blocks, live_end_bytes, "
        "live_at_peak_bytes, max_live_bytes, temporary_k0 FROM stack_stats WHERE run_id = ? "
        "ORDER BY node_id");
    rows.bind(1, run.run_id);
    while (rows.step()) {
        ExportSample s;
        s.node = static_cast<uint32_t>(rows.int64(0));
        StackFigures& f = s.figures;
        f.allocations = static_cast<uint64_t>(rows.int64(1));
        f.bytes = static_cast<uint64_t>(rows.int64(2));
        f.end_blocks = static_cast<uint64_t>(rows.int64(3));
        f.end_bytes = static_cast<uint64_t>(rows.int64(4));
        f.peak_bytes = static_cast<uint64_t>(rows.int64(5));
        f.max_bytes = static_cast<uint64_t>(rows.int64(6));
        f.temporary = static_cast<uint64_t>(rows.int64(7));
        run.samples.push_back(s);
    }
}

// The event stream, replayed: per (stack, phase) every figure of StackFigures but the
// temporaries, which stay per stack (stack_stats) and go to the stack's first sample.
class Replay {
  public:
    explicit Replay(ExportRun& run, bool by_phase) : run_(run), by_phase_(by_phase) {}

    void visit(const schema::Event& e) {
        switch (e.kind) {
            case schema::EventKind::Alloc:
                allocate(e.block, e.node, e.size);
                break;
            case schema::EventKind::Realloc:
                release(e.old_block);
                allocate(e.block, e.node, e.size);
                break;
            case schema::EventKind::Free:
                release(e.block);
                break;
            case schema::EventKind::PhaseBegin: {
                auto [it, added] = phase_ids_.try_emplace(e.name, static_cast<int>(run_.phase_names.size()));
                if (added) run_.phase_names.push_back(e.name);
                phase_ = it->second;
                break;
            }
            case schema::EventKind::PhaseEnd:
                phase_ = -1;
                break;
            default:
                break;
        }
        if (index_ == run_.peak_event && run_.allocations > 0) snapshot_peak();
        ++index_;
    }

    void finish() {
        for (const Block& b : blocks_) {
            if (!b.live) continue;
            StackFigures& f = samples_[b.sample].figures;
            ++f.end_blocks;
            f.end_bytes += b.size;
            f.lifetimes += index_ - b.born;
        }
        std::sort(samples_.begin(), samples_.end(), [](const ExportSample& a, const ExportSample& b) {
            return a.node != b.node ? a.node < b.node : a.phase < b.phase;
        });
        run_.samples = std::move(samples_);
    }

  private:
    struct Block {
        uint32_t sample = 0;
        bool live = false;
        uint64_t size = 0;
        uint64_t born = 0;
    };
    struct Live {
        uint64_t blocks = 0, bytes = 0;
    };

    uint32_t sample_of(uint32_t node) {
        const int phase = by_phase_ ? phase_ : -1;
        const uint64_t key = (uint64_t{node} << 32) | static_cast<uint32_t>(phase + 1);
        auto [it, added] = sample_ids_.try_emplace(key, static_cast<uint32_t>(samples_.size()));
        if (added) {
            samples_.push_back({node, phase, {}});
            live_.push_back({});
        }
        return it->second;
    }

    void allocate(uint64_t block, uint32_t node, uint64_t size) {
        if (block >= blocks_.size()) blocks_.resize(std::max<size_t>(block + 1, blocks_.size() * 2));
        const uint32_t sample = sample_of(node);
        blocks_[block] = {sample, true, size, index_};
        StackFigures& f = samples_[sample].figures;
        ++f.allocations;
        f.bytes += size;
        Live& l = live_[sample];
        ++l.blocks;
        l.bytes += size;
        if (l.bytes > f.max_bytes) {
            f.max_bytes = l.bytes;
            f.max_blocks = l.blocks;
        }
    }

    void release(uint64_t block) {
        if (block >= blocks_.size() || !blocks_[block].live) return;
        Block& b = blocks_[block];
        b.live = false;
        Live& l = live_[b.sample];
        --l.blocks;
        l.bytes -= b.size;
        samples_[b.sample].figures.lifetimes += index_ - b.born;
    }

    void snapshot_peak() {
        for (size_t i = 0; i < samples_.size(); ++i) {
            samples_[i].figures.peak_blocks = live_[i].blocks;
            samples_[i].figures.peak_bytes = live_[i].bytes;
        }
    }

    ExportRun& run_;
    bool by_phase_;
    uint64_t index_ = 0;
    int phase_ = -1;
    std::map<std::string, int> phase_ids_;
    std::unordered_map<uint64_t, uint32_t> sample_ids_;
    std::vector<ExportSample> samples_;
    std::vector<Live> live_;
    std::vector<Block> blocks_;
};

// Temporaries are counted during ingest per stack (they depend on the thread of each
// event); the replay puts each stack's on its first sample.
void add_temporaries(schema::Database& db, ExportRun& run) {
    std::unordered_map<uint32_t, uint64_t> temporary;
    auto rows = db.prepare("SELECT node_id, temporary_k0 FROM stack_stats WHERE run_id = ?");
    rows.bind(1, run.run_id);
    while (rows.step()) temporary[static_cast<uint32_t>(rows.int64(0))] = static_cast<uint64_t>(rows.int64(1));
    uint32_t previous = 0;
    for (ExportSample& s : run.samples) {
        if (s.node != previous || &s == &run.samples.front()) s.figures.temporary = temporary[s.node];
        previous = s.node;
    }
}

}  // namespace

ExportRun load_export_run(schema::Database& db, int64_t run_id, const ExportOptions& options) {
    ExportRun run;
    run.file = db.path();
    run.run_id = run_id;
    load_run_row(db, run);
    if (!options.replay || !run.from_events) {
        if (options.need_events)
            throw ExportError(run.file + ": run " + std::to_string(run_id) +
                              " has no event stream (recorded with --no-events), which this export needs");
        load_from_stack_stats(db, run);
        return run;
    }
    Replay replay(run, options.by_phase);
    schema::for_each_event(db, run_id, [&](const schema::Event& e) { replay.visit(e); });
    replay.finish();
    add_temporaries(db, run);
    run.peak_blocks_known = true;
    run.lifetimes_known = true;
    return run;
}

}  // namespace allocprof::exporter
