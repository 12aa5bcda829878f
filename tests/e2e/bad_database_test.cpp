// bad_database_test.cpp — `allocprof summary` on files that are not a valid run database:
// missing, not SQLite, truncated, a foreign SQLite file, another schema version. Each is
// refused with exit 2 and a one-line message naming the file — never misread.
#include <fstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class BadDatabase : public E2eTest {
protected:
    // A real run database to damage.
    std::filesystem::path real_database() {
        Recording rec = record_to_db({sample_binary("word_index").string(), "50"});
        if (!rec.process.exited_with(0))
            throw std::runtime_error("recording failed: " + rec.process.describe());
        return db();
    }

    // summary (plain and --json) must exit 2 with one stderr line that names `file`.
    void expect_refused(const std::filesystem::path& file) {
        for (const std::vector<std::string>& extra :
             {std::vector<std::string>{}, std::vector<std::string>{"--json"}}) {
            SCOPED_TRACE(extra.empty() ? "summary" : "summary --json");
            ProcessResult p = run_summary(file, extra);
            EXPECT_TRUE(p.exited_with(2)) << p.describe();
            std::string err = p.err;
            if (!err.empty() && err.back() == '\n') err.pop_back();
            EXPECT_FALSE(err.empty()) << "no message";
            EXPECT_EQ(err.find('\n'), std::string::npos) << "more than one line: " << p.err;
            EXPECT_NE(err.find(file.string()), std::string::npos)
                << "message does not name the file: " << p.err;
            EXPECT_TRUE(p.out.empty()) << "stdout: " << p.out;
        }
    }
};

TEST_F(BadDatabase, MissingFile) { expect_refused(dir_ / "does-not-exist.db"); }

TEST_F(BadDatabase, NotAnSqliteFile) {
    const std::filesystem::path file = dir_ / "notes.db";
    std::ofstream out(file);
    for (int i = 0; i < 200; ++i) out << "this is not a database, line " << i << "\n";
    out.close();
    expect_refused(file);
}

TEST_F(BadDatabase, TruncatedDatabase) {
    const std::filesystem::path real = real_database();
    const std::filesystem::path cut = dir_ / "cut.db";
    std::filesystem::copy_file(real, cut);
    const auto size = std::filesystem::file_size(cut);
    ASSERT_GT(size, 8192u) << "the database is too small to cut meaningfully";
    std::filesystem::resize_file(cut, size / 2);
    expect_refused(cut);
}

TEST_F(BadDatabase, ForeignSqliteFile) {
    const std::filesystem::path file = dir_ / "foreign.db";
    execute_sql_file(file, "CREATE TABLE t(a); INSERT INTO t VALUES (1);");
    expect_refused(file);
}

TEST_F(BadDatabase, OtherSchemaVersion) {
    const std::filesystem::path real = real_database();
    const std::filesystem::path other = dir_ / "other_version.db";
    std::filesystem::copy_file(real, other);
    execute_sql_file(other, "PRAGMA user_version = 999;");
    expect_refused(other);
}

}  // namespace
}  // namespace allocprof::e2e
