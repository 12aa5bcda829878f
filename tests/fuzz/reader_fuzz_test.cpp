// reader_fuzz_test.cpp — a fixed-count fuzz of the readers, run in CI (label "fuzz"): with
// a fixed seed, mutates (a) encoded event chunks fed to the event decoder, and (b) whole
// copies of a small real run database (tests/golden/markers.db) fed to the analysis and
// the report loader. Each input must either be read or be refused with an exception whose
// message is one line naming the file; a crash, a hang (ctest's timeout) or a bare
// message fails. ALLOCPROF_FUZZ_SEED and ALLOCPROF_FUZZ_SCALE (a multiplier of the
// iteration counts) repeat a failure or search further; the seed is printed.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "analyzers/run_analysis.h"
#include "reports/report_loader.h"
#include "schema/event_codec.h"
#include "schema/run_database.h"

namespace allocprof::fuzz {
namespace {

namespace fs = std::filesystem;
using schema::Event;
using schema::EventKind;

uint64_t seed() {
    const char* s = std::getenv("ALLOCPROF_FUZZ_SEED");
    return s ? std::strtoull(s, nullptr, 0) : 0x5eed'a110c'f00dull;
}
int scaled(int n) {
    const char* s = std::getenv("ALLOCPROF_FUZZ_SCALE");
    return s ? std::max(1, static_cast<int>(n * std::atof(s))) : n;
}

fs::path golden_db() { return fs::path(ALLOCPROF_FUZZ_GOLDEN_DIR) / "markers.db"; }

// A deterministic generator (std::mt19937_64 is specified bit for bit); `below(n)` without
// a library distribution, whose output may differ between standard libraries.
struct Random {
    std::mt19937_64 engine;
    explicit Random(uint64_t seed) : engine(seed) {}
    uint64_t below(uint64_t n) { return n ? engine() % n : 0; }
    bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }
};

// One mutation of `bytes`: flip bits, overwrite, insert, delete, cut, duplicate, or plant a
// long varint or a large value.
void mutate(std::vector<unsigned char>& bytes, Random& rng) {
    const int rounds = 1 + static_cast<int>(rng.below(4));
    for (int r = 0; r < rounds; ++r) {
        const size_t at = bytes.empty() ? 0 : rng.below(bytes.size());
        switch (rng.below(8)) {
            case 0:
                if (!bytes.empty()) bytes[at] ^= static_cast<unsigned char>(1u << rng.below(8));
                break;
            case 1:
                if (!bytes.empty()) bytes[at] = static_cast<unsigned char>(rng.below(256));
                break;
            case 2:
                bytes.insert(bytes.begin() + static_cast<long>(at), static_cast<unsigned char>(rng.below(256)));
                break;
            case 3:
                if (!bytes.empty())
                    bytes.erase(bytes.begin() + static_cast<long>(at),
                                bytes.begin() + static_cast<long>(std::min(bytes.size(), at + 1 + rng.below(8))));
                break;
            case 4:
                bytes.resize(at);
                break;
            case 5: {
                const size_t n = std::min<size_t>(bytes.size() - at, 1 + rng.below(16));
                std::vector<unsigned char> copy(bytes.begin() + static_cast<long>(at),
                                                bytes.begin() + static_cast<long>(at + n));
                bytes.insert(bytes.begin() + static_cast<long>(rng.below(bytes.size() + 1)), copy.begin(), copy.end());
                break;
            }
            case 6:  // a varint of 10 continuation bytes: longer than 64 bits
                bytes.insert(bytes.begin() + static_cast<long>(at), 10, 0xff);
                break;
            default:  // a 5-byte varint above 2^32 (a thread or node id no 32-bit field holds)
                bytes.insert(bytes.begin() + static_cast<long>(at), {0xff, 0xff, 0xff, 0xff, 0x7f});
                break;
        }
    }
}

std::vector<unsigned char> read_chunk(const fs::path& file, uint64_t& first_block) {
    auto db = schema::Database::open_existing(file.string(), false);
    auto s = db.prepare("SELECT first_block, raw_bytes, data FROM event_chunks ORDER BY run_id, chunk_index LIMIT 1");
    if (!s.step()) throw std::runtime_error(file.string() + ": no event chunk");
    first_block = static_cast<uint64_t>(s.int64(0));
    std::vector<unsigned char> raw(static_cast<size_t>(s.int64(1)));
    auto data = s.blob(2);
    if (ZSTD_decompress(raw.data(), raw.size(), data.data(), data.size()) != raw.size())
        throw std::runtime_error("cannot decompress the golden chunk");
    return raw;
}

// Every kind of event, for a chunk the recorded run alone would not cover.
std::vector<unsigned char> synthetic_chunk() {
    std::vector<unsigned char> out;
    uint64_t next_block = 0, last_tick = 0;
    const auto add = [&](Event e) { schema::encode_event(e, next_block, last_tick, out); };
    add({.kind = EventKind::PhaseBegin, .name = "phase"});
    for (uint64_t i = 0; i < 20; ++i) {
        add({.kind = EventKind::Alloc, .fn = 1, .thread = 1 + uint32_t(i % 3), .node = 1 + uint32_t(i % 5),
             .size = 16 * i, .block = next_block});
        if (i % 3 == 1)
            add({.kind = EventKind::Realloc, .fn = 3, .thread = 1, .node = 2, .size = 64, .block = next_block,
                 .old_block = next_block - 1, .moved = true});
        if (i % 2 == 0) add({.kind = EventKind::Free, .fn = 4, .thread = 2, .block = next_block - 1});
        if (i % 5 == 0) add({.kind = EventKind::Tick, .time_ns = 1000 * i, .rss_bytes = 4096});
        if (i % 7 == 0) add({.kind = EventKind::Ops, .count = 2});
    }
    add({.kind = EventKind::Mmap, .thread = 1, .node = 3, .addr = 0x10000, .length = 8192});
    add({.kind = EventKind::Mremap, .thread = 1, .addr = 0x10000, .length = 8192, .new_addr = 0x20000,
         .new_length = 16384});
    add({.kind = EventKind::Munmap, .thread = 1, .addr = 0x20000, .length = 16384});
    add({.kind = EventKind::PhaseEnd});
    return out;
}

// (a) The decoder either decodes a mutated chunk or says it is malformed; what it decodes
// names no block that was not allocated before it.
TEST(ReaderFuzz, EventDecoderReadsOrRefusesMutatedChunks) {
    const uint64_t s = seed();
    std::cout << "seed " << s << " (ALLOCPROF_FUZZ_SEED repeats it)" << std::endl;
    Random rng(s);
    uint64_t golden_first_block = 0;
    const std::vector<std::vector<unsigned char>> bases = {read_chunk(golden_db(), golden_first_block),
                                                           synthetic_chunk()};
    const schema::EventLimits limits{.max_thread = 8, .max_node = 64, .complete = true, .events = 0};
    int decoded = 0, refused = 0;
    const int iterations = scaled(2000);
    for (int i = 0; i < iterations; ++i) {
        std::vector<unsigned char> bytes = bases[static_cast<size_t>(i) % bases.size()];
        mutate(bytes, rng);
        const uint64_t first_block = rng.below(4);
        uint64_t next_block = first_block;
        std::string problem;
        const bool ok = schema::decode_events(
            bytes.data(), bytes.size(), first_block,
            [&](const Event& e) {
                if (e.kind == EventKind::Free) {
                    EXPECT_LT(e.block, next_block) << "iteration " << i;
                }
                if (e.kind == EventKind::Realloc) {
                    EXPECT_LT(e.old_block, next_block) << "iteration " << i;
                }
                if (e.kind == EventKind::Alloc || e.kind == EventKind::Realloc) next_block = e.block + 1;
                (void)schema::impossible_ids(e, limits);
            },
            &problem);
        if (ok) {
            ++decoded;
        } else {
            ++refused;
            EXPECT_FALSE(problem.empty()) << "iteration " << i << ": refused without saying why";
        }
        if (HasFailure()) {
            ADD_FAILURE() << "seed " << s << ", iteration " << i;
            return;
        }
    }
    std::cout << iterations << " chunks: " << decoded << " decoded, " << refused << " refused" << std::endl;
    EXPECT_GT(refused, 0);
}

void exec(sqlite3* db, const std::string& sql) { sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr); }

