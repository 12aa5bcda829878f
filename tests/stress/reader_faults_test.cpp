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

}  // namespace
}  // namespace allocprof::stress
