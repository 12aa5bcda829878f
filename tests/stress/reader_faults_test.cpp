// reader_faults_test.cpp — runs that cannot be analysed as they are, and the refusals that
// help: names the target chose freely (not UTF-8, too long, HTML), event chunks with
// impossible ids, event chunks that are gone or hold fewer events than the run's totals.
// A damaged run is refused by every reader with one stderr line naming the file, exit 2,
// and nothing the user had (the stored analysis, a report file) is replaced or lost.
#include <zstd.h>

#include <fstream>
#include <sstream>

#include "schema/event_codec.h"
#include "stress/stress_test.h"

namespace allocprof::stress {
namespace {

using namespace std::chrono_literals;

const std::string kReplacement = "\xef\xbf\xbd";  // U+FFFD

ProcessResult allocprof(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {allocprof_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, within(60s));
}

bool valid_utf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
        i += n;
    }
    return true;
}

// Exit 2, nothing on stdout, one stderr line that names `file` and contains `what`. With
// `notices`, lines before it may say what was being done ("has no analysis yet; analysing
// it first"): the refusal is then the last line, and the only error.
void expect_refused(const ProcessResult& p, const std::filesystem::path& file, const std::string& what,
                    bool notices = false) {
    EXPECT_TRUE(p.exited_with(2)) << p.describe();
    std::string err = p.err;
    if (!err.empty() && err.back() == '\n') err.pop_back();
    EXPECT_FALSE(err.empty()) << "no message";
    if (notices) {
        EXPECT_EQ(err.find("allocprof: error:"), err.rfind("allocprof: error:")) << "more than one error: " << p.err;
        err = err.substr(err.rfind('\n') == std::string::npos ? 0 : err.rfind('\n') + 1);
        EXPECT_EQ(err.rfind("allocprof: error:", 0), 0u) << "the refusal is not the last line: " << p.err;
    }
    EXPECT_EQ(err.find('\n'), std::string::npos) << "more than one line: " << p.err;
    EXPECT_NE(err.find(file.string()), std::string::npos) << "the message does not name the file: " << p.err;
    EXPECT_NE(err.find(what), std::string::npos) << "the message does not say '" << what << "': " << p.err;
    EXPECT_TRUE(p.out.empty()) << "stdout: " << p.out;
}

// Everything the analysis tables hold, to show a refusal left them as they were.
std::string analysis_snapshot(const std::filesystem::path& file) {
    RunDatabase db(file);
    std::string out;
    for (const char* table : {"analysis", "analysis_windows", "analysis_sites", "plan_items"})
        for (const Row& row : db.query(std::string("SELECT * FROM ") + table)) {
            out += table;
            for (size_t i = 0; i < row.size(); ++i) out += "|" + (row.is_null(i) ? "NULL" : row.text(i));
            out += "\n";
        }
    return out;
}

// Rewrites event chunk `chunk` of run 1: each decoded event goes through `change`, which
// may drop it (returns false). The chunk's event_count and raw_bytes follow.
void rewrite_chunk(const std::filesystem::path& file, int64_t chunk,
                   const std::function<bool(schema::Event&, uint64_t index)>& change) {
    auto db = schema::Database::open_existing(file.string(), true);
    auto s = db.prepare("SELECT first_block, raw_bytes, data FROM event_chunks WHERE run_id = 1 AND chunk_index = ?");
    s.bind(1, chunk);
    if (!s.step()) throw std::runtime_error("no event chunk " + std::to_string(chunk));
    const uint64_t first_block = static_cast<uint64_t>(s.int64(0));
    std::vector<unsigned char> raw(static_cast<size_t>(s.int64(1)));
    auto data = s.blob(2);
    if (ZSTD_decompress(raw.data(), raw.size(), data.data(), data.size()) != raw.size())
        throw std::runtime_error("cannot decompress the chunk");
    std::vector<schema::Event> events;
    if (!schema::decode_events(raw.data(), raw.size(), first_block,
                               [&](const schema::Event& e) { events.push_back(e); }))
        throw std::runtime_error("cannot decode the chunk");
    std::vector<unsigned char> encoded;
    uint64_t next_block = first_block, last_tick = 0, count = 0, index = 0;
    for (schema::Event e : events) {
        if (!change(e, index++)) continue;
        // A dropped allocation shifts the ids of the ones after it: encode them as the
        // next id (the stream implies it), which is what a shortened stream would hold.
        if (e.kind == schema::EventKind::Alloc || e.kind == schema::EventKind::Realloc) e.block = next_block;
        if (e.kind == schema::EventKind::Free && e.block >= next_block) continue;
        if (e.kind == schema::EventKind::Realloc && e.old_block >= next_block) e.kind = schema::EventKind::Alloc;
        schema::encode_event(e, next_block, last_tick, encoded);
        ++count;
    }
    std::vector<unsigned char> compressed(ZSTD_compressBound(encoded.size()));
    compressed.resize(ZSTD_compress(compressed.data(), compressed.size(), encoded.data(), encoded.size(), 3));
    auto update = db.prepare(
        "UPDATE event_chunks SET data = ?, raw_bytes = ?, event_count = ? WHERE run_id = 1 AND chunk_index = ?");
    update.bind_blob(1, compressed).bind(2, static_cast<uint64_t>(encoded.size())).bind(3, count).bind(4, chunk);
    update.run();
}

