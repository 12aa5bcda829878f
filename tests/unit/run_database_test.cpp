// Database::check refuses everything that is not an allocprof database of this schema
// version, with a one-line message naming the file.
#include "schema/run_database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "test_database.h"

using allocprof::schema::Database;
using allocprof::schema::DatabaseError;

namespace {

void write_file(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

void expect_refused(const std::string& path, const std::string& fragment) {
    std::string problem = Database::check(path);
    EXPECT_NE(problem.find(path), std::string::npos) << problem;
    EXPECT_NE(problem.find(fragment), std::string::npos) << problem;
    EXPECT_EQ(problem.find('\n'), std::string::npos) << "one line: " << problem;
    EXPECT_THROW(Database::open_existing(path, false), DatabaseError);
}

}  // namespace

TEST(RunDatabase, AFreshDatabasePassesTheCheck) {
    allocprof::test::TempDir dir;
    int64_t run_id = 0;
    { auto db = allocprof::test::make_run_database(dir.file("ok.db"), run_id); }
    EXPECT_EQ(Database::check(dir.file("ok.db")), "");
    auto db = Database::open_existing(dir.file("ok.db"), false);
    auto s = db.prepare("SELECT count(*) FROM runs");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.int64(0), 1);
}

TEST(RunDatabase, CreateRefusesAnExistingFile) {
    allocprof::test::TempDir dir;
    write_file(dir.file("x.db"), "precious");
    EXPECT_THROW(Database::create(dir.file("x.db")), DatabaseError);
    std::ifstream in(dir.file("x.db"));
    std::string content;
    in >> content;
    EXPECT_EQ(content, "precious");
}

TEST(RunDatabase, RefusesMissingEmptyAndNonSqliteFiles) {
    allocprof::test::TempDir dir;
    expect_refused(dir.file("missing.db"), "No such file");
    write_file(dir.file("empty.db"), "");
    expect_refused(dir.file("empty.db"), "empty file");
    write_file(dir.file("text.db"), "this is not a database at all, just some text\n");
    expect_refused(dir.file("text.db"), "not an SQLite file");
}

TEST(RunDatabase, RefusesAForeignSqliteFile) {
    allocprof::test::TempDir dir;
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file("foreign.db").c_str(), &raw), SQLITE_OK);
    sqlite3_exec(raw, "CREATE TABLE t(a); INSERT INTO t VALUES (1);", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    expect_refused(dir.file("foreign.db"), "another application");
}

TEST(RunDatabase, RefusesNewerAndOlderSchemaVersions) {
    allocprof::test::TempDir dir;
    int64_t run_id = 0;
    {
        auto db = allocprof::test::make_run_database(dir.file("newer.db"), run_id);
        db.exec("PRAGMA user_version = 99");
    }
    expect_refused(dir.file("newer.db"), "newer allocprof (schema version 99");
    {
        auto db = allocprof::test::make_run_database(dir.file("older.db"), run_id);
        db.exec("PRAGMA user_version = 0");
    }
    expect_refused(dir.file("older.db"), "older allocprof");
}

TEST(RunDatabase, RefusesATruncatedFile) {
    allocprof::test::TempDir dir;
    int64_t run_id = 0;
    {
        auto db = allocprof::test::make_run_database(dir.file("cut.db"), run_id);
        // Enough rows to span many pages.
        auto insert = db.prepare("INSERT INTO meta(key, value) VALUES (?, ?)");
        for (int i = 0; i < 2000; ++i) {
            insert.bind(1, "k" + std::to_string(i)).bind(2, std::string(200, 'x'));
            insert.run();
        }
    }
    auto size = std::filesystem::file_size(dir.file("cut.db"));
    std::filesystem::resize_file(dir.file("cut.db"), size / 2);
    expect_refused(dir.file("cut.db"), "truncated");
}
