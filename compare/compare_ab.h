// compare_ab.h — two configurations of one program side by side (`allocprof compare A B
// --ab`): per scenario (paired by name, as compare pairs them) and per analysis window (the
// whole run and each phase name), A's figure, B's and the change, then the sites whose bytes
// allocated differ most. No thresholds, no verdict: the figures and their differences only.
// The rendering is in compare_ab_render.h.
//
// A side's figures of a window are the mean over the scenario's runs that have it:
// allocations, allocations/op and bytes/op from the stored analysis (analysis_windows), the
// peak of live bytes, the live blocks at that peak and the heap needed (the window's most)
// under an allocator model from the heap replay of the run's events (analyzers/heap_report.h,
// as `allocprof heap` computes them). Every run has its events: a run recorded without them
// has no analysis, and compare refuses it.
//
// Sites pair as compare pairs them (compare_data.h: pairing keys, then function keys); a
// site's figures are its allocations and bytes allocated over the whole run, per run. The
// sites listed are the top N by the absolute change in bytes allocated (ties: the change in
// allocations, then the order of A's sites), sites only in A or only in B among them.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/heap_model.h"
#include "compare/compare_data.h"

namespace allocprof::compare {

// The figures of a window, in table order.
enum class AbFigure {
    kAllocations,
    kAllocsPerOp,
    kBytesPerOp,
    kPeakLiveBytes,
    kPeakLiveBlocks,
    kHeapNeeded
};
inline constexpr size_t kAbFigureCount = 6;
inline constexpr std::array<AbFigure, kAbFigureCount> kAbFigures = {
    AbFigure::kAllocations,   AbFigure::kAllocsPerOp,    AbFigure::kBytesPerOp,
    AbFigure::kPeakLiveBytes, AbFigure::kPeakLiveBlocks, AbFigure::kHeapNeeded};
// JSON key: "allocations", "allocs_per_op", "bytes_per_op", "peak_live_bytes",
// "peak_live_blocks", "heap_needed_bytes".
const char* ab_figure_name(AbFigure f);
// Table label: "allocations", "allocations/op", ...
const char* ab_figure_label(AbFigure f);
bool ab_figure_is_bytes(AbFigure f);

// One side of one window: each figure, or none (the side has no such window).
struct AbWindowValues {
    std::string name;  // "" for the whole run
    std::array<std::optional<double>, kAbFigureCount> value{};
    bool per_run = false;  // no ops counted: per-op figures are per run
};

// One side of one scenario, as read from its database.
struct AbInput {
    size_t runs = 0;
    std::vector<AbWindowValues> windows;  // the whole run first, then phases by first beginning
    std::vector<SiteAggregate> sites;
};

// A figure on both sides.
struct AbChange {
    std::optional<double> a, b;
    std::optional<double> change;   // b - a, when both are there
    std::optional<double> percent;  // 100 x change / a, when a is not 0
};

struct AbWindow {
    std::string name;  // "" for the whole run
    bool a_per_run = false, b_per_run = false;
    std::array<AbChange, kAbFigureCount> figures;
};

struct AbSite {
    std::string paired_by;  // "site_key", "function_key", "" (only in A or only in B)
    std::optional<SiteAggregate> a, b;
    AbChange allocations, bytes_allocated;  // a missing side counts 0
};

struct AbScenario {
    std::string name;
    size_t a_runs = 0, b_runs = 0;
    std::vector<AbWindow> windows;  // A's windows in order, then those only B has
    std::vector<AbSite> sites;      // the top N, by |change in bytes allocated|
    size_t sites_paired = 0, sites_only_in_a = 0, sites_only_in_b = 0;  // over all sites
    size_t sites_differing = 0;  // sites whose allocations or bytes differ
};

struct AbComparison {
    std::string a_path, b_path;
    analyzers::HeapModel model;
    size_t top_sites = 10;
    std::vector<AbScenario> scenarios;
    std::vector<std::string> only_in_a, only_in_b;  // scenario names
    std::vector<std::string> notes;
};

// The change of one figure.
AbChange ab_change(std::optional<double> a, std::optional<double> b);

// One scenario from both sides' inputs: the windows paired by name, the sites paired and
// the `top_sites` that differ most. Pure: no database.
AbScenario ab_scenario(const std::string& name, const AbInput& a, const AbInput& b,
                       size_t top_sites);

// One side of scenario `runs` of `db`: the stored analysis of every run (the caller made sure
// each has one) and the heap replay of each under `model`.
AbInput ab_input(schema::Database& db, const std::vector<int64_t>& runs,
                 const analyzers::HeapModel& model);

// Both files, every scenario they share. Throws std::runtime_error for a run the heap replay
// refuses, schema::DatabaseError for damaged events.
AbComparison compare_ab(schema::Database& a, schema::Database& b, const analyzers::HeapModel& model,
                        size_t top_sites);

}  // namespace allocprof::compare