class OddNames : public E2eTest {
protected:
    void SetUp() override {
        Recording rec = record_to_db({fault_program("odd_names")}, {}, within(30s));
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    }
    std::vector<std::string> phase_names() {
        RunDatabase database(db());
        std::vector<std::string> names;
        for (const Row& row : database.query("SELECT name FROM phases ORDER BY rowid")) names.push_back(row.text(0));
        return names;
    }
};

// The library keeps at most 255 bytes of a name: 150 two-byte characters become 127 of
// them (254 bytes), never 127 and a half.
TEST_F(OddNames, ALongNameIsCutAtACharacterBoundary) {
    std::string expected;
    for (int i = 0; i < 127; ++i) expected += "\xc3\xa9";
    bool found = false;
    for (const std::string& name : phase_names())
        if (name.rfind("\xc3\xa9", 0) == 0) {
            found = true;
            EXPECT_EQ(name, expected) << name.size() << " bytes";
        }
    EXPECT_TRUE(found) << "no phase of accented letters";
}

// A name that is not UTF-8 is stored and shown with U+FFFD for each byte that is not
// part of a character: analyze, every report format, summary, top and compare work.
TEST_F(OddNames, NamesThatAreNotUtf8AreShownWithTheReplacementCharacter) {
    for (const std::string& name : phase_names()) EXPECT_TRUE(valid_utf8(name)) << "stored: " << name;
    const std::string shown = "bad" + kReplacement + kReplacement + "name";

    ProcessResult analyze = allocprof({"analyze", db().string()});
    ASSERT_TRUE(analyze.exited_with(0)) << analyze.describe();
    for (const std::string format : {"md", "html", "json"}) {
        SCOPED_TRACE(format);
        const std::filesystem::path out = dir_ / ("report." + format);
        ProcessResult report = allocprof({"report", db().string(), "--format", format, "-o", out.string()});
        ASSERT_TRUE(report.exited_with(0)) << report.describe();
        std::ifstream in(out, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (format == "json") {
            const json doc = json::parse(text.str());  // throws on invalid UTF-8
            EXPECT_NE(doc.dump().find(shown), std::string::npos);
        } else if (format == "md") {
            EXPECT_NE(text.str().find(shown), std::string::npos) << text.str().substr(0, 2000);
        }
        EXPECT_TRUE(valid_utf8(text.str()));
    }
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"summary", db().string()}, {"summary", db().string(), "--json"},
          {"top", db().string()}, {"top", db().string(), "--json"}, {"compare", db().string(), db().string()},
          {"compare", db().string(), db().string(), "--format", "json"}}) {
        SCOPED_TRACE(command.front() + " " + command.back());
        ProcessResult p = allocprof(command);
        EXPECT_TRUE(p.exited_with(0)) << p.describe();
        EXPECT_TRUE(valid_utf8(p.out));
    }
}

