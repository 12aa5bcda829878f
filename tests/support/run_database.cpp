// run_database.cpp — see run_database.h.
#include "support/run_database.h"

#include <sqlite3.h>

#include <stdexcept>

namespace allocprof::test_support {

std::string Row::text(size_t i) const {
    if (is_null(i)) throw std::runtime_error("column " + std::to_string(i) + " is NULL");
    return *columns_.at(i);
}

int64_t Row::int64(size_t i) const {
    std::string t = text(i);
    size_t used = 0;
    int64_t v = std::stoll(t, &used);
    if (used != t.size()) throw std::runtime_error("column value is not an integer: " + t);
    return v;
}

RunDatabase::RunDatabase(const std::filesystem::path& path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("cannot open " + path.string() + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
}

RunDatabase::~RunDatabase() { sqlite3_close(db_); }

std::vector<Row> RunDatabase::query(const std::string& sql) const {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        std::string message = sqlite3_errmsg(db_);
        sqlite3_finalize(stmt);
        throw std::runtime_error(path_.string() + ": cannot prepare [" + sql + "]: " + message);
    }
    std::vector<Row> rows;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int n = sqlite3_column_count(stmt);
        std::vector<std::optional<std::string>> columns;
        for (int i = 0; i < n; ++i) {
            if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
                columns.emplace_back(std::nullopt);
            } else {
                const unsigned char* t = sqlite3_column_text(stmt, i);
                columns.emplace_back(std::string(reinterpret_cast<const char*>(t),
                                                 static_cast<size_t>(sqlite3_column_bytes(stmt, i))));
            }
        }
        rows.emplace_back(std::move(columns));
    }
    std::string message = sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        throw std::runtime_error(path_.string() + ": query [" + sql + "] failed: " + message);
    return rows;
}

int64_t RunDatabase::scalar(const std::string& sql) const {
    std::vector<Row> rows = query(sql);
    if (rows.size() != 1 || rows[0].size() != 1)
        throw std::runtime_error(path_.string() + ": [" + sql + "] did not return one value");
    return rows[0].int64(0);
}

void execute_sql_file(const std::filesystem::path& path, const std::string& sql) {
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot create " + path.string());
    }
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error(path.string() + ": " + message);
}

}  // namespace allocprof::test_support
