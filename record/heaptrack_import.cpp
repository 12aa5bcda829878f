// heaptrack_import.cpp — see heaptrack_import.h.
#include "record/heaptrack_import.h"

#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "record/run_ingestor.h"
#include "schema/stored_stacks.h"

namespace allocprof::record {
namespace {

using namespace allocprof::wire;

// The decompressed bytes of a file, by magic number (zstd, gzip, else plain text).
class Decompressor {
  public:
    explicit Decompressor(const std::string& file) : file_(file), in_(file, std::ios::binary) {
        if (!in_) throw ImportError(file + ": cannot open the file");
        unsigned char magic[4] = {};
        in_.read(reinterpret_cast<char*>(magic), 4);
        const std::streamsize got = in_.gcount();
        in_.clear();
        in_.seekg(0);
        if (got == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
            zstd_ = ZSTD_createDStream();
            ZSTD_initDStream(zstd_);
        } else if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
            gzip_ = std::make_unique<z_stream>();
            *gzip_ = {};
            if (inflateInit2(gzip_.get(), 15 + 32) != Z_OK) throw ImportError(file + ": cannot start zlib");
        }
    }
    ~Decompressor() {
        if (zstd_) ZSTD_freeDStream(zstd_);
        if (gzip_) inflateEnd(gzip_.get());
    }
    Decompressor(const Decompressor&) = delete;
    Decompressor& operator=(const Decompressor&) = delete;

    // Appends the next piece of text to `out`; false at the end of the file.
    bool read(std::string& out) {
        if (!zstd_ && !gzip_) return read_raw(out);
        if (pos_ == raw_.size()) {
            if (!read_raw_buffer()) {
                if (!ended_) truncated_ = true;
                return false;
            }
        }
        char buffer[1 << 16];
        if (zstd_) {
            ZSTD_inBuffer input{raw_.data() + pos_, raw_.size() - pos_, 0};
            ZSTD_outBuffer output{buffer, sizeof buffer, 0};
            const size_t status = ZSTD_decompressStream(zstd_, &output, &input);
            if (ZSTD_isError(status))
                throw ImportError(file_ + ": damaged zstd data (" + ZSTD_getErrorName(status) + ")");
            ended_ = status == 0;
            pos_ += input.pos;
            out.append(buffer, output.pos);
        } else {
            gzip_->next_in = reinterpret_cast<Bytef*>(raw_.data() + pos_);
            gzip_->avail_in = static_cast<uInt>(raw_.size() - pos_);
            gzip_->next_out = reinterpret_cast<Bytef*>(buffer);
            gzip_->avail_out = sizeof buffer;
            const int status = inflate(gzip_.get(), Z_NO_FLUSH);
            if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR)
                throw ImportError(file_ + ": damaged gzip data");
            if (status == Z_STREAM_END) {
                ended_ = true;
                inflateReset(gzip_.get());  // a concatenated member may follow
            }
            pos_ = raw_.size() - gzip_->avail_in;
            out.append(buffer, sizeof buffer - gzip_->avail_out);
        }
        return true;
    }

    // The compressed stream stopped before its end (heaptrack was killed).
    bool truncated() const { return truncated_; }

  private:
    bool read_raw_buffer() {
        raw_.resize(1 << 16);
        in_.read(raw_.data(), static_cast<std::streamsize>(raw_.size()));
        raw_.resize(static_cast<size_t>(in_.gcount()));
        pos_ = 0;
        if (in_.bad()) throw ImportError(file_ + ": cannot read the file");
        if (!raw_.empty()) ended_ = false;
        return !raw_.empty();
    }
    bool read_raw(std::string& out) {
        if (!read_raw_buffer()) return false;
        out.append(raw_.data(), raw_.size());
        pos_ = raw_.size();
        return true;
    }

    std::string file_;
    std::ifstream in_;
    ZSTD_DStream* zstd_ = nullptr;
    std::unique_ptr<z_stream> gzip_;
    std::vector<char> raw_;
    size_t pos_ = 0;
    bool ended_ = true;
    bool truncated_ = false;
};

