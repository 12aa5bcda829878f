// check_command.cpp — `allocprof check RUN.db --budget FILE [--format md|json] [-o FILE]`:
// budgets without a baseline. The budget file of compare (compare/compare_thresholds.h),
// plus the budgets a suite stored in the database, checked against its scenarios' measured
// windows (compare/compare_diff.h, check_budgets_alone); runs without an analysis are
// analysed first, in place. Exit 0: every budget met; 1: one exceeded or not checkable; 2:
// bad input (a missing database, a bad budget file).
// Its JSON schema is docs/schemas/allocprof-check.schema.json: a key added, renamed or removed here
// changes it too (tests/e2e/json_schema_test.cpp checks real output against it).
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "compare/compare_data.h"
#include "compare/compare_diff.h"

namespace allocprof::cli {
namespace {

using nlohmann::json;

struct CheckOptions {
    std::string file;
    std::optional<std::string> budget_file, output;
    std::string format;
};

int check(const CheckOptions& o) {
    std::vector<compare::Budget> budgets;
    try {
        if (o.budget_file) budgets = compare::load_budget_file(*o.budget_file);
    } catch (const compare::GateError& e) {
        throw UsageError(e.what());
    }
    {
        auto db = schema::Database::open_existing(o.file, false);
        if (compare::scenarios_of(db).empty()) throw std::runtime_error(o.file + ": the database holds no complete run");
    }
    analyze_missing(o.file, std::nullopt, "check");
    auto db = schema::Database::open_existing(o.file, false);
    const json meta = compare::stored_suite_meta(db);
    try {
        if (meta.contains("budgets")) {
            auto stored = compare::parse_budgets(meta["budgets"], o.file + ": suite budgets");
            budgets.insert(budgets.begin(), stored.begin(), stored.end());
        }
    } catch (const compare::GateError& e) {
        throw std::runtime_error(e.what());
    }
    if (budgets.empty())
        throw UsageError("no budget to check: give --budget FILE (or record the database with a suite that has \"budgets\")");
    uint64_t gen0_budget = 0;
    for (const auto& sc : compare::scenarios_of(db))
        for (int64_t run : sc.runs)
            if (auto key = compare::analysis_key(db, run)) gen0_budget = key->gen0_budget;

    const std::vector<compare::BudgetResult> results = compare::check_budgets_alone(db, budgets, gen0_budget);
    size_t failed = 0;
    for (const auto& r : results) failed += !r.ok;
    std::string text;
    if (o.format == "json") {
        json out = {{"format", "allocprof-check"}, {"format_version", 1}, {"file", o.file}, {"failed", failed}};
        json rows = json::array();
        for (const auto& r : results)
            rows.push_back({{"budget", r.budget.source}, {"scenario", r.scenario}, {"ok", r.ok}, {"message", r.message}});
        out["budgets"] = rows;
        text = out.dump(2) + "\n";
    } else {
        text = "# allocprof check: " + o.file + "\n\n" +
               (failed == 0 ? "✅ every budget met (" + std::to_string(results.size()) + " checked)"
                            : "❌ " + std::to_string(failed) + " of " + std::to_string(results.size()) +
                                  " budget checks failed") +
               "\n\n";
        for (const auto& r : results) text += std::string("- ") + (r.ok ? "✅ " : "❌ ") + r.message + "\n";
    }
    write_output(o.output, text, "check");
    for (const auto& r : results)
        if (!r.ok) std::cerr << "allocprof: " << r.message << "\n";
    return failed ? kExitFinding : kExitOk;
}

}  // namespace

void add_check_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand("check", "budgets without a baseline: exit 1 when one is exceeded");
    c->footer(
        "Checks the budgets of FILE (compare's budget file format) and those a suite stored in the\n"
        "database against its scenarios' measured windows. Exit 0: every budget met; 1: a budget\n"
        "exceeded or not checkable; 2: bad input.");
    auto o = std::make_shared<CheckOptions>();
    add_file(c, o->file);
    c->add_option("--budget", o->budget_file,
                  "absolute limits: {\"budgets\": [{\"scenario\": \"x\", \"phase\": \"execute\", "
                  "\"metric\": \"allocs_per_op\", \"max\": 0}]}")
        ->type_name("FILE");
    add_format(c, o->format, {"md", "json"});
    add_output(c, o->output, "write the result there instead of stdout");
    c->callback([o, &run] { run = [o] { return check(*o); }; });
}

}  // namespace allocprof::cli
