// run_database.cpp — see run_database.h.
#include "schema/run_database.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "schema/utf8_text.h"

namespace allocprof::schema {
namespace {

std::string db_name(sqlite3* db) {
    const char* name = db ? sqlite3_db_filename(db, "main") : nullptr;
    return name && *name ? name : "database";
}

// SQLite's message, on one line: a message about a damaged schema quotes the table's SQL,
// newlines and comments included, and every refusal is one line.
std::string errmsg(sqlite3* db) {
    std::string text = db ? sqlite3_errmsg(db) : "out of memory";
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

[[noreturn]] void fail(sqlite3* db, std::string_view doing) {
    std::string message = db_name(db) + ": " + std::string(doing) + ": " + errmsg(db);
    int code = db ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        message = db_name(db) + ": the database is corrupt or truncated (" + errmsg(db) + ")";
    throw DatabaseError(message);
}

// The SQLite header magic, to tell "not SQLite at all" from "SQLite but damaged".
bool has_sqlite_header(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof(header));
    return in.gcount() == sizeof(header) && std::memcmp(header, "SQLite format 3", 16) == 0;
}

int64_t query_int(sqlite3* db, const char* sql) {
    Statement s(db, sql);
    return s.step() ? s.int64(0) : 0;
}

}  // namespace

// ---- Statement ---------------------------------------------------------------------------

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK)
        fail(db, "preparing a query");
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "binding a value");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) fail(db_, "binding a value");
    return *this;
}

// Text is stored as valid UTF-8 (utf8_text.h): a name the target chose may be any bytes.
Statement& Statement::bind(int index, std::string_view text) {
    std::string repaired;
    if (!is_valid_utf8(text)) {
        repaired = valid_utf8(text);
        text = repaired;
    }
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK)
        fail(db_, "binding a value");
    return *this;
}

Statement& Statement::bind_blob(int index, std::span<const unsigned char> blob) {
    if (sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK)
        fail(db_, "binding a value");
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "binding a value");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "running a query");
}

void Statement::run() {
    step();
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }
bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
// Text is read as valid UTF-8 too: a file written before that rule, or damaged since,
// must not make a JSON writer throw.
std::string Statement::text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    if (!p) return std::string();
    const std::string_view bytes(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
    return is_valid_utf8(bytes) ? std::string(bytes) : valid_utf8(bytes);
}
std::span<const unsigned char> Statement::blob(int column) const {
    const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
    return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

// ---- Database ----------------------------------------------------------------------------

Database::Database(Database&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) {
    other.db_ = nullptr;
}

Database::~Database() { sqlite3_close(db_); }

void Database::exec(std::string_view sql) {
    std::string copy(sql);
    char* error = nullptr;
    if (sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        for (char& c : message)
            if (c == '\n' || c == '\r') c = ' ';
        int code = sqlite3_errcode(db_) & 0xff;
        if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
            throw DatabaseError(path_ + ": the database is corrupt or truncated (" + message + ")");
        throw DatabaseError(path_ + ": " + message);
    }
}

Database Database::create(const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0) throw DatabaseError(path + ": already exists");
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
        std::string message = path + ": cannot create the database (" +
                              errmsg(db) + ")";
        sqlite3_close(db);
        throw DatabaseError(message);
    }
    Database database(db, path);
    database.exec("PRAGMA journal_mode = DELETE; PRAGMA synchronous = NORMAL;");
    {
        Transaction t(database);
        database.exec(schema_sql());
        database.exec("PRAGMA application_id = " + std::to_string(kApplicationId) + ";");
        database.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";");
        database.exec("INSERT INTO meta(key, value) VALUES ('application', 'allocprof');");
        t.commit();
    }
    return database;
}

namespace {

// A transaction cut short (allocprof killed, a full disk) leaves a hot journal beside the
// file, and a read-only connection cannot roll it back ("attempt to write a readonly
// database"). A writable connection's first read rolls it back, as SQLite does for any
// writer: the file is back at its last commit. SQLite itself tells a hot journal from the
// journal of a transaction another process is running (that one holds a lock), so a file
// being recorded into is not touched. Nothing happens when the file cannot be written.
void roll_back_interrupted_transaction(const std::string& path) {
    struct stat st;
    if (stat((path + "-journal").c_str(), &st) != 0 || st.st_size == 0) return;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK)
        sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    sqlite3_close(db);
}

}  // namespace

