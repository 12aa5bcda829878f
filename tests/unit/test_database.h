// test_database.h — a fresh run database in a temporary directory, removed afterwards.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "schema/run_database.h"

namespace allocprof::test {

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "allocprof-unit-XXXXXX").string();
        path_ = mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string file(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

private:
    std::string path_;
};

// Creates a database with one run row; returns its run_id through `run_id`.
inline schema::Database make_run_database(const std::string& path, int64_t& run_id) {
    auto db = schema::Database::create(path);
    db.exec("INSERT INTO runs(command, cwd, hostname, tool_version, wire_version, pid, "
            "start_unix_ns) VALUES ('[\"test\"]', '/', 'host', '0', 1, 1, 0)");
    run_id = db.last_insert_rowid();
    return db;
}

}  // namespace allocprof::test
