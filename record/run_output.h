// run_output.h — the file a recording writes, and what is added to its run later.
//
// A new database never replaces or deletes a file of the user's. The destination is checked
// before anything runs: a symbolic link, a directory, a FIFO or a file that is not an
// allocprof database is refused. The database is made in a private directory beside the
// destination and moved into place (never over an existing name) only once it is a complete
// empty database; an allocprof database already there is kept first as FILE.old (perf's
// convention), or FILE.old.1, FILE.old.2, ... when that name is taken. A failure before that
// (a full disk) leaves nothing behind and the previous file where it was.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "schema/run_database.h"

namespace allocprof::record {

class OutputDatabase {
public:
    // Checks the destination (LaunchError 125 naming it when it is refused); touches nothing.
    explicit OutputDatabase(std::string path);
    ~OutputDatabase();
    OutputDatabase(const OutputDatabase&) = delete;
    OutputDatabase& operator=(const OutputDatabase&) = delete;

    // A new empty database not yet at the destination (for a command that fills it before
    // publishing it, like import). Throws naming the destination.
    schema::Database begin();
    // Moves what begin() made into place, after keeping the previous database (if any);
    // returns it opened again, for writing, at the destination.
    schema::Database publish(schema::Database made);
    // begin() then publish().
    schema::Database create() { return publish(begin()); }
    // For a run that never started: the new file goes, the previous one comes back.
    void abandon();

    const std::string& path() const { return path_; }
    // The name the previous database was kept under, or "".
    const std::string& kept_previous() const { return kept_; }

private:
    void remove_private_directory();

    std::string path_;
    std::string private_dir_;  // while a database is being made
    std::string kept_;
    bool published_ = false;
};

// allocprof.<program>.<pid>.db in the working directory.
std::string default_output(const std::string& program);

// Appends one line to the run's notes (runs.notes, a JSON array): what the user should
// know about it, learnt after the recording (a failed symbolization).
void append_run_note(schema::Database& db, int64_t run_id, const std::string& note);

}  // namespace allocprof::record
