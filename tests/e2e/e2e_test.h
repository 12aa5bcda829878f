// e2e_test.h — the fixture every end-to-end test uses: a fresh temp directory, and
// assertion helpers for `allocprof summary --json` runs that name the key that differs.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/allocprof_cli.h"
#include "support/heaptrack.h"
#include "support/paths.h"
#include "support/process.h"
#include "support/run_database.h"
#include "support/temp_dir.h"
#include "support/valgrind.h"

namespace allocprof::e2e {

using namespace allocprof::test_support;
using nlohmann::json;

class E2eTest : public ::testing::Test {
protected:
    std::filesystem::path db() const { return dir_ / "run.db"; }

    // Records `command` into run.db in this test's directory.
    Recording record_to_db(const std::vector<std::string>& command,
                           const std::vector<std::string>& record_options = {},
                           const ProcessOptions& options = {}) {
        return record(db(), command, record_options, options);
    }

    TempDir dir_;
};

// Checks one integer key of a summary run; a missing or non-integer key is a failure too.
// A Python script of samples/python/.
inline std::filesystem::path python_sample(const std::string& name) {
    return samples_source_dir() / "python" / name;
}

// The line of `script` marked "# known: NAME" (a comment on the line a test names).
inline int known_line(const std::filesystem::path& script, const std::string& name) {
    std::ifstream in(script);
    std::string line;
    const std::string marker = "# known: " + name;
    for (int number = 1; std::getline(in, line); ++number) {
        const size_t at = line.find(marker);
        if (at != std::string::npos &&
            (at + marker.size() == line.size() || line[at + marker.size()] == ' '))
            return number;
    }
    throw std::runtime_error("no '" + marker + "' in " + script.string());
}

inline void expect_count(const json& run, const std::string& key, long long expected) {
    if (!run.contains(key)) {
        ADD_FAILURE() << "summary has no key '" << key << "'";
        return;
    }
    const json& v = run.at(key);
    if (!v.is_number_integer()) {
        ADD_FAILURE() << "summary key '" << key << "' is not an integer: " << v.dump();
        return;
    }
    EXPECT_EQ(v.get<long long>(), expected) << "summary key '" << key << "'";
}

// Checks calls.<function> of a summary run.
inline void expect_calls(const json& run, const std::string& function, long long expected) {
    if (!run.contains("calls") || !run["calls"].is_object()) {
        ADD_FAILURE() << "summary has no 'calls' object";
        return;
    }
    const json& calls = run["calls"];
    long long actual = calls.contains(function) && calls[function].is_number_integer()
                           ? calls[function].get<long long>()
                           : 0;
    EXPECT_EQ(actual, expected) << "calls." << function << " (calls: " << calls.dump() << ")";
}

// The run ended by exit(code): exit_status == code, term_signal null.
inline void expect_exited(const json& run, int code) {
    ASSERT_TRUE(run.contains("exit_status") && run.contains("term_signal")) << run.dump();
    EXPECT_EQ(run["exit_status"], json(code)) << "exit_status";
    EXPECT_TRUE(run["term_signal"].is_null()) << "term_signal: " << run["term_signal"].dump();
}

// The run ended by signal: exit_status null, term_signal == signo.
inline void expect_killed(const json& run, int signo) {
    ASSERT_TRUE(run.contains("exit_status") && run.contains("term_signal")) << run.dump();
    EXPECT_TRUE(run["exit_status"].is_null()) << "exit_status: " << run["exit_status"].dump();
    EXPECT_EQ(run["term_signal"], json(signo)) << "term_signal";
}

// The number of stderr lines that start with `prefix`.
inline int count_lines_starting_with(const std::string& text, const std::string& prefix) {
    int n = 0;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (text.compare(start, prefix.size(), prefix) == 0) ++n;
        start = end + 1;
    }
    return n;
}

}  // namespace allocprof::e2e
