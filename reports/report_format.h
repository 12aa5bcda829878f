// report_format.h — how report text looks: the numbers of schema/units.h, the lines every
// format shares (parameters, savings, gaps) and markdown escaping. Pure functions of their arguments (no locale, no clock), so the
// same database always renders the same text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reports/report_model.h"
#include "schema/units.h"

namespace allocprof::reports {

// Numbers are written by schema/units.h, the one convention of every output.
using units::cell_bytes;
using units::cell_percent;
using units::cell_rate;
using units::format_bytes;
using units::format_count;
using units::format_percent;
using units::format_rate;

// A baseline row's Ops cell: the count, "105 (run's)" for a phase without ops of its own
// (its per-op figures divide by the run's ops), "-" for a window without any.
std::string ops_cell(const WindowRow& w);
// A "per 1k ops" cell of a row: the rate, with " per run" when the window counted no ops.
std::string per_1k_cell(double value, const WindowRow& w);

// The interpreter's real collections per 1000 ops of a window: "lua 12.5", or per
// generation "python g0 40.1, g1 3.6, g2 0.3"; "-" when there are none.
std::string format_gc(const std::vector<GcRow>& gc);
// "function (file:line)" of a script location, "[C] function" style kept as Lua names it.
std::string format_script_location(const ScriptSiteRow& s);
// Nanoseconds since the epoch as "YYYY-MM-DD HH:MM:SS UTC".
std::string format_utc(int64_t unix_ns);
// argv as one shell-like line: arguments with spaces or quotes are single-quoted.
std::string format_command(const std::vector<std::string>& argv);

// Text for a markdown table cell: '|' escaped, newlines as spaces, and HTML as text (md_text).
std::string md_cell(std::string_view text);
// Markdown text with '<' and '&' outside code spans as entities where markdown would read
// HTML from them: raw HTML in a name the target chose is shown as text.
std::string md_text(std::string_view text);
// A code span that survives any content (backticks inside get a longer fence).
std::string md_code(std::string_view text);

// Shared by the renderers (plain text; each renderer escapes it for its format).
// "12 %" of part/whole, "-" when whole is 0.
std::string format_ratio(int64_t part, int64_t whole);
// "1 site", "3 sites".
std::string format_plural(int64_t n, const std::string& one, const std::string& many);
// The analysis parameters in one line: B0, L, K and the tier thresholds.
std::string format_parameters(const AnalysisInfo& analysis);
// The plan's phases as every format titles them, and the sentence that introduces them.
struct PlanPhase {
    int64_t phase;
    const char* title;
};
inline constexpr PlanPhase kPlanPhases[] = {
    {2, "Phase 2: immediate (critical and high sites, low-risk changes)"},
    {3, "Phase 3: medium risk or medium tier"},
    {4, "Phase 4: the rest"}};
inline constexpr const char* kPlanIntro =
    "Phase 1 is the baseline above. One item per target (a site, or the lines of one function "
    "that call for the same change): its best-supported change, with the "
    "other changes its evidence allows listed as alternatives. The expected saving is what "
    "that change removes, with the items before it already done, so savings add up: the "
    "cumulative column is the plan's running total. Priorities are numbered in order of "
    "saving within a phase (P1.n: Phase 2, P2.n: Phase 3, P3.n: Phase 4).";

// How the run ended ("exit status 0", "killed by signal 9, truncated") and how long it
// took ("0.52 s", "?" when unknown).
std::string format_run_end(const RunInfo& run);
std::string format_run_duration(const RunInfo& run);

// The source-aware section, as every format titles and words it. Texts may hold
// `code spans` in backticks, like Gap::text.
inline constexpr const char* kSourceGapsTitle = "Coverage gaps — allocates, but no scenario runs it";
// What the source analysis covered (or how to run one); one sentence.
std::string format_source_summary(const Report& r);
// A file that could not be analysed, with its reason.
std::string format_source_failure(const SourceAnalysis::Failure& f);
// The sentence when the source tree has no gap.
inline constexpr const char* kNoSourceGaps =
    "none found: every function of the sources that allocates appears in a recorded stack.";
// A gap's "file:line" and its construct kinds ("container_growth, string_concat").
std::string format_gap_location(const SourceGapRow& g);
std::string format_gap_kinds(const SourceGapRow& g);
// Rows a table of gaps shows before the rest is counted: "... and N more (all of them:
// `allocprof report --format json`)." ("" when all are shown).
inline constexpr size_t kSourceGapRows = 20;
std::string format_more_source_gaps(const Report& r);

// A plan item's expected saving; `gen0_star` is how the format writes "Gen0*". Per op, or
// per run when `run` counted no ops (then Gen0* is written as the baseline's column is).
std::string format_saving(const PlanRow& item, const WindowRow& run, const char* gen0_star);
// The plan's running total after the item ("cumulative: 12.3 allocs/op (54 %), ..."; per run
// when `run` counted no ops).
std::string format_cumulative(const PlanRow& item, const WindowRow& run);
// The item's alternatives, "also possible: use a pool ...; reduce the peak ..."; '' without
// any. (The kinds stay in the JSON report.)
std::string format_alternatives(const PlanRow& item);
// The other lines an item covers (its also_sites, same function, same change): "also lines
// 34, 33" when they are in the item's file, else "also file:line, ..."; '' without any.
std::string format_also_sites(const Report& r, const PlanRow& item);
// "N more items would each save under 0.5 % of every metric (not listed)."; '' when none.
std::string format_negligible(const Report& r);
// The runtime sites in one line; '' when there are none. Names are `code spans`.
std::string format_runtime(const Report& r);
// The suppressed sites as one line, "Suppressed: 2 sites matched ..."; '' without any.
std::string format_suppressed(const Report& r);

}  // namespace allocprof::reports
