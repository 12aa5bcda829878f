// run_database.h — read-only SQL access to a run database (the sqlite3 C API), for checks
// that go beyond `allocprof summary`: trace nodes, modules, phases, function calls.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace allocprof::test_support {

// One result row; columns as text (NULL is std::nullopt), with integer accessors.
class Row {
public:
    explicit Row(std::vector<std::optional<std::string>> columns) : columns_(std::move(columns)) {}
    size_t size() const { return columns_.size(); }
    bool is_null(size_t i) const { return !columns_.at(i).has_value(); }
    std::string text(size_t i) const;   // throws on NULL
    int64_t int64(size_t i) const;      // throws on NULL or non-integer text

private:
    std::vector<std::optional<std::string>> columns_;
};

class RunDatabase {
public:
    // Opens read-only; throws std::runtime_error naming the file on failure.
    explicit RunDatabase(const std::filesystem::path& path);
    RunDatabase(const RunDatabase&) = delete;
    RunDatabase& operator=(const RunDatabase&) = delete;
    ~RunDatabase();

    std::vector<Row> query(const std::string& sql) const;
    // The single integer a query returns (throws unless one row with one non-NULL column).
    int64_t scalar(const std::string& sql) const;

private:
    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
};

// Creates (or overwrites) a file with arbitrary SQL, e.g. a foreign database.
void execute_sql_file(const std::filesystem::path& path, const std::string& sql);

}  // namespace allocprof::test_support
