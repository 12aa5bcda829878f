// cli.h — what every command shares: the exit codes, how a command registers itself with
// the option parser (CLI11), the options several commands take, and how output goes to a
// file or stdout.
//
// A command file defines add_<name>_command(app, run): it adds its subcommand with its
// options bound to an options struct of its own, and, when the subcommand is chosen, sets
// `run` to the work. main.cpp parses, then calls `run`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json_fwd.hpp>

#include "schema/run_database.h"
#include "schema/units.h"
#include "analyzers/run_analysis.h"
#include "symbolize/run_symbolizer.h"

namespace allocprof::cli {

// Exit status (README.md, "Exit status").
inline constexpr int kExitOk = 0;
inline constexpr int kExitFinding = 1;   // a regression or a budget exceeded
inline constexpr int kExitBadInput = 2;  // bad usage or bad input
inline constexpr int kExitRecordFailure = 125;  // record: allocprof's own failure

// A wrong command line found after parsing (an option that needs another); main prints it
// with the command's help hint and exits 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using CommandRun = std::function<int()>;

void add_record_command(CLI::App& app, CommandRun& run);
void add_summary_command(CLI::App& app, CommandRun& run);
void add_symbolize_command(CLI::App& app, CommandRun& run);
void add_top_command(CLI::App& app, CommandRun& run);
void add_analyze_command(CLI::App& app, CommandRun& run);
void add_report_command(CLI::App& app, CommandRun& run);
void add_suite_command(CLI::App& app, CommandRun& run);
void add_compare_command(CLI::App& app, CommandRun& run);
void add_check_command(CLI::App& app, CommandRun& run);
void add_heap_command(CLI::App& app, CommandRun& run);
void add_export_command(CLI::App& app, CommandRun& run);
void add_import_command(CLI::App& app, CommandRun& run);
// Hidden: the shell completion script, written from `app`'s commands and options.
void add_completion_command(CLI::App& app, CommandRun& run);

// The target's command line of `record`, everything after its options (or after "--"):
// main takes it out of argv before parsing, since it is not allocprof's to parse.
std::vector<std::string>& record_target_command();

// Analyses, in place, every run of the database at `path` that has no analysis yet, with
// `params` (another file's stored parameters) when given; stderr says so. A run that cannot
// be analysed is an error saying `needed_by` ("compare", "check") needs its analysis.
// analyzers::analyze_stored_run with its notices on stderr and, on a terminal, a status
// line while the events are replayed (erased before anything else is printed).
analyzers::AnalyzeResult analyze_with_status(schema::Database& db, int64_t run_id, analyzers::AnalyzeSettings settings);

void analyze_missing(const std::string& path, const std::optional<nlohmann::json>& params,
                     const std::string& needed_by);

// Prints "allocprof: error: <message>" on stderr.
void print_error(const std::string& message);
void print_warning(const std::string& message);

using units::format_bytes;
using units::format_count;

// ---- options several commands take ---------------------------------------------------------

// The database file, a required positional argument.
CLI::Option* add_file(CLI::App* command, std::string& file, const std::string& what = "the run database");
// --run ID: one run of the file (default given by the command).
CLI::Option* add_run(CLI::App* command, std::optional<int64_t>& run, const std::string& what);
// -o/--output FILE, "-" for stdout.
CLI::Option* add_output(CLI::App* command, std::optional<std::string>& output, const std::string& what);
// --format F from `formats` (the first is the default; "markdown" is taken for "md"), and
// --json as a shorthand for --format json when "json" is one of them. Its validator is named
// by the list ("{md,json}"), as CLI::IsMember describes its own, for the shell completion.
void add_format(CLI::App* command, std::string& format, const std::vector<std::string>& formats);
// A count: a non-negative integer no larger than INT64_MAX (what SQLite stores).
CLI::Validator count_validator();

// Writes `text` to `output` ("-" or none: stdout). The file is written whole or not at all
// (a temporary file in the same folder, renamed into place). Throws naming the file.
void write_output(const std::optional<std::string>& output, const std::string& text, const std::string& what);

// write_output for a file the user may have had before: an existing `output` is replaced
// only with `force` (else a one-line error naming it), and never when it is `input`.
void write_new_output(const std::optional<std::string>& output, const std::string& text, const std::string& what,
                      bool force, const std::string& input);

// symbolize::symbolize_run with a status line on a terminal while addresses are looked up,
// and there, when done, one line: "allocprof: symbolized run 1: 40,000 addresses (...)".
symbolize::SymbolizeResult symbolize_with_status(schema::Database& db, int64_t run_id,
                                                 symbolize::SymbolizeOptions options);

// Symbolizes run `run_id` of `file` first when `why` is not empty ("was never symbolized"),
// saying so on stderr; `db` is reopened writable for it.
void symbolize_first(std::optional<schema::Database>& db, const std::string& file, int64_t run_id,
                     const std::string& why);

// The closest of `candidates` to `word` (a typo's likely meaning), or "" when none is close.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace allocprof::cli