// One line of the format: its record letter, then hex numbers and strings.
class LineParser {
  public:
    LineParser(const std::string& line, bool sized_strings) : line_(line), sized_(sized_strings) {
        pos_ = line.size() > 2 ? 2 : line.size();
    }
    bool at_end() const { return pos_ >= line_.size(); }
    std::optional<uint64_t> hex() {
        if (at_end()) return std::nullopt;
        uint64_t value = 0;
        size_t digits = 0;
        while (pos_ < line_.size() && line_[pos_] != ' ') {
            const char c = line_[pos_++];
            int d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else
                return std::nullopt;
            if (++digits > 16) return std::nullopt;
            value = value * 16 + static_cast<uint64_t>(d);
        }
        if (pos_ < line_.size()) ++pos_;  // the space
        return digits > 0 ? std::optional<uint64_t>(value) : std::nullopt;
    }
    // The string of an 's' line: sized (version 3) or the rest of the line.
    std::optional<std::string> text() {
        if (!sized_) {
            std::string s = line_.substr(pos_);
            pos_ = line_.size();
            return s;
        }
        auto size = hex();
        if (!size || *size > line_.size() - pos_) return std::nullopt;
        std::string s = line_.substr(pos_, *size);
        pos_ += *size;
        return s;
    }
    std::string rest() const { return line_.substr(std::min(pos_, line_.size())); }

  private:
    const std::string& line_;
    bool sized_;
    size_t pos_;
};

struct Frame {
    uint64_t function = 0, file = 0, line = 0;  // string indices (0 = none), line
};
struct InstructionPointer {
    uint64_t ip = 0;
    uint64_t module = 0;       // string index of the module's path (0 = none)
    std::vector<Frame> frames;  // innermost first
};
struct Trace {
    uint64_t ip_index = 0;  // 1-based into ips (0 = none)
    uint64_t parent = 0;    // 1-based into traces (0 = root)
};
struct Info {
    uint64_t size = 0;
    uint64_t trace = 0;
};

// The stream of events, in order: kind in the top two bits, its number below.
enum class Kind : uint64_t { Alloc = 0, Free = 1, Time = 2, Rss = 3 };
constexpr uint64_t kValueMask = (uint64_t{1} << 62) - 1;

// Everything in the file, read before anything is written.
struct Recording {
    uint64_t heaptrack_version = 0, file_version = 0;
    std::string command;
    uint64_t page_size = 4096;
    bool attached = false;
    std::vector<std::string> strings{""};          // index 0 = none
    std::vector<InstructionPointer> ips{{}};       // index 0 = none
    std::vector<Trace> traces{{}};                 // index 0 = the root
    std::vector<Info> infos;
    std::vector<uint64_t> events;
    uint64_t allocations = 0, frees = 0, lines = 0;
    uint64_t last_ms = 0, max_rss_pages = 0;
    bool truncated = false;
};

std::string describe_line(const std::string& line) {
    return line.size() > 60 ? line.substr(0, 60) + "..." : line;
}