// A phase named "<script>..." is text in the markdown report, not HTML.
TEST_F(OddNames, MarkdownShowsHtmlInNamesAsText) {
    ASSERT_TRUE(allocprof({"analyze", db().string()}).exited_with(0));
    ProcessResult report = allocprof({"report", db().string(), "--format", "md"});
    ASSERT_TRUE(report.exited_with(0)) << report.describe();
    EXPECT_EQ(report.out.find("<script>"), std::string::npos) << report.out;
    EXPECT_NE(report.out.find("&lt;script>alert(1)&lt;/script>"), std::string::npos) << report.out;
}

class DamagedEvents : public E2eTest {
protected:
    void SetUp() override {
        Recording rec = record_to_db({sample_binary("word_index").string(), "50"}, {}, within(30s));
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    }
    // analyze first (the stored analysis a refusal must keep), damage, then analyze again
    // and report the run without an analysis: both refused naming the chunk's problem.
    ProcessResult expect_analysis_refused(const std::function<void()>& damage, const std::string& what) {
        ProcessResult first = allocprof({"analyze", db().string()});
        EXPECT_TRUE(first.exited_with(0)) << first.describe();
        const std::filesystem::path fresh = dir_ / "fresh.db";
        std::filesystem::copy_file(db(), fresh);
        const std::string before = analysis_snapshot(db());
        damage();
        ProcessResult again = allocprof({"analyze", db().string()});
        expect_refused(again, db(), what);
        EXPECT_TRUE(analysis_snapshot(db()) == before) << "the stored analysis changed";

        // The same damage in a run that has no analysis yet: report analyses it first.
        std::filesystem::remove(fresh);
        std::filesystem::copy_file(db(), fresh);
        execute_sql_file(fresh, "DELETE FROM plan_items; DELETE FROM analysis_sites; DELETE FROM analysis_windows; "
                                "DELETE FROM analysis;");
        const std::filesystem::path out = dir_ / "report.md";
        ProcessResult report = allocprof({"report", fresh.string(), "-o", out.string()});
        expect_refused(report, fresh, what.substr(what.find(" has ") == std::string::npos ? 0 : what.find(" has ")),
                       /*notices=*/true);
        EXPECT_FALSE(std::filesystem::exists(out)) << "a report was written";
        return again;
    }
};

TEST_F(DamagedEvents, AnImpossibleThreadIdIsRefusedNamingTheChunk) {
    expect_analysis_refused(
        [&] {
            rewrite_chunk(db(), 0, [](schema::Event& e, uint64_t) {
                if (e.kind != schema::EventKind::Tick && e.kind != schema::EventKind::PhaseBegin &&
                    e.kind != schema::EventKind::PhaseEnd && e.kind != schema::EventKind::Ops)
                    e.thread = 0xFFFFFFFFu;
                return true;
            });
        },
        "event chunk 0 of run 1");
}

TEST_F(DamagedEvents, AnImpossibleStackIdIsRefusedNamingTheChunk) {
    expect_analysis_refused(
        [&] {
            rewrite_chunk(db(), 0, [](schema::Event& e, uint64_t) {
                if (e.kind == schema::EventKind::Alloc) e.node = 0x7FFFFFF0u;
                return true;
            });
        },
        "event chunk 0 of run 1");
}

TEST_F(DamagedEvents, AFreeOfABlockNeverAllocatedIsRefusedNamingTheChunk) {
    expect_analysis_refused(
        [&] {
            // The chunk's first block id says 1000 more allocations came before it.
            execute_sql_file(db(), "UPDATE event_chunks SET first_block = first_block + 1000 WHERE chunk_index = 0");
        },
        "event chunk 0 of run 1");
}

TEST_F(DamagedEvents, NoStoredEventsIsRefusedAndTheAnalysisKept) {
    const int64_t allocations = RunDatabase(db()).scalar("SELECT allocations FROM runs WHERE run_id = 1");
    ASSERT_GT(allocations, 0);
    expect_analysis_refused([&] { execute_sql_file(db(), "DELETE FROM event_chunks;"); },
                            "run 1 of " + db().string() + " has no stored events (its totals say " +
                                std::to_string(allocations) + " allocations); nothing analysed");
}

// Fewer events than the run's totals is refused too: an analysis of part of a run would
// report numbers that look whole.
TEST_F(DamagedEvents, FewerEventsThanTheTotalsIsRefusedAndTheAnalysisKept) {
    expect_analysis_refused([&] { rewrite_chunk(db(), 0, [](schema::Event&, uint64_t i) { return i % 2 == 0; }); },
                            "nothing analysed");
}

