// hook_table_test.cpp — the table-driven test of the hook table (wire/hooked_functions.def):
// call_every_hook.c calls every row N times under `allocprof record`, and for every hook
// event name of the table the run's function_calls grow by exactly the calls the program
// says it made (against a run of the same program that calls nothing, so the runtime's
// own start-up allocations cancel out). The rows that record no event (dlopen, dlclose)
// are called in a run of their own (the loader's allocations are not fixed) and must
// refresh the module map.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "e2e/e2e_test.h"
#include "wire/wire_format.h"

namespace allocprof::e2e {
namespace {

using wire::HookFn;
using wire::hook_fn_name;

struct TableRow {
    const char* name;
    const char* event;  // the HookFn name its events carry (function_calls.function); null: none
};
const TableRow kTable[] = {
#define ALLOCPROF_HOOK(name, id, value, ret, params, kind) {#name, hook_fn_name(HookFn::id)},
#define ALLOCPROF_HOOK_SHARING(name, id, ret, params, kind) {#name, hook_fn_name(HookFn::id)},
#define ALLOCPROF_HOOK_NO_EVENT(name, ret, params, kind) {#name, nullptr},
#include "wire/hooked_functions.def"
#undef ALLOCPROF_HOOK
#undef ALLOCPROF_HOOK_SHARING
#undef ALLOCPROF_HOOK_NO_EVENT
};

struct ProgramOutput {
    std::set<std::string> called;
    std::map<std::string, long long> events;
};

ProgramOutput parse(const std::string& out) {
    ProgramOutput result;
    std::istringstream in(out);
    std::string word;
    while (in >> word) {
        if (word == "called") {
            in >> word;
            result.called.insert(word);
        } else if (word == "event") {
            std::string name;
            long long n = 0;
            in >> name >> n;
            result.events[name] = n;
        }
    }
    return result;
}

std::map<std::string, long long> function_calls(const std::filesystem::path& db) {
    std::map<std::string, long long> calls;
    RunDatabase database(db);
    for (const Row& row : database.query("SELECT function, calls FROM function_calls"))
        calls[row.text(0)] = row.int64(1);
    return calls;
}

class HookTable : public E2eTest {
protected:
    ProgramOutput run(const std::filesystem::path& db, const std::vector<std::string>& args) {
        std::vector<std::string> command = {ALLOCPROF_CALL_EVERY_HOOK};
        command.insert(command.end(), args.begin(), args.end());
        Recording rec = record(db, command);
        EXPECT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
        return parse(rec.process.out);
    }
};

TEST_F(HookTable, EveryRowWithAnEventIsCountedExactlyUnderItsName) {
    constexpr int kCalls = 50;
    ProgramOutput base = run(dir_ / "base.db", {"heap", "0"});
    ProgramOutput with_calls = run(db(), {"heap", std::to_string(kCalls)});
    const auto before = function_calls(dir_ / "base.db");
    const auto after = function_calls(db());

    std::set<std::string> event_names;
    for (const TableRow& row : kTable) {
        if (!row.event) continue;
        EXPECT_TRUE(with_calls.called.count(row.name)) << row.name << " was not called";
        event_names.insert(row.event);
    }
    for (const std::string& name : event_names) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(with_calls.events.count(name)) << "the program does not count " << name;
        EXPECT_GT(with_calls.events[name], 0);
        EXPECT_EQ(base.events[name], 0);
        const long long delta = (after.count(name) ? after.at(name) : 0) -
                                (before.count(name) ? before.at(name) : 0);
        EXPECT_EQ(delta, with_calls.events[name]) << "function_calls." << name;
    }
}

TEST_F(HookTable, RowsWithoutAnEventStillRefreshTheModuleMap) {
    ProgramOutput out = run(db(), {"loader", "3", plugin_library().string()});
    for (const TableRow& row : kTable) {
        if (row.event) continue;
        EXPECT_TRUE(out.called.count(row.name)) << row.name << " was not called";
    }
    RunDatabase database(db());
    EXPECT_GE(database.scalar("SELECT COUNT(*) FROM modules WHERE path LIKE '%" +
                              plugin_library().filename().string() + "'"),
              1)
        << "the dlopen'ed plugin is not in the module map";
    json run = single_run(db());
    expect_exited(run, 0);
    EXPECT_EQ(run["truncated"], json(false));
}

}  // namespace
}  // namespace allocprof::e2e
