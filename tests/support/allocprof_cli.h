// allocprof_cli.h — runs the `allocprof` command the way a user does: `record` into a
// database, `summary --json` parsed with nlohmann/json.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "support/process.h"

namespace allocprof::test_support {

struct Recording {
    ProcessResult process;    // of `allocprof record` (its exit status is the target's)
    std::filesystem::path db;
};

// allocprof record -o DB [record_options...] -- command...
Recording record(const std::filesystem::path& db, const std::vector<std::string>& command,
                 const std::vector<std::string>& record_options = {},
                 const ProcessOptions& options = {});

// The argv of that same call, for tests that start it themselves.
std::vector<std::string> record_argv(const std::filesystem::path& db,
                                     const std::vector<std::string>& command,
                                     const std::vector<std::string>& record_options = {});

// allocprof summary DB [extra...]: the raw process result.
ProcessResult run_summary(const std::filesystem::path& db,
                          const std::vector<std::string>& extra = {});

// allocprof summary DB --json, parsed. Throws std::runtime_error (with allocprof's stderr)
// when the command fails or its output is not JSON.
nlohmann::json summary_json(const std::filesystem::path& db);

// The one run of a database recorded by a single `record`; throws unless there is
// exactly one.
nlohmann::json single_run(const std::filesystem::path& db);

// A JSON value as an integer count (throws on null / non-integers, with the key's name).
long long count_of(const nlohmann::json& run, const std::string& key);

// allocprof top DB --json -n 0 [extra...]; throws std::runtime_error if it fails.
nlohmann::json top_json(const std::filesystem::path& db, const std::vector<std::string>& extra = {});

}  // namespace allocprof::test_support
