// compare_thresholds.h — the gates of `allocprof compare`: the scenario metrics it
// compares, their thresholds (a relative change plus an absolute floor) and budgets
// (absolute limits), with their text and JSON forms. Pure; no database.
//
// Threshold syntax (command line `--threshold METRIC=REL[,ABS]`, and the suite file's
// "thresholds" object, {"METRIC": "REL[,ABS]"}): REL is a percentage of the old value
// ("1%" or "1"), ABS a floor in the metric's unit; the threshold is max(REL x |old|, ABS).
// Only an increase beyond it (and beyond the noise, see compare_diff.h) is a regression.
//
// Budget file (`--budget FILE`, or the suite file's "budgets" array):
//   {"budgets": [
//     {"scenario": "hot", "phase": "execute", "metric": "allocs_per_op", "max": 0},
//     {"scenario": "hot", "metric": "peak_live_bytes", "max": 307200},
//     {"metric": "unfreed_bytes", "max": 0},
//     {"no_new_critical_sites": true}
//   ]}
// "scenario" absent: every scenario of head. "phase" absent: the scenario's measured
// window (the suite's measure_phase/warmup_phase, else the whole run). A metric budget is
// exceeded when head's mean is above "max"; "no_new_critical_sites" when head has a
// critical site that is new or was not critical in base.
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace allocprof::compare {

enum class Metric { kAllocsPerOp, kBytesPerOp, kGen0StarPer1k, kPeakLiveBytes, kUnfreedBytes };
inline constexpr size_t kMetricCount = 5;
inline constexpr std::array<Metric, kMetricCount> kMetrics = {
    Metric::kAllocsPerOp, Metric::kBytesPerOp, Metric::kGen0StarPer1k, Metric::kPeakLiveBytes,
    Metric::kUnfreedBytes};

const char* metric_name(Metric m);   // "allocs_per_op", "bytes_per_op", "gen0_star_per_1k", ...
const char* metric_label(Metric m);  // "Allocs/op", "B/op", "Gen0*/1k", "Peak live", "Unfreed"
bool metric_is_bytes(Metric m);
std::optional<Metric> metric_from_name(const std::string& name);

// A bad threshold or budget. what() names where (file and key, or the option).
class GateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Threshold {
    double relative = 0.01;  // a fraction of |old| (1 % = 0.01)
    double absolute = 0;     // floor, in the metric's unit
    double of(double old_value) const;
    std::string describe(Metric m) const;  // "max(1%, 0.001)"
};

// Defaults: allocs/op max(1 %, 0.001); B/op max(1 %, 8 B); Gen0* 1 %; peak live
// max(1 %, 4 KB); unfreed max(1 %, 1 KB).
struct Thresholds {
    std::array<Threshold, kMetricCount> by_metric;
    Thresholds();
    Threshold& operator[](Metric m) { return by_metric[static_cast<size_t>(m)]; }
    const Threshold& operator[](Metric m) const { return by_metric[static_cast<size_t>(m)]; }
    // Applies "METRIC=REL[,ABS]"; `where` prefixes errors ("--threshold").
    void apply(const std::string& spec, const std::string& where);
    // Applies {"METRIC": "REL[,ABS]", ...}.
    void apply_json(const nlohmann::json& object, const std::string& where);
    nlohmann::json to_json() const;  // {"allocs_per_op": {"relative": 0.01, "absolute": 0.001}, ...}
};

struct Budget {
    std::optional<std::string> scenario;  // none: every scenario
    std::optional<std::string> phase;     // none: the measured window
    std::optional<Metric> metric;         // none for no_new_critical_sites
    double max = 0;
    bool no_new_critical_sites = false;
    nlohmann::json source;  // as written, to quote it
};

// Parses a budget array; `where` names the file and key for errors ("b.json: budgets[2]").
std::vector<Budget> parse_budgets(const nlohmann::json& array, const std::string& where);
// Reads a budget file ({"budgets": [...]}); throws GateError naming the file.
std::vector<Budget> load_budget_file(const std::string& path);

}  // namespace allocprof::compare

namespace allocprof::compare {
// A metric value for people: bytes as "72 B" / "25.3 KB", others with 4 significant digits.
std::string format_metric(Metric m, double value);
}  // namespace allocprof::compare
