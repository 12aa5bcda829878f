// stress_test.h — what the fault and stress tests share: the fault programs' paths, runs
// with and without allocprof, and "name=value" lines of their output.
#pragma once

#include <chrono>
#include <map>
#include <sstream>
#include <string>

#include "e2e/e2e_test.h"

namespace allocprof::stress {

using namespace allocprof::test_support;
using allocprof::e2e::E2eTest;
using allocprof::e2e::expect_count;
using allocprof::e2e::expect_exited;
using nlohmann::json;

inline std::string fault_program(const std::string& name) {
    return std::string(ALLOCPROF_FAULTS_DIR) + "/" + name;
}

// "name=value" lines of a fault program's stdout.
inline std::map<std::string, long long> reported(const std::string& out) {
    std::map<std::string, long long> values;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) values[line.substr(0, eq)] = std::atoll(line.c_str() + eq + 1);
    }
    return values;
}

// function_calls of the one run in `db`, by function name.
inline std::map<std::string, long long> function_calls(const std::filesystem::path& db) {
    std::map<std::string, long long> calls;
    RunDatabase database(db);
    for (const Row& row : database.query("SELECT function, calls FROM function_calls"))
        calls[row.text(0)] = row.int64(1);
    return calls;
}

inline ProcessOptions within(std::chrono::milliseconds limit) {
    ProcessOptions options;
    options.timeout = limit;
    return options;
}

}  // namespace allocprof::stress
