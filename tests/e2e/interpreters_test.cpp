// interpreters_test.cpp — real interpreters under allocprof: lua5.4 and python3 (the one
// on PATH, and Debian's /usr/bin/python3.11 when it exists) run scripts from samples/,
// behave as without the tool (same output, same exit code) and are recorded.
#include <filesystem>
#include <optional>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

struct Interpreter {
    const char* label;
    const char* script_dir;  // under samples/
    const char* ext;
    std::optional<std::filesystem::path> (*locate)();
};

// Shown in test names and failure messages instead of the struct's bytes.
void PrintTo(const Interpreter& interpreter, std::ostream* os) { *os << interpreter.label; }

std::optional<std::filesystem::path> lua54() { return find_on_path("lua5.4"); }
std::optional<std::filesystem::path> python3_on_path() { return find_on_path("python3"); }
std::optional<std::filesystem::path> debian_python311() {
    std::filesystem::path p = "/usr/bin/python3.11";
    if (std::filesystem::exists(p)) return p;
    return std::nullopt;
}

class Interpreters : public E2eTest, public ::testing::WithParamInterface<Interpreter> {
protected:
    std::filesystem::path executable() {
        auto path = GetParam().locate();
        return path ? *path : std::filesystem::path();
    }
    std::string script(const std::string& stem) {
        return (samples_source_dir() / GetParam().script_dir / (stem + GetParam().ext)).string();
    }
};

TEST_P(Interpreters, ScriptRecordsWithSameOutputAndStatus) {
    const std::filesystem::path exe = executable();
    if (exe.empty()) GTEST_SKIP() << GetParam().label << " not installed";
    const std::vector<std::string> command = {exe.string(), script("churn")};
    ProcessResult plain = run_process(command);
    ASSERT_TRUE(plain.exited_with(0)) << plain.describe();

    Recording rec = record_to_db(command);
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, plain.out);
    json run = single_run(db());
    expect_exited(run, 0);
    EXPECT_EQ(run["truncated"], json(false));
    EXPECT_GT(count_of(run, "allocations"), 1000);
    EXPECT_GT(count_of(run, "frees"), 0);
    expect_count(run, "unmatched_frees", 0);
}

TEST_P(Interpreters, ScriptExitCodeFiveIsReproduced) {
    const std::filesystem::path exe = executable();
    if (exe.empty()) GTEST_SKIP() << GetParam().label << " not installed";
    Recording rec = record_to_db({exe.string(), script("exit5")});
    ASSERT_TRUE(rec.process.exited_with(5)) << rec.process.describe();
    json run = single_run(db());
    expect_exited(run, 5);
    EXPECT_GT(count_of(run, "allocations"), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Real, Interpreters,
    ::testing::Values(Interpreter{"lua54", "lua", ".lua", lua54},
                      Interpreter{"python3_on_path", "python", ".py", python3_on_path},
                      Interpreter{"debian_python311", "python", ".py", debian_python311}),
    [](const auto& param_info) { return std::string(param_info.param.label); });

// A longer Lua workload (samples/lua/tables.lua) with its output compared.
class LuaWorkload : public E2eTest {};

TEST_F(LuaWorkload, TableChurnRecords) {
    auto lua = find_on_path("lua5.4");
    if (!lua) GTEST_SKIP() << "lua5.4 not installed";
    const std::vector<std::string> command = {
        lua->string(), (samples_source_dir() / "lua" / "tables.lua").string(), "100000"};
    Recording rec = record_to_db(command);
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    EXPECT_EQ(rec.process.out, "total\t788895\n");
    json run = single_run(db());
    expect_exited(run, 0);
    EXPECT_GT(count_of(run, "allocations"), 100000);
    expect_count(run, "unmatched_frees", 0);
}

}  // namespace
}  // namespace allocprof::e2e