std::string Database::check(const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
    if (!S_ISREG(st.st_mode)) return path + ": not a regular file";
    if (st.st_size == 0) return path + ": empty file, not an allocprof database";
    if (!has_sqlite_header(path))
        return path + ": not an allocprof database (not an SQLite file at all)";
    roll_back_interrupted_transaction(path);
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    std::string problem;
    try {
        if (rc != SQLITE_OK) throw DatabaseError(path + ": cannot open: " + errmsg(db));
        int64_t page_size = query_int(db, "PRAGMA page_size");
        int64_t page_count = query_int(db, "PRAGMA page_count");
        if (page_size * page_count > st.st_size)
            throw DatabaseError(path + ": truncated database (" + std::to_string(st.st_size) +
                                " bytes on disk, its header says " +
                                std::to_string(page_size * page_count) + ")");
        int64_t app = query_int(db, "PRAGMA application_id");
        int64_t version = query_int(db, "PRAGMA user_version");
        if (app != kApplicationId)
            throw DatabaseError(path + ": not an allocprof database (an SQLite file of another "
                                       "application)");
        if (version > kSchemaVersion)
            throw DatabaseError(path + ": written by a newer allocprof (schema version " +
                                std::to_string(version) + "; this allocprof reads version " +
                                std::to_string(kSchemaVersion) + ")");
        if (version < kSchemaVersion)
            throw DatabaseError(path + ": written by an older allocprof (schema version " +
                                std::to_string(version) + "; this allocprof reads version " +
                                std::to_string(kSchemaVersion) + ")");
        if (query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") != 1)
            throw DatabaseError(path + ": damaged allocprof database (the runs table is missing)");
    } catch (const DatabaseError& e) {
        problem = e.what();
    }
    sqlite3_close(db);
    return problem;
}

Database Database::open_existing(const std::string& path, bool writable) {
    std::string problem = check(path);
    if (!problem.empty()) throw DatabaseError(problem);
    sqlite3* db = nullptr;
    int flags = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        std::string message = path + ": cannot open: " + errmsg(db);
        sqlite3_close(db);
        throw DatabaseError(message);
    }
    return Database(db, path);
}

// ---- Transaction -------------------------------------------------------------------------

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN"); }

Transaction::~Transaction() {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

Savepoint::Savepoint(Database& db, const char* name) : db_(db), name_(name) {
    db_.exec("SAVEPOINT " + name_);
}

Savepoint::~Savepoint() {
    if (done_) return;
    const std::string undo = "ROLLBACK TO " + name_ + "; RELEASE " + name_;
    sqlite3_exec(db_.handle(), undo.c_str(), nullptr, nullptr, nullptr);
}

void Savepoint::release() {
    db_.exec("RELEASE " + name_);
    done_ = true;
}

namespace {

// Columns added to schema version 2 after its first release, with their definitions in
// allocprof_v2.sql: add_missing_tables() adds them to files written before.
struct AddedColumn {
    const char* table;
    const char* column;
    const char* definition;
};
constexpr AddedColumn kAddedColumns[] = {
    {"runs", "temporary_heaptrack", "INTEGER NOT NULL DEFAULT 0"},
    {"analysis", "negligible_items", "INTEGER NOT NULL DEFAULT 0"},
    {"plan_items", "alternatives", "TEXT NOT NULL DEFAULT '[]'"},
    {"plan_items", "also_sites", "TEXT NOT NULL DEFAULT '[]'"},
    {"plan_items", "saving_peak_bytes", "INTEGER NOT NULL DEFAULT 0"},
    {"plan_items", "cumulative_allocs_per_op", "REAL NOT NULL DEFAULT 0"},
    {"plan_items", "cumulative_bytes_per_op", "REAL NOT NULL DEFAULT 0"},
    {"plan_items", "cumulative_gen0_star_1k", "REAL NOT NULL DEFAULT 0"},
    {"analysis_windows", "ops_of_run", "INTEGER NOT NULL DEFAULT 0"},
    {"analysis", "stack_slices", "INTEGER NOT NULL DEFAULT -1"},
    {"analysis_windows", "peak_live_blocks", "INTEGER NOT NULL DEFAULT 0"},
    {"analysis_sites", "live_at_peak_blocks", "INTEGER NOT NULL DEFAULT 0"},
    {"runs", "max_frames", "INTEGER"},
    {"runs", "truncated_stacks", "INTEGER NOT NULL DEFAULT 0"},
    {"runs", "truncated_allocations", "INTEGER NOT NULL DEFAULT 0"},
    {"trace_nodes", "truncated_beyond", "INTEGER"},
    {"stack_stats", "truncated", "INTEGER NOT NULL DEFAULT 0"},
};

}  // namespace

void Database::add_missing_tables() {
    exec(schema_sql());
    for (const AddedColumn& c : kAddedColumns)
        if (!has_column(c.table, c.column))
            exec(std::string("ALTER TABLE ") + c.table + " ADD COLUMN " + c.column + " " + c.definition + ";");
}

bool Database::has_column(std::string_view table, std::string_view column) {
    auto s = prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2");
    s.bind(1, table);
    s.bind(2, column);
    return s.step();
}

bool Database::lacks_added_columns(std::string_view table) {
    if (!has_table(table)) return false;
    for (const AddedColumn& c : kAddedColumns)
        if (table == c.table && !has_column(c.table, c.column)) return true;
    return false;
}

bool Database::has_table(std::string_view name) {
    auto s = prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    s.bind(1, name);
    return s.step();
}

std::vector<int64_t> run_ids(Database& db) {
    std::vector<int64_t> ids;
    auto rows = db.prepare("SELECT run_id FROM runs ORDER BY run_id");
    while (rows.step()) ids.push_back(rows.int64(0));
    return ids;
}

int64_t select_run(Database& db, std::optional<int64_t> requested) {
    const std::vector<int64_t> ids = run_ids(db);
    if (ids.empty()) throw std::runtime_error(db.path() + ": the database holds no run");
    if (!requested) return ids.back();
    for (int64_t id : ids)
        if (id == *requested) return id;
    std::string known;
    for (int64_t id : ids) known += (known.empty() ? "" : ", ") + std::to_string(id);
    throw std::runtime_error(db.path() + ": no run " + std::to_string(*requested) +
                             " (its runs: " + known + ")");
}

}  // namespace allocprof::schema
