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

}  // namespace
}  // namespace allocprof::stress
