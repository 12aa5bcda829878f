// suite_file.h — the scenario suite file of `allocprof suite` (JSON), read strictly: an
// unknown key, a wrong type or a missing value is an error naming the file and the key.
//
//   {
//     "config": "allocprof.json",                      optional: analyze --config FILE
//     "source": {"root": "src",                        optional: analyze --source-root DIR
//                "compile_commands": "build/compile_commands.json"},   and --compile-commands
//     "thresholds": {"allocs_per_op": "1%,0.001"},     optional: compare's defaults
//     "budgets": [{"scenario": "hot", "metric": "allocs_per_op", "max": 1}],   optional
//     "scenarios": [
//       {"name": "hot",                                required, unique
//        "command": ["${ALLOCPROF_BUILD}/samples/hot_loop", "1000"],   required, argv
//        "cwd": "${SUITE_DIR}",                        optional, default the suite's folder
//        "env": {"HOT_LOOP_EXTRA": "1"},               optional, added to allocprof's own
//        "ops": 1000 | "markers",                      optional: --ops N, or counted by
//                                                      allocprof_ops(); absent: per run
//        "measure_phase": "execute",                   optional: the measured window
//        "warmup_phase": "setup",                      optional: excluded from the window
//        "repeat": 3}                                  optional, default 1
//     ]
//   }
//
// ${NAME} in command, cwd and env values: SUITE_DIR is the suite file's folder,
// ALLOCPROF_BUILD the folder above the one holding the allocprof binary (the build tree,
// or the install prefix) unless the environment sets it; any other NAME comes from the
// environment, and an unset one is an error. Relative paths in cwd and config are relative
// to the suite file's folder.
//
// The measured window of a scenario (what compare gates on): the phase measure_phase if
// given; else the whole run minus every occurrence of warmup_phase if given (allocations,
// bytes, ops and nursery bytes of the phase subtracted; peak live and unfreed stay the
// whole run's); else the whole run. compare's per-site numbers are the whole run's; the
// suite document's (suite_document.h) are the measured window's.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/compare_thresholds.h"

namespace allocprof::suite {

class SuiteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SuiteScenario {
    std::string name;
    std::vector<std::string> command;  // substituted
    std::string cwd;                   // absolute
    std::vector<std::pair<std::string, std::string>> env;  // substituted
    std::optional<uint64_t> ops;       // --ops N
    bool ops_from_markers = false;
    std::optional<std::string> measure_phase;
    std::optional<std::string> warmup_phase;
    uint32_t repeat = 1;
};

struct SuiteFile {
    std::string path;
    std::optional<std::string> config;  // absolute
    // "source": {"root": DIR, "compile_commands": FILE}: analyze --source-root and
    // --compile-commands (absolute; relative to the suite file's folder as written).
    std::optional<std::string> source_root, compile_commands;
    nlohmann::json thresholds = nlohmann::json::object();  // validated, as written
    nlohmann::json budgets = nlohmann::json::array();      // validated, as written
    std::vector<SuiteScenario> scenarios;
};

// Reads and validates `path`; throws SuiteError naming the file and key.
SuiteFile load_suite_file(const std::string& path);

// What `suite` stores in the database (meta key "suite") for compare: the measured
// windows (read back by analyzers/measured_window.h), thresholds and budgets.
nlohmann::json suite_meta(const SuiteFile& suite);

}  // namespace allocprof::suite
