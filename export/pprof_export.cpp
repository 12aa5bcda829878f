// pprof_export.cpp — the pprof profile (export_formats.h), encoded with the protobuf
// library against pprof's profile.proto, gzipped with zlib.
#include <zlib.h>

#include <map>
#include <tuple>
#include <unordered_map>

#include "export/export_formats.h"
#include "export/export_frames.h"
#include "export/profile.pb.h"

namespace allocprof::exporter {
namespace {

namespace pb = perftools::profiles;

class ProfileBuilder {
  public:
    explicit ProfileBuilder(pb::Profile& profile) : profile_(profile) { string_id(""); }

    int64_t string_id(const std::string& s) {
        auto [it, added] = strings_.try_emplace(s, static_cast<int64_t>(strings_.size()));
        if (added) profile_.add_string_table(s);
        return it->second;
    }

    void value_type(pb::ValueType* t, const char* type, const char* unit) {
        t->set_type(string_id(type));
        t->set_unit(string_id(unit));
    }

    // The location ids of a stack, leaf first: one per run of frames of the same node.
    std::vector<uint64_t> locations(const schema::StoredStacks& stacks, uint32_t leaf) {
        const std::vector<ExportFrame> frames = export_stack(stacks, leaf);
        std::vector<uint64_t> ids;
        for (size_t begin = 0; begin < frames.size();) {
            size_t end = begin + 1;
            while (end < frames.size() && frames[end].node == frames[begin].node && frames[end - 1].inlined) ++end;
            ids.push_back(location(frames, begin, end));
            begin = end;
        }
        if (ids.empty()) ids.push_back(no_stack_location());
        return ids;
    }

  private:
    uint64_t location(const std::vector<ExportFrame>& frames, size_t begin, size_t end) {
        // A node's frames are the same wherever it appears, unless a script frame was
        // merged in between them: key by the frames too.
        std::string key = std::to_string(frames[begin].node);
        for (size_t i = begin; i < end; ++i) key += "|" + frames[i].function + ":" + std::to_string(frames[i].line);
        auto [it, added] = locations_.try_emplace(key, locations_.size() + 1);
        if (!added) return it->second;
        pb::Location* loc = profile_.add_location();
        loc->set_id(it->second);
        const ExportFrame& first = frames[begin];
        if (!first.script) {
            loc->set_mapping_id(mapping(first.module, first.pc));
            loc->set_address(first.pc);
        }
        for (size_t i = begin; i < end; ++i) {
            pb::Line* line = loc->add_line();
            line->set_function_id(function(frames[i]));
            line->set_line(frames[i].line);
        }
        return it->second;
    }

    uint64_t no_stack_location() {
        ExportFrame f;
        f.function = "[no stack]";
        std::vector<ExportFrame> one{f};
        return location(one, 0, 1);
    }

    uint64_t function(const ExportFrame& f) {
        auto key = std::make_tuple(f.function, f.file, f.script ? f.module : std::string());
        auto [it, added] = functions_.try_emplace(key, functions_.size() + 1);
        if (added) {
            pb::Function* fn = profile_.add_function();
            fn->set_id(it->second);
            fn->set_name(string_id(f.function));
            fn->set_system_name(string_id(f.function));
            fn->set_filename(string_id(f.file));
        }
        return it->second;
    }

    // One mapping per module, spanning the addresses its locations use (the addresses
    // are ELF virtual addresses of the module: allocprof stores no load address with them).
    uint64_t mapping(const std::string& module, uint64_t pc) {
        auto [it, added] = mappings_.try_emplace(module, nullptr);
        if (added) {
            it->second = profile_.add_mapping();
            it->second->set_id(static_cast<uint64_t>(profile_.mapping_size()));
            it->second->set_filename(string_id(module));
            it->second->set_memory_start(pc);
            it->second->set_memory_limit(pc + 1);
            it->second->set_has_functions(true);
            it->second->set_has_filenames(true);
            it->second->set_has_line_numbers(true);
            it->second->set_has_inline_frames(true);
        }
        pb::Mapping* m = it->second;
        if (pc < m->memory_start()) m->set_memory_start(pc);
        if (pc + 1 > m->memory_limit()) m->set_memory_limit(pc + 1);
        return m->id();
    }

    pb::Profile& profile_;
    std::unordered_map<std::string, int64_t> strings_;
    std::unordered_map<std::string, uint64_t> locations_;
    std::map<std::tuple<std::string, std::string, std::string>, uint64_t> functions_;
    std::map<std::string, pb::Mapping*> mappings_;
};

std::string gzip(const std::string& data, const std::string& file) {
    z_stream z{};
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw ExportError(file + ": cannot start zlib");
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int status = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (status != Z_STREAM_END) throw ExportError(file + ": cannot compress the profile");
    return out;
}

}  // namespace

std::string pprof_profile(const ExportRun& run, const schema::StoredStacks& stacks, At at) {
    if (at == At::Peak && !run.peak_blocks_known)
        throw ExportError(run.file + ": run " + std::to_string(run.run_id) +
                          " has no event stream (recorded with --no-events): the blocks live at the "
                          "peak are not known, only at the end (leave out --at peak)");
    pb::Profile profile;
    ProfileBuilder b(profile);
    b.value_type(profile.add_sample_type(), "alloc_objects", "count");
    b.value_type(profile.add_sample_type(), "alloc_space", "bytes");
    b.value_type(profile.add_sample_type(), "inuse_objects", "count");
    b.value_type(profile.add_sample_type(), "inuse_space", "bytes");
    const int64_t phase_key = run.phase_names.empty() ? 0 : b.string_id("phase");
    for (const ExportSample& s : run.samples) {
        pb::Sample* sample = profile.add_sample();
        for (uint64_t id : b.locations(stacks, s.node)) sample->add_location_id(id);
        const StackFigures& f = s.figures;
        sample->add_value(static_cast<int64_t>(f.allocations));
        sample->add_value(static_cast<int64_t>(f.bytes));
        sample->add_value(static_cast<int64_t>(at == At::Peak ? f.peak_blocks : f.end_blocks));
        sample->add_value(static_cast<int64_t>(at == At::Peak ? f.peak_bytes : f.end_bytes));
        if (s.phase >= 0) {
            pb::Label* label = sample->add_label();
            label->set_key(phase_key);
            label->set_str(b.string_id(run.phase_names[static_cast<size_t>(s.phase)]));
        }
    }
    profile.set_time_nanos(run.start_unix_ns);
    profile.set_duration_nanos(static_cast<int64_t>(run.duration_s * 1e9));
    b.value_type(profile.mutable_period_type(), "space", "bytes");
    profile.set_period(1);
    std::string command;
    for (const std::string& arg : run.command) command += (command.empty() ? "" : " ") + arg;
    profile.add_comment(b.string_id("allocprof run " + std::to_string(run.run_id) + " of " + run.file + ": " + command));
    profile.add_comment(b.string_id(at == At::Peak ? "inuse: live just after the process-wide peak"
                                                   : "inuse: live when the run ended"));
    profile.set_default_sample_type(b.string_id("alloc_space"));
    std::string encoded;
    if (!profile.SerializeToString(&encoded)) throw ExportError(run.file + ": cannot encode the profile");
    return gzip(encoded, run.file);
}

}  // namespace allocprof::exporter
