// compare_command.cpp — `allocprof compare base.db head.db [--threshold METRIC=REL[,ABS]]...
// [--budget FILE] [--format md|json] [-o FILE]`: the CI gate. Reads the stored analyses
// of two run databases (analysing first, in place, any run that has none: stderr says
// so), refuses two files analysed with different B0 or L, compares them
// (compare_diff.h) and prints markdown or JSON (compare_render.h). The markdown is also
// appended to $GITHUB_STEP_SUMMARY when that is set. Exit 0: no regression; 1: a
// regression or a budget exceeded; 2: bad input.
//
// `allocprof compare A.db B.db --ab [--allocator glibc|exact|MODEL.json] [-n N]`: the two
// side by side, without thresholds or a verdict (compare_ab.h, compare_ab_render.h); it reads
// the analyses the same way, and replays each run's events for its heap figures. Its figures
// do not depend on B0 or L, so files analysed with different ones are not refused. Exit 0;
// 2: bad input.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>

#include "analyzers/analysis_params.h"
#include "analyzers/heap_model.h"
#include "analyzers/run_analysis.h"
#include "cli/cli.h"
#include "compare/compare_ab.h"
#include "compare/compare_ab_render.h"
#include "compare/compare_diff.h"
#include "compare/compare_render.h"

namespace allocprof::cli {
using namespace allocprof::compare;
namespace {

using nlohmann::json;

// The one (B0, L) of a file's analyses; throws when the runs disagree.
std::optional<AnalysisKey> file_key(schema::Database& db, const std::string& path, std::optional<json>* params) {
    std::set<AnalysisKey> keys;
    for (const auto& sc : scenarios_of(db))
        for (int64_t run : sc.runs) {
            if (auto k = analysis_key(db, run)) {
                keys.insert(*k);
                if (params && !*params) *params = analysis_params_json(db, run);
            }
        }
    if (keys.size() > 1)
        throw std::runtime_error(path + ": its runs were analysed with different parameters (B0, L); analyse the file "
                                        "again with one --gen0-budget/--config");
    if (keys.empty()) return std::nullopt;
    return *keys.begin();
}

std::string key_text(const AnalysisKey& k) {
    return "B0 = " + std::to_string(k.gen0_budget) + " B, L = " + std::to_string(k.large_object_threshold) + " B";
}

struct CompareOptions {
    std::string base, head;
    std::vector<std::string> threshold_specs;
    std::optional<std::string> budget_file, output;
    std::string format;
    bool ab = false;
    std::optional<std::string> allocator;
    std::optional<uint64_t> top;
};

// Appends `markdown` to $GITHUB_STEP_SUMMARY when that is set.
void append_step_summary(const std::string& markdown) {
    if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary && *summary) {
        std::ofstream out(summary, std::ios::app);
        if (!(out << markdown << "\n")) print_warning(std::string(summary) + ": cannot append the step summary");
    }
}

// Both files hold a complete run, and every run an analysis (analysed first when it has
// none, with the other file's parameters when it has them).
void analyze_both(const std::string& base_path, const std::string& head_path) {
    std::optional<json> params;
    {
        auto base = schema::Database::open_existing(base_path, false);
        auto head = schema::Database::open_existing(head_path, false);
        for (auto* db : {&base, &head})
            if (scenarios_of(*db).empty()) throw std::runtime_error(db->path() + ": the database holds no complete run");
        file_key(base, base_path, &params);
        file_key(head, head_path, &params);
    }
    analyze_missing(base_path, params, "compare");
    analyze_missing(head_path, params, "compare");
}

// The option combinations --ab does not take, and the ones only it takes.
void check_ab_options(const CompareOptions& o) {
    if (o.ab) {
        if (!o.threshold_specs.empty() || o.budget_file)
            throw UsageError("--ab shows both sides without a verdict: --threshold and --budget do not apply");
        return;
    }
    if (o.allocator) throw UsageError("--allocator needs --ab");
    if (o.top) throw UsageError("-n needs --ab");
}

int compare_side_by_side(const CompareOptions& o) {
    const analyzers::HeapModel model = analyzers::HeapModel::named(o.allocator.value_or("glibc"));
    analyze_both(o.base, o.head);
    auto a = schema::Database::open_existing(o.base, false);
    auto b = schema::Database::open_existing(o.head, false);
    const AbComparison c = compare_ab(a, b, model, static_cast<size_t>(o.top.value_or(10)));
    const std::string markdown = compare_ab_markdown(c);
    write_output(o.output, o.format == "json" ? compare_ab_json(c).dump(2) + "\n" : markdown, "comparison");
    append_step_summary(markdown);
    return kExitOk;
}

int compare(const CompareOptions& o) {
    check_ab_options(o);
    if (o.ab) return compare_side_by_side(o);
    const std::vector<std::string>& threshold_specs = o.threshold_specs;
    const std::optional<std::string>& budget_file = o.budget_file;
    const std::string& format = o.format;
    const std::string& base_path = o.base;
    const std::string& head_path = o.head;

    // Gates first: a typo in a threshold or budget is bad input before any work.
    Thresholds thresholds;
    std::vector<Budget> budgets;
    try {
        for (const auto& spec : threshold_specs) thresholds.apply(spec, "--threshold");
        if (budget_file) budgets = load_budget_file(*budget_file);
    } catch (const GateError& e) {
        throw UsageError(e.what());
    }

    // Every run needs an analysis; a file without one is analysed like the other.
    analyze_both(base_path, head_path);

    auto base = schema::Database::open_existing(base_path, false);
    auto head = schema::Database::open_existing(head_path, false);
    const AnalysisKey base_key = *file_key(base, base_path, nullptr);
    const AnalysisKey head_key = *file_key(head, head_path, nullptr);
    if (!(base_key == head_key))
        throw std::runtime_error("the two files were analysed with different parameters: " + base_path + ": " +
                                 key_text(base_key) + "; " + head_path + ": " + key_text(head_key) +
                                 ". Analyse both with the same --gen0-budget/--config (allocprof analyze FILE)");

    // Thresholds: defaults, then the suite file's (stored with head, else base), then the command line.
    try {
        json meta = stored_suite_meta(head);
        if (!meta.contains("thresholds")) meta = stored_suite_meta(base);
        Thresholds merged;
        if (meta.contains("thresholds")) merged.apply_json(meta["thresholds"], head_path + ": suite thresholds");
        for (const auto& spec : threshold_specs) merged.apply(spec, "--threshold");
        thresholds = merged;
        json head_meta = stored_suite_meta(head);
        if (head_meta.contains("budgets")) {
            auto suite_budgets = parse_budgets(head_meta["budgets"], head_path + ": suite budgets");
            budgets.insert(budgets.begin(), suite_budgets.begin(), suite_budgets.end());
        }
    } catch (const GateError& e) {
        throw std::runtime_error(e.what());
    }

    Comparison c = compare_databases(base, head, base_key, thresholds, budgets);
    const std::string markdown = compare_markdown(c);
    const std::string text = format == "json" ? compare_json(c).dump(2) + "\n" : markdown;
    write_output(o.output, text, "comparison");
    append_step_summary(markdown);
    for (const auto& b : c.budgets)
        if (!b.ok) std::cerr << "allocprof: " << b.message << "\n";
    return c.failed() ? kExitFinding : kExitOk;
}

}  // namespace

