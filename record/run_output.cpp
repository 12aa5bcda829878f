// run_output.cpp — see run_output.h.
#include "record/run_output.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "record/target_launcher.h"

namespace allocprof::record {

// Moves an existing allocprof database out of the way (perf's FILE.old convention);
// refuses to touch a file that is not one. Returns the .old path, or "" if none.
std::string keep_previous_output(const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return "";
    sqlite3* db = nullptr;
    int64_t app = 0;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            app = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    if (app != schema::kApplicationId)
        throw LaunchError(125,
                          path + " exists and is not an allocprof database; refusing to "
                                 "overwrite it (choose another file with -o)");
    std::string old = path + ".old";
    if (std::rename(path.c_str(), old.c_str()) != 0)
        throw LaunchError(125, "cannot rename " + path + " to " + old);
    return old;
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