Recording read_recording(const std::string& file) {
    Recording r;
    Decompressor in(file);
    std::string buffer;
    size_t start = 0;
    bool more = true;
    bool saw_version = false;
    uint64_t number = 0;
    auto fail = [&](const std::string& line, const std::string& what) {
        throw ImportError(file + ":" + std::to_string(number) + ": " + what + ": '" + describe_line(line) + "'");
    };
    auto handle = [&](const std::string& line) {
        ++number;
        if (line.empty() || line[0] == '#') return;
        const char mode = line[0];
        if (!saw_version && mode != 'v')
            throw ImportError(file + ": not a heaptrack recording (its first record is not heaptrack's "
                              "version line 'v')");
        LineParser p(line, r.file_version >= 3);
        auto need = [&](std::optional<uint64_t> v) {
            if (!v) fail(line, "malformed record");
            return *v;
        };
        auto index = [&](uint64_t v, size_t size, const char* what) {
            if (v >= size) fail(line, std::string("refers to an unknown ") + what);
            return v;
        };
        ++r.lines;
        switch (mode) {
            case 'v': {
                r.heaptrack_version = need(p.hex());
                r.file_version = p.hex().value_or(0);
                if (r.file_version < 2 || r.file_version > 3)
                    throw ImportError(file + ": heaptrack file format version " + std::to_string(r.file_version) +
                                      " is not supported (versions 2 and 3: heaptrack 1.1 and later)");
                saw_version = true;
                break;
            }
            case 'X': r.command = p.rest(); break;
            case 'I': r.page_size = need(p.hex()); break;
            case 's': {
                auto s = p.text();
                if (!s) fail(line, "malformed string");
                r.strings.push_back(std::move(*s));
                break;
            }
            case 'i': {
                InstructionPointer ip;
                ip.ip = need(p.hex());
                ip.module = index(p.hex().value_or(0), r.strings.size(), "module string");
                // function, then optionally file and line, then inlined (function, file, line)s
                if (auto function = p.hex()) {
                    Frame f;
                    f.function = index(*function, r.strings.size(), "string");
                    if (auto f_file = p.hex()) {
                        f.file = index(*f_file, r.strings.size(), "string");
                        f.line = need(p.hex());
                    }
                    ip.frames.push_back(f);
                    while (!p.at_end()) {
                        Frame inlined;
                        inlined.function = index(need(p.hex()), r.strings.size(), "string");
                        inlined.file = index(need(p.hex()), r.strings.size(), "string");
                        inlined.line = need(p.hex());
                        ip.frames.push_back(inlined);
                    }
                }
                r.ips.push_back(std::move(ip));
                break;
            }
            case 't': {
                Trace t;
                t.ip_index = index(need(p.hex()), r.ips.size(), "instruction pointer");
                t.parent = index(need(p.hex()), r.traces.size(), "trace");
                r.traces.push_back(t);
                break;
            }
            case 'a': {
                Info info;
                info.size = need(p.hex());
                info.trace = index(need(p.hex()), r.traces.size(), "trace");
                r.infos.push_back(info);
                break;
            }
            case '+':
            case '-': {
                const uint64_t info = index(need(p.hex()), r.infos.size(), "allocation info");
                const Kind kind = mode == '+' ? Kind::Alloc : Kind::Free;
                r.events.push_back((static_cast<uint64_t>(kind) << 62) | info);
                ++(mode == '+' ? r.allocations : r.frees);
                break;
            }
            case 'c': {
                const uint64_t ms = need(p.hex());
                if (ms < r.last_ms) break;  // heaptrack skips a damaged timestamp too
                r.last_ms = ms;
                r.events.push_back((static_cast<uint64_t>(Kind::Time) << 62) | (ms & kValueMask));
                break;
            }
            case 'R': {
                const uint64_t pages = need(p.hex());
                r.max_rss_pages = std::max(r.max_rss_pages, pages);
                r.events.push_back((static_cast<uint64_t>(Kind::Rss) << 62) | (pages & kValueMask));
                break;
            }
            case 'A': r.attached = true; break;
            case 'S': break;  // an embedded leak suppression: heaptrack's own analysis only
            case 'x':
            case 'm':
                throw ImportError(file + ": a raw heaptrack trace (its '" + std::string(1, mode) +
                                  "' records need heaptrack_interpret first: heaptrack -i)");
            default: fail(line, "unknown record");
        }
    };
    std::string line;
    while (more) {
        more = in.read(buffer);
        size_t end;
        while ((end = buffer.find('\n', start)) != std::string::npos) {
            line.assign(buffer, start, end - start);
            handle(line);
            start = end + 1;
        }
        buffer.erase(0, start);
        start = 0;
    }
    if (!buffer.empty()) {
        line = buffer;
        handle(line);
    }
    if (!saw_version)
        throw ImportError(file + ": not a heaptrack recording (" + (number == 0 ? "empty" : "no version line") + ")");
    r.truncated = in.truncated();
    return r;
}

// The argv of heaptrack's 'X' line (it writes the command line joined by spaces).
std::vector<std::string> split_command(const std::string& command) {
    std::vector<std::string> argv;
    size_t start = 0;
    while (start < command.size()) {
        size_t end = command.find(' ', start);
        if (end == std::string::npos) end = command.size();
        if (end > start) argv.push_back(command.substr(start, end - start));
        start = end + 1;
    }
    return argv;
}

uint64_t file_mtime_ns(const std::string& file) {
    struct stat st {};
    if (stat(file.c_str(), &st) != 0) return 0;
    return static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + static_cast<uint64_t>(st.st_mtim.tv_nsec);
}