// A small real database damaged in the ways a disk, a copy or a hand edit damages it: every
// reader either reads it (exit 0; compare may find a regression, 1) or refuses it with one
// stderr line naming the file, exit 2; never a crash or a hang, and a report file the user
// had is not replaced by a refusal.
TEST(DamagedDatabases, EveryReaderReadsOrRefusesInOneLineNamingTheFile) {
    TempDir dir;
    const std::filesystem::path golden =
        (samples_source_dir() / ".." / "tests" / "golden" / "markers.db").lexically_normal();
    const std::vector<std::pair<std::string, std::function<void(const std::filesystem::path&)>>> damages = {
        {"cut to a third", [](const std::filesystem::path& f) {
             std::filesystem::resize_file(f, std::filesystem::file_size(f) / 3);
         }},
        {"bytes changed in the middle", [](const std::filesystem::path& f) {
             std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
             const auto size = static_cast<long>(std::filesystem::file_size(f));
             for (long at = size / 3; at < size / 3 + 4096; at += 61) {
                 io.seekp(at);
                 io.put(static_cast<char>(at * 7));
             }
         }},
        {"no trace nodes", [](const std::filesystem::path& f) { execute_sql_file(f, "DELETE FROM trace_nodes;"); }},
        {"no sites", [](const std::filesystem::path& f) { execute_sql_file(f, "DELETE FROM sites;"); }},
        {"no modules", [](const std::filesystem::path& f) { execute_sql_file(f, "DELETE FROM modules;"); }},
        {"a blob for the command",
         [](const std::filesystem::path& f) { execute_sql_file(f, "UPDATE runs SET command = x'ff00';"); }},
        {"notes that are not JSON",
         [](const std::filesystem::path& f) { execute_sql_file(f, "UPDATE runs SET notes = '[1,';"); }},
        {"a negative chunk size",
         [](const std::filesystem::path& f) { execute_sql_file(f, "UPDATE event_chunks SET raw_bytes = -5;"); }},
        {"a huge chunk size", [](const std::filesystem::path& f) {
             execute_sql_file(f, "UPDATE event_chunks SET raw_bytes = 9223372036854775807;");
         }},
        {"stored parameters that are not JSON",
         [](const std::filesystem::path& f) { execute_sql_file(f, "UPDATE analysis SET params = 'nope';"); }},
        {"text for a count", [](const std::filesystem::path& f) {
             execute_sql_file(f, "UPDATE analysis_windows SET allocations = 'many';");
         }},
        {"a site's name not UTF-8", [](const std::filesystem::path& f) {
             execute_sql_file(f, "UPDATE sites SET function = 'f' || x'ff' || 'g';");
         }},
    };
    int index = 0;
    for (const auto& [what, damage] : damages) {
        for (const std::string command : {"summary", "summary --json", "top", "analyze", "report", "compare"}) {
            SCOPED_TRACE(what + ", " + command);
            const std::filesystem::path file = dir.path() / ("damaged" + std::to_string(index++) + ".db");
            std::filesystem::copy_file(golden, file);
            damage(file);
            const std::filesystem::path out = dir.path() / "report.md";
            {
                std::ofstream keep(out);
                keep << "the user's own file\n";
            }
            std::vector<std::string> args;
            if (command == "summary --json")
                args = {"summary", file.string(), "--json"};
            else if (command == "report")
                args = {"report", file.string(), "-o", out.string()};
            else if (command == "compare")
                args = {"compare", golden.string(), file.string()};
            else
                args = {command, file.string()};
            ProcessResult p = allocprof(args);
            ASSERT_FALSE(p.timed_out) << "hung";
            ASSERT_EQ(p.term_signal, 0) << p.describe();
            if (p.exited_with(0) || (command == "compare" && p.exited_with(1))) continue;
            expect_refused(p, file, "", /*notices=*/command == "report" || command == "compare");
            std::ifstream in(out);
            std::string kept;
            std::getline(in, kept);
            EXPECT_EQ(kept, "the user's own file") << "a refusal replaced the report file";
        }
    }
}

}  // namespace
}  // namespace allocprof::stress
