// compare_data.h — what `allocprof compare` (and `suite`'s result lines) read from a run
// database: the runs of each scenario, each run's measured window
// (analyzers/measured_window.h), and the sites of a scenario aggregated over its
// repetitions, with the keys that pair them with another file's. Only stored analysis
// results are read (analysis, analysis_windows, analysis_sites, sites); nothing is
// computed from events here.
//
// Pairing keys: a site's stored keys name its module by file name. Across two files the
// program itself may have another name (`minivm` and `minivm-fixed`, two builds of one
// program), so the pairing keys name the main executable by its role, "(main executable)",
// whatever its file name, and every other module by its file name alone (a shared library's
// soname, `libfoo.so.1`, wherever it was loaded from). The function, file and line stay as
// they are: two programs whose functions differ never pair because both are the main
// executable.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/compare_thresholds.h"
#include "schema/run_database.h"
#include "analyzers/measured_window.h"

namespace allocprof::compare {

// Mean and spread of one metric over a scenario's repetitions.
struct Sample {
    double mean = 0;
    double sd = 0;  // sample standard deviation; 0 with one run
    size_t n = 0;
};
Sample sample_of(const std::vector<double>& values);

// The scenario metrics of one run's measured window.
struct WindowValues {
    std::array<double, kMetricCount> value{};
    double ops = 0;
    bool per_run = false;  // no ops counted: per-op values are per run
};

// The analysis parameters compare requires to match (B0 and L, docs/definitions.md).
struct AnalysisKey {
    uint64_t gen0_budget = 0;
    uint64_t large_object_threshold = 0;
    bool operator==(const AnalysisKey&) const = default;
    auto operator<=>(const AnalysisKey&) const = default;
};

// Reads `run_id`'s measured window; nullopt with `why` set when the run has no such phase.
std::optional<WindowValues> window_values(schema::Database& db, int64_t run_id, const analyzers::MeasuredWindow& window,
                                          uint64_t gen0_budget, std::string* why);

// The scenario name of each run ("" for a run recorded without --scenario), in run order.
struct ScenarioRuns {
    std::string name;
    std::vector<int64_t> runs;
};
std::vector<ScenarioRuns> scenarios_of(schema::Database& db);

// The analysis parameters of a run (its `analysis` row); nullopt when it has none.
std::optional<AnalysisKey> analysis_key(schema::Database& db, int64_t run_id);
// The stored parameters JSON of a run's analysis (for analysing another run alike).
std::optional<nlohmann::json> analysis_params_json(schema::Database& db, int64_t run_id);

// The "suite" meta entry `allocprof suite` stores; {} when absent.
nlohmann::json stored_suite_meta(schema::Database& db);

// The file name of run `run_id`'s main executable: the first module of a recorded run (the
// preload library lists the program first, named from /proc/self/exe); for an imported
// run, the module named like the command's first word. "" when the run has none.
std::string main_executable(schema::Database& db, int64_t run_id);

// When the main executables of the two sides' first runs have different file names: "the
// main executable is minivm in BASE_SIDE and minivm-fixed in HEAD_SIDE; its sites pair as
// one program's"; "" otherwise.
std::string renamed_program_note(schema::Database& base, int64_t base_run, schema::Database& head, int64_t head_run,
                                 const std::string& base_side, const std::string& head_side);

// The module name pairing uses for `module` of a run whose main executable is `main`.
inline constexpr const char* kMainExecutable = "(main executable)";
std::string pairing_module(const std::string& module, const std::string& main);
// A stored site_key or function_key (JSON [module, function, ...]) with its module, and
// the module+0xoffset name of unknown code in it, as pairing_module names it.
std::string pairing_key(const std::string& stored_key, const std::string& main);

// One site of a scenario over its runs (keyed by pair_key; a run without it counts 0).
struct SiteAggregate {
    std::string site_key, function_key, module, function, file;  // as stored (the first run that has it)
    std::string pair_key, pair_function_key;                     // pairing_key of both
    int line = 0;
    Sample allocs_per_op, bytes_per_op, gen0_star_per_1k;
    Sample allocations, bytes_allocated;  // per run, the whole run's (sites)
    std::string tier;  // of the last run that has it
};
std::vector<SiteAggregate> scenario_sites(schema::Database& db, const std::vector<int64_t>& runs);

// Which site of `base` each site of `head` pairs with: by pair_key, then the unpaired of
// both sides by pair_function_key in order of line (a moved line keeps its site).
struct SitePairing {
    std::vector<int> base_of_head;  // -1: new in head
    std::vector<int> head_of_base;  // -1: gone from head
    std::vector<bool> by_function;  // per head site: paired by function key
    size_t paired_by_function = 0;
};
SitePairing pair_sites(const std::vector<SiteAggregate>& base, const std::vector<SiteAggregate>& head);

}  // namespace allocprof::compare