// The wire records of a module map that gives every instruction pointer its module: per
// module one record whose first segment spans all its addresses (modules.text_start/end),
// then one-byte segments at each address, so that an address between two of another
// module's still finds its own (the innermost range starting at or below it).
void send_modules(RunIngestor& ingestor, const Recording& r) {
    std::map<uint64_t, std::vector<uint64_t>> addresses;  // module string -> ips
    for (size_t i = 1; i < r.ips.size(); ++i)
        if (r.ips[i].module != 0) addresses[r.ips[i].module].push_back(r.ips[i].ip);
    ingestor.on_module_map_begin();
    for (auto& [module, ips] : addresses) {
        std::sort(ips.begin(), ips.end());
        ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
        const std::string& path = r.strings[module];
        std::vector<SegmentRecord> segments;
        segments.push_back({ips.front(), ips.back() + 1 - ips.front(), 1});
        for (uint64_t ip : ips) segments.push_back({ip, 1, 1});
        for (size_t begin = 0; begin < segments.size(); begin += 255) {
            const size_t count = std::min<size_t>(255, segments.size() - begin);
            ModuleRecord m{};
            m.type = RecordType::Module;
            m.load_bias = 0;
            m.path_length = static_cast<uint16_t>(std::min<size_t>(path.size(), kMaxPathLength));
            m.segment_count = static_cast<uint8_t>(count);
            ingestor.on_module(m, std::span<const SegmentRecord>(segments.data() + begin, count),
                               std::string_view(path).substr(0, m.path_length), {});
        }
    }
    ingestor.on_module_map_end();
}

// heaptrack's frames of every instruction pointer, into symbol_frames (the key the
// symbolizer derives from the module's path: the file has no build-id with it).
void write_frames(schema::Database& db, const Recording& r, const NameCleaner& clean) {
    auto insert = db.prepare(
        "INSERT OR REPLACE INTO symbol_frames(module_key, rel_pc, frame_index, function, file, line, "
        "inlined, quality) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (size_t i = 1; i < r.ips.size(); ++i) {
        const InstructionPointer& ip = r.ips[i];
        if (ip.module == 0) continue;  // outside any module: stays unknown
        const std::string key = schema::module_key(r.strings[ip.module], "");
        const bool has_line = !ip.frames.empty() && ip.frames[0].file != 0 && ip.frames[0].line > 0;
        const bool has_name = !ip.frames.empty() && ip.frames[0].function != 0;
        const char* quality = has_line ? "file_line" : has_name ? "symbol_only" : "unknown";
        if (ip.frames.empty() || (!has_line && !has_name)) {
            insert.bind(1, key).bind(2, ip.ip).bind(3, 0).bind_null(4).bind_null(5).bind_null(6);
            insert.bind(7, 0).bind(8, quality).run();
            continue;
        }
        for (size_t f = 0; f < ip.frames.size(); ++f) {
            const Frame& frame = ip.frames[f];
            insert.bind(1, key).bind(2, ip.ip).bind(3, static_cast<int64_t>(f));
            if (frame.function == 0)
                insert.bind_null(4);
            else
                insert.bind(4, clean ? clean(r.strings[frame.function]) : r.strings[frame.function]);
            if (frame.file == 0)
                insert.bind_null(5);
            else
                insert.bind(5, r.strings[frame.file]);
            if (frame.line == 0)
                insert.bind_null(6);
            else
                insert.bind(6, frame.line);
            insert.bind(7, f + 1 < ip.frames.size() ? 1 : 0).bind(8, quality).run();
        }
    }
}

std::vector<std::string> import_notes(const Recording& r, const std::string& file) {
    char version[32];
    std::snprintf(version, sizeof version, "%llu.%llu.%llu",
                  static_cast<unsigned long long>(r.heaptrack_version >> 16),
                  static_cast<unsigned long long>((r.heaptrack_version >> 8) & 0xff),
                  static_cast<unsigned long long>(r.heaptrack_version & 0xff));
    std::vector<std::string> notes = {
        "imported from heaptrack " + std::string(version) + " (file format " + std::to_string(r.file_version) +
            "): " + file,
        "heaptrack does not record: threads (every event is on one thread), which allocation function was "
        "called (all count as malloc), reallocs (a realloc is a free and an allocation), block addresses "
        "(a free releases the latest live block of its size and stack), the exit status, mmap, phases, ops; "
        "the start time is the file's modification time minus the duration",
        "frames are heaptrack's (module, function, file, line, inlined frames), symbolized when it recorded",
    };
    if (r.attached)
        notes.push_back("heaptrack attached to a running process: what it allocated before is missing");
    if (r.truncated)
        notes.push_back("the file ends inside its compressed stream (heaptrack was stopped): the rest is missing");
    return notes;
}

}  // namespace

