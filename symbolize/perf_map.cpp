// perf_map.cpp — see perf_map.h.
#include "symbolize/perf_map.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <charconv>
#include <map>
#include <sstream>

namespace allocprof::symbolize {
namespace {

bool parse_hex(std::string_view text, uint64_t& value) {
    if (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X") text.remove_prefix(2);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

PerfMap PerfMap::parse(const std::string& text) {
    std::map<uint64_t, Entry> by_start;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        // "START SIZE name with spaces"
        size_t first = line.find(' ');
        if (first == std::string::npos) continue;
        size_t second = line.find(' ', first + 1);
        if (second == std::string::npos) continue;
        Entry e;
        if (!parse_hex(std::string_view(line).substr(0, first), e.start) ||
            !parse_hex(std::string_view(line).substr(first + 1, second - first - 1), e.size) ||
            e.size == 0)
            continue;
        e.name = line.substr(second + 1);
        if (e.name.empty()) continue;
        by_start[e.start] = std::move(e);
    }
    PerfMap map;
    for (auto& [start, e] : by_start) map.entries_.push_back(std::move(e));
    return map;
}

PerfMap PerfMap::read_for_pid(uint32_t pid) {
    if (pid == 0) return {};
    // Any local user can plant a file under /tmp: a FIFO would block the read forever, a
    // symbolic link would make us read a file of their choosing, a device would never end.
    // So: no following links, no blocking open, a regular file of ours, of bounded size.
    const std::string path = "/tmp/perf-" + std::to_string(pid) + ".map";
    const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT) return {};
        if (errno == ELOOP) throw std::runtime_error("it is a symbolic link; not followed");
        throw std::runtime_error(std::strerror(errno));
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { close(fd); }
    } closer{fd};
    struct stat st {};
    if (fstat(fd, &st) != 0) throw std::runtime_error(std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw std::runtime_error("not a regular file; not read");
    if (st.st_uid != geteuid())
        throw std::runtime_error("owned by uid " + std::to_string(st.st_uid) + ", not by this user; not read");
    if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes)
        throw std::runtime_error("larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB; not read");
    std::string text(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < text.size()) {
        const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(std::strerror(errno));
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    text.resize(got);
    return parse(text);
}

PerfMap PerfMap::load(schema::Database& db, int64_t run_id) {
    PerfMap map;
    auto rows =
        db.prepare("SELECT start, size, name FROM perf_map WHERE run_id = ? ORDER BY start");
    rows.bind(1, run_id);
    while (rows.step())
        map.entries_.push_back({static_cast<uint64_t>(rows.int64(0)),
                                static_cast<uint64_t>(rows.int64(1)), rows.text(2)});
    return map;
}

void PerfMap::store(schema::Database& db, int64_t run_id) const {
    // One transaction for all rows (a JIT's map has hundreds of thousands; a commit each
    // would wait for the disk every time); a savepoint, so that it nests in a caller's.
    schema::Savepoint savepoint(db, "perf_map");
    auto clear = db.prepare("DELETE FROM perf_map WHERE run_id = ?");
    clear.bind(1, run_id).run();
    auto insert = db.prepare("INSERT INTO perf_map(run_id, start, size, name) VALUES (?, ?, ?, ?)");
    for (const Entry& e : entries_)
        insert.bind(1, run_id).bind(2, e.start).bind(3, e.size).bind(4, e.name).run();
    savepoint.release();
}

const PerfMap::Entry* PerfMap::find(uint64_t address) const {
    // The last region starting at or before the address; regions are short and rarely
    // overlap, so looking back a few entries covers a region nested in a larger one.
    auto it = std::upper_bound(entries_.begin(), entries_.end(), address,
                               [](uint64_t a, const Entry& e) { return a < e.start; });
    for (int back = 0; it != entries_.begin() && back < 8; ++back) {
        --it;
        if (address - it->start < it->size) return &*it;
    }
    return nullptr;
}

}  // namespace allocprof::symbolize