std::vector<std::string> column_of(sqlite3* db, const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return out;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char* t = sqlite3_column_text(s, 0);
        out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    sqlite3_finalize(s);
    return out;
}

// One mutation of the database file at `path`; returns what it did, for a failure message.
std::string mutate_database(const fs::path& path, Random& rng) {
    const int kind = static_cast<int>(rng.below(6));
    if (kind == 0 || kind == 1) {  // bytes of the file itself
        std::vector<char> bytes;
        {
            std::ifstream in(path, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        std::string what;
        if (kind == 0) {
            const int flips = 1 + static_cast<int>(rng.below(16));
            for (int f = 0; f < flips; ++f) {
                // Mostly past the 100-byte header, which open_existing checks first.
                const size_t at = rng.chance(10) ? rng.below(100) : 100 + rng.below(bytes.size() - 100);
                bytes[at] = static_cast<char>(bytes[at] ^ static_cast<char>(1 + rng.below(255)));
            }
            what = std::to_string(flips) + " bytes changed";
        } else {
            const size_t keep = rng.below(bytes.size());
            bytes.resize(keep);
            what = "cut to " + std::to_string(keep) + " bytes";
        }
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return what;
    }
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    const std::vector<std::string> tables =
        column_of(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    std::string what;
    if (tables.empty()) {
        what = "no tables";
    } else if (kind == 2) {  // rows gone
        const std::string& t = tables[rng.below(tables.size())];
        const uint64_t k = 1 + rng.below(3);
        exec(db, "DELETE FROM " + t + " WHERE rowid % " + std::to_string(k) + " = " + std::to_string(rng.below(k)));
        what = "rows of " + t + " deleted";
    } else if (kind == 3) {  // a column holding another type, or an extreme value
        const std::string& t = tables[rng.below(tables.size())];
        const std::vector<std::string> columns = column_of(db, "SELECT name FROM pragma_table_info('" + t + "')");
        if (!columns.empty()) {
            const std::string& c = columns[rng.below(columns.size())];
            const char* const values[] = {"'text'",  "x'00ff10'", "-1", "9223372036854775807", "-9223372036854775808",
                                          "1e308",   "NULL",      "''", "'[1,'",                "'{\"a\":' || x'ff' || '}'"};
            const std::string value = values[rng.below(std::size(values))];
            exec(db, "UPDATE " + t + " SET " + c + " = " + value +
                         (rng.chance(50) ? "" : " WHERE rowid % 2 = " + std::to_string(rng.below(2))));
            what = t + "." + c + " = " + value;
        }
    } else if (kind == 4) {  // an event chunk's encoded events mutated, stored as a valid frame
        uint64_t first_block = 0;
        std::vector<unsigned char> raw;
        try {
            sqlite3_close(db);
            db = nullptr;
            raw = read_chunk(path, first_block);
        } catch (const std::exception&) {
        }
        sqlite3_open(path.c_str(), &db);
        mutate(raw, rng);
        std::vector<unsigned char> frame(ZSTD_compressBound(raw.size()));
        frame.resize(ZSTD_compress(frame.data(), frame.size(), raw.data(), raw.size(), 1));
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "UPDATE event_chunks SET data = ?1, raw_bytes = ?2 WHERE chunk_index = 0", -1, &s,
                           nullptr);
        sqlite3_bind_blob(s, 1, frame.data(), static_cast<int>(frame.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, rng.chance(80) ? static_cast<int64_t>(raw.size()) : static_cast<int64_t>(rng.engine()));
        sqlite3_step(s);
        sqlite3_finalize(s);
        what = "event chunk 0 re-encoded with mutated events";
    } else {  // the chunk's row
        const char* const columns[] = {"chunk_index", "first_event", "first_block", "event_count", "raw_bytes"};
        const std::string c = columns[rng.below(std::size(columns))];
        const int64_t value = rng.chance(50) ? static_cast<int64_t>(rng.below(2000)) - 1000
                                             : static_cast<int64_t>(rng.engine());
        exec(db, "UPDATE event_chunks SET " + c + " = " + std::to_string(value));
        what = "event_chunks." + c + " = " + std::to_string(value);
    }
    if (db) sqlite3_close(db);
    return what;
}

// (b) A mutated database is analysed and loaded for a report, or refused with one line
// naming the file.
TEST(ReaderFuzz, AnalysisAndReportReadOrRefuseMutatedDatabases) {
    const uint64_t s = seed() ^ 0xdb;
    std::cout << "seed " << s << " (ALLOCPROF_FUZZ_SEED=" << seed() << " repeats it)" << std::endl;
    Random rng(s);
    const fs::path dir = fs::temp_directory_path() / ("allocprof-fuzz-" + std::to_string(getpid()));
    fs::create_directories(dir);
    analyzers::AnalyzeSettings settings;
    settings.find_sources = false;
    int read = 0, refused = 0;
    const int iterations = scaled(200);
    for (int i = 0; i < iterations; ++i) {
        const fs::path copy = dir / ("mutated-" + std::to_string(i) + ".db");
        fs::copy_file(golden_db(), copy, fs::copy_options::overwrite_existing);
        const std::string what = mutate_database(copy, rng);
        try {
            auto db = schema::Database::open_existing(copy.string(), true);
            for (int64_t run : schema::run_ids(db)) {
                analyzers::analyze_stored_run(db, run, settings);
                (void)reports::load_report(db, run);
            }
            ++read;
        } catch (const std::exception& e) {
            ++refused;
            const std::string message = e.what();
            EXPECT_NE(message.find(copy.string()), std::string::npos)
                << "iteration " << i << " (" << what << "): the refusal does not name the file: " << message;
            EXPECT_EQ(message.find('\n'), std::string::npos)
                << "iteration " << i << " (" << what << "): more than one line: " << message;
        }
        fs::remove(copy);
        if (HasFailure()) {
            ADD_FAILURE() << "seed " << s << ", iteration " << i;
            break;
        }
    }
    fs::remove_all(dir);
    std::cout << iterations << " databases: " << read << " read, " << refused << " refused" << std::endl;
}

}  // namespace
}  // namespace allocprof::fuzz