ImportResult import_heaptrack(schema::Database& db, const std::string& file, const NameCleaner& clean) {
    const Recording r = read_recording(file);

    const uint64_t duration_ns = r.last_ms * 1000000ull;
    const uint64_t end_ns = file_mtime_ns(file);
    RunStart start;
    start.command = split_command(r.command);
    start.store_events = true;
    start.start_unix_ns = end_ns > duration_ns ? end_ns - duration_ns : 0;
    RunIngestor ingestor(db, start);
    for (const std::string& note : import_notes(r, file)) ingestor.on_note(note);

    HelloRecord hello{};
    hello.type = RecordType::Hello;
    hello.magic = kMagic;
    hello.version = kWireVersion;
    hello.pointer_size = 8;
    hello.page_size = r.page_size;
    ingestor.on_hello(hello);
    send_modules(ingestor, r);
    for (uint32_t t = 1; t < r.traces.size(); ++t) {
        TraceEdgeRecord edge{};
        edge.type = RecordType::TraceEdge;
        edge.node = t;
        edge.parent = static_cast<uint32_t>(r.traces[t].parent);
        edge.ip = r.ips[r.traces[t].ip_index].ip;
        ingestor.on_trace_edge(edge);
    }

    // Blocks get addresses of their own; a free releases the latest live block of its info.
    std::vector<std::vector<uint64_t>> live(r.infos.size());
    uint64_t next_address = 16;
    uint64_t now_ns = 0, rss_bytes = 0;
    for (uint64_t e : r.events) {
        const auto kind = static_cast<Kind>(e >> 62);
        const uint64_t value = e & kValueMask;
        switch (kind) {
            case Kind::Alloc: {
                AllocRecord a{};
                a.type = RecordType::Alloc;
                a.fn = HookFn::Malloc;
                a.thread = 1;
                a.node = static_cast<uint32_t>(r.infos[value].trace);
                a.ptr = next_address;
                a.size = r.infos[value].size;
                next_address += 16;
                live[value].push_back(a.ptr);
                ingestor.on_alloc(a);
                break;
            }
            case Kind::Free: {
                if (live[value].empty()) break;  // heaptrack_interpret drops unknown frees too
                FreeRecord f{};
                f.type = RecordType::Free;
                f.fn = HookFn::Free;
                f.thread = 1;
                f.ptr = live[value].back();
                live[value].pop_back();
                ingestor.on_free(f);
                break;
            }
            case Kind::Time:
                now_ns = value * 1000000ull;
                break;
            case Kind::Rss: {
                rss_bytes = value * r.page_size;
                TickRecord tick{RecordType::Tick, now_ns, rss_bytes};
                ingestor.on_tick(tick);
                break;
            }
        }
    }
    ingestor.on_end(TickRecord{RecordType::End, duration_ns, rss_bytes});

    RunEnd end;
    end.exit.exited = true;
    end.end_unix_ns = start.start_unix_ns + duration_ns;
    ingestor.finish(end);

    // What the ingestor assumed of a live target and heaptrack does not know.
    {
        schema::Transaction t(db);
        auto update = db.prepare(
            "UPDATE runs SET wire_version = 0, exit_status = NULL, term_signal = NULL, peak_rss_bytes = ?, "
            "target_user_s = NULL, target_system_s = NULL WHERE run_id = ?");
        update.bind(1, static_cast<int64_t>(r.max_rss_pages * r.page_size)).bind(2, ingestor.run_id()).run();
        write_frames(db, r, clean);
        t.commit();
    }
    return ImportResult{ingestor.run_id(), r.allocations, r.frees, r.lines};
}

}  // namespace allocprof::record