void add_compare_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand(
        "compare",
        "the CI gate: scenario and site regressions, budgets (exit 1 on a finding); --ab: two "
        "configurations side by side");
    c->footer(
        "Compares the scenarios (runs paired by scenario name) and allocation sites of two analysed\n"
        "run databases. Exit 0: no regression; 1: a regression or a budget exceeded; 2: bad input.\n"
        "With --ab: per scenario and window (the run, each phase) A's and B's allocations, per-op\n"
        "figures, peak live bytes, live blocks at the peak and heap needed, then the sites whose\n"
        "bytes allocated differ most; no verdict, exit 0 (2: bad input). Sites pair across the\n"
        "files by function and line: the main executable with the other's, whatever its name, and\n"
        "a shared library by its file name.");
    auto o = std::make_shared<CompareOptions>();
    c->add_option("BASE", o->base, "the baseline run database")->required()->type_name("");
    c->add_option("HEAD", o->head, "the run database to judge against it")->required()->type_name("");
    c->add_option("--threshold", o->threshold_specs,
                  "regression threshold max(REL% x old, ABS) of metric M: allocs_per_op (default 1%,0.001), "
                  "bytes_per_op (1%,8), gen0_star_per_1k (1%), peak_live_bytes (1%,4096), unfreed_bytes "
                  "(1%,1024); repeatable")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("M=REL[,ABS]");
    c->add_option("--budget", o->budget_file,
                  "absolute limits: {\"budgets\": [{\"scenario\": \"x\", \"phase\": \"execute\", "
                  "\"metric\": \"allocs_per_op\", \"max\": 0}, {\"no_new_critical_sites\": true}]}")
        ->type_name("FILE");
    c->add_flag("--ab", o->ab,
                "A and B side by side (BASE is A, HEAD is B): the figures and their changes, no verdict");
    c->add_option("--allocator", o->allocator,
                  "with --ab: the allocator model of heap needed: glibc (default), exact, or a JSON model file")
        ->type_name("MODEL");
    c->add_option("-n", o->top, "with --ab: how many of the sites that differ most to list (default 10)")
        ->type_name("N")
        ->check(count_validator());
    add_format(c, o->format, {"md", "json"});
    add_output(c, o->output, "write the comparison there instead of stdout");
    c->callback([o, &run] { run = [o] { return compare(*o); }; });
}

}  // namespace allocprof::cli
