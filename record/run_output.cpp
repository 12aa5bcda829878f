// run_output.cpp — see run_output.h.
#include "record/run_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "record/target_launcher.h"

namespace allocprof::record {

namespace {

std::string error_text() { return std::strerror(errno); }

// rename(2) that never replaces: false with EEXIST when `to` exists.
bool rename_no_replace(const std::string& from, const std::string& to) {
    if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
    if (errno != EINVAL && errno != ENOSYS) return false;
    // A file system without RENAME_NOREPLACE: a hard link fails on an existing name too.
    if (link(from.c_str(), to.c_str()) != 0) return false;
    unlink(from.c_str());
    return true;
}

}  // namespace

OutputDatabase::OutputDatabase(std::string path) : path_(std::move(path)) {
    struct stat st;
    if (lstat(path_.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        throw LaunchError(125, path_ + ": " + error_text());
    }
    if (S_ISLNK(st.st_mode))
        throw LaunchError(125, path_ + " is a symbolic link; allocprof does not write through one "
                                       "(choose another file with -o)");
    if (!S_ISREG(st.st_mode))
        throw LaunchError(125, path_ + " exists and is not a regular file; refusing to write there "
                                       "(choose another file with -o)");
    sqlite3* db = nullptr;
    int64_t app = 0;
    if (st.st_size > 0 &&
        sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            app = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    if (app != schema::kApplicationId)
        throw LaunchError(125, path_ + " exists and is not an allocprof database; refusing to "
                                       "overwrite it (choose another file with -o)");
}

OutputDatabase::~OutputDatabase() { remove_private_directory(); }

void OutputDatabase::remove_private_directory() {
    if (private_dir_.empty()) return;
    // Only what this object made there: the database and its journal.
    for (const char* name : {"/run.db", "/run.db-journal"}) unlink((private_dir_ + name).c_str());
    rmdir(private_dir_.c_str());
    private_dir_.clear();
}

schema::Database OutputDatabase::begin() {
    const std::filesystem::path dest(path_);
    const std::string dir = dest.has_parent_path() ? dest.parent_path().string() : ".";
    std::string pattern = dir + "/." + dest.filename().string() + ".allocprof-XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw std::runtime_error("cannot create " + path_ + ": " + error_text() + " (in " + dir + ")");
    private_dir_ = pattern;
    try {
        return schema::Database::create(private_dir_ + "/run.db");
    } catch (const std::exception& e) {
        remove_private_directory();
        throw std::runtime_error("cannot create " + path_ + ": " + e.what());
    }
}

schema::Database OutputDatabase::publish(schema::Database made) {
    const std::string made_path = made.path();
    { schema::Database closing = std::move(made); }
    struct stat st;
    if (lstat(path_.c_str(), &st) == 0) {
        OutputDatabase recheck(path_);  // still an allocprof database, not something new
        std::string old = path_ + ".old";
        for (int n = 1; !rename_no_replace(path_, old); ++n) {
            if (errno != EEXIST || n > 9999) {
                const std::string why = error_text();
                remove_private_directory();
                throw LaunchError(125, "cannot keep the previous " + path_ + " as " + old + ": " + why);
            }
            old = path_ + ".old." + std::to_string(n);
        }
        kept_ = old;
    }
    if (!rename_no_replace(made_path, path_)) {
        const std::string why = error_text();
        remove_private_directory();
        if (!kept_.empty() && rename_no_replace(kept_, path_)) kept_.clear();
        throw LaunchError(125, "cannot create " + path_ + ": " + why);
    }
    published_ = true;
    remove_private_directory();
    return schema::Database::open_existing(path_, true);
}

void OutputDatabase::abandon() {
    remove_private_directory();
    if (!published_) return;
    unlink(path_.c_str());
    published_ = false;
    if (!kept_.empty() && rename_no_replace(kept_, path_)) kept_.clear();
}

std::string default_output(const std::string& program) {
    return "allocprof." + std::filesystem::path(program).filename().string() + "." +
           std::to_string(getpid()) + ".db";
}

// Appends one line to the run's notes (runs.notes, a JSON array).
void append_run_note(schema::Database& db, int64_t run_id, const std::string& note) {
    auto read = db.prepare("SELECT notes FROM runs WHERE run_id = ?");
    read.bind(1, run_id);
    nlohmann::json notes = nlohmann::json::array();
    if (read.step()) notes = nlohmann::json::parse(read.text(0), nullptr, false);
    if (!notes.is_array()) notes = nlohmann::json::array();
    notes.push_back(note);
    auto update = db.prepare("UPDATE runs SET notes = ? WHERE run_id = ?");
    update.bind(1, notes.dump()).bind(2, run_id).run();
}

}  // namespace allocprof::record
