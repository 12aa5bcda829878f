// run_database.h — opening, creating and validating allocprof run databases, and a thin
// RAII layer over the SQLite C API (Database, Statement, Transaction).
//
// Every command opens its input through open_existing(), which refuses, with a one-line
// message naming the file, anything that is not an allocprof database of this schema
// version: a missing file, a non-SQLite file, a truncated or corrupt one, a foreign SQLite
// file, a newer or older schema.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace allocprof::schema {

inline constexpr int kSchemaVersion = 2;
inline constexpr int32_t kApplicationId = 0x41505246;  // "APRF"

// The schema of kSchemaVersion (allocprof_v2.sql), embedded at build time.
const char* schema_sql();

// A database problem worth one line to the user. what() already names the file.
class DatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& operator=(Statement&&) = delete;

    // Binders take 1-based parameter indices, like SQLite.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, uint64_t value) { return bind(index, static_cast<int64_t>(value)); }
    Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
    Statement& bind(int index, uint32_t value) { return bind(index, static_cast<int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind_blob(int index, std::span<const unsigned char> blob);
    Statement& bind_null(int index);
    // NULL when `value` is empty.
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }
    // Binds `values` to parameters 1, 2, ... in order.
    template <typename... Values>
    Statement& bind_all(const Values&... values) {
        int index = 0;
        (bind(++index, values), ...);
        return *this;
    }

    // Advances; true while a row is available.
    bool step();
    // Runs a statement that returns no rows, then resets it for reuse.
    void run();
    void reset();

    // Column getters take 0-based indices, like SQLite.
    int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;
    std::span<const unsigned char> blob(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class Database {
public:
    // Creates a new database file with the current schema. Fails if the file exists.
    static Database create(const std::string& path);
    // Opens and validates an existing database (see the file comment).
    static Database open_existing(const std::string& path, bool writable);
    // What open_existing would refuse, as a message; empty if the file is a valid allocprof
    // database. Never throws for file problems.
    static std::string check(const std::string& path);

    Database(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database& operator=(Database&&) = delete;
    ~Database();

    // Creates the tables and columns of this schema version that the file lacks (it was
    // written by an allocprof of the same version from before they were added; every column
    // added since has a default, see kAddedColumns in run_database.cpp). Needs a writable file.
    void add_missing_tables();

    void exec(std::string_view sql);
    // Whether the file has the table (a later stage's tables exist once it wrote them).
    bool has_table(std::string_view name);
    // Whether the table exists and has the column.
    bool has_column(std::string_view table, std::string_view column);
    // Whether `table` exists but lacks a column added to this schema version since its first
    // release: the file was written (that table at least) by an earlier allocprof.
    bool lacks_added_columns(std::string_view table);
    Statement prepare(std::string_view sql) { return Statement(db_, sql); }
    int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }

private:
    Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    sqlite3* db_;
    std::string path_;
};

// The run ids of the file, in order.
std::vector<int64_t> run_ids(Database& db);

// `requested` if the file has that run, else the last run when nothing was requested.
// Throws std::runtime_error naming the file when there is no such run (or no run at all).
int64_t select_run(Database& db, std::optional<int64_t> requested);

// BEGIN ... COMMIT, rolled back if destroyed before commit().
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

private:
    Database& db_;
    bool done_ = false;
};

// SAVEPOINT name ... RELEASE name: a transaction that nests in an open one (or is one),
// rolled back to its start if destroyed before release(). `name` is an SQL identifier.
class Savepoint {
public:
    Savepoint(Database& db, const char* name);
    ~Savepoint();
    void release();
    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;

private:
    Database& db_;
    std::string name_;
    bool done_ = false;
};

}  // namespace allocprof::schema
