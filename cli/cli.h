// cli.h — what every subcommand shares: its signature, usage errors, and the exit codes
// of every command (README.md, "Exit status").
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "schema/units.h"

namespace allocprof::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFinding = 1;   // a regression or a budget exceeded
inline constexpr int kExitBadInput = 2;  // bad usage or bad input
inline constexpr int kExitRecordFailure = 125;  // record: allocprof's own failure

// Thrown for a wrong command line; main prints it with the command's usage hint.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using Arguments = std::vector<std::string>;

int record_command(const Arguments& args);
int summary_command(const Arguments& args);
int symbolize_command(const Arguments& args);
int top_command(const Arguments& args);
int analyze_command(const Arguments& args);
int report_command(const Arguments& args);
int suite_command(const Arguments& args);
int compare_command(const Arguments& args);

// Prints "allocprof: error: <message>" on stderr.
void print_error(const std::string& message);
void print_warning(const std::string& message);

using units::format_bytes;
using units::format_count;

// Parses a non-negative integer option value; throws UsageError naming the option.
uint64_t parse_count(const std::string& option, const std::string& value);

// Walks the arguments of a subcommand that takes options and one database file:
//
//   ArgReader a(args, "report");
//   while (a.next()) {
//       if (a.help()) ...;
//       else if (a.is("--format")) format = a.value();
//       else a.file(file);          // the file, or a usage error for anything else
//   }
//   a.require(file);
class ArgReader {
public:
    ArgReader(const Arguments& args, std::string command)
        : args_(args), command_(std::move(command)) {}
    bool next() { return ++i_ < args_.size(); }
    const std::string& arg() const { return args_[i_]; }
    bool is(const char* option) const { return args_[i_] == option; }
    bool help() const { return is("-h") || is("--help"); }
    // The value after the current option; a usage error if there is none.
    const std::string& value();
    uint64_t count_value() { return parse_count(args_[i_], value()); }
    // Takes the current argument as the database file: an unknown option or a second file
    // is a usage error.
    void file(std::string& path);
    void require(const std::string& path) const;

private:
    const Arguments& args_;
    std::string command_;
    size_t i_ = size_t(-1);
};

}  // namespace allocprof::cli
