// suppressions.h — a user's suppressions file: sites the user knows about and does not want
// ranked (a third-party library's pool, a deliberate cache), taken out of the tiers, the plan
// and the whole run's unfreed totals, as valgrind's and heaptrack's suppressions take theirs
// out of the leak report. The report says how much they took.
//
// The file: one rule per line, `function:GLOB` or `module:GLOB` (fnmatch(3) patterns, `*`
// and `?` crossing `/` and `::`), matched against the site's function (as demangled) or its
// module (the file name, or the full path). Blank lines and lines starting with `#` are
// ignored. Anything else is an error naming the file and line.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace allocprof::analyzers {

class SuppressionsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SuppressionRule {
    std::string key;      // "function" or "module"
    std::string pattern;
    std::string origin;   // "FILE:LINE", for the report
};

// Parses `text` (read from `origin`, for the messages). Throws SuppressionsError.
std::vector<SuppressionRule> parse_suppressions(std::string_view text, const std::string& origin);
// Reads and parses the file. Throws SuppressionsError when it cannot be read or is wrong.
std::vector<SuppressionRule> read_suppressions(const std::filesystem::path& file);

// The first rule that matches the site, as "FILE:LINE (key:pattern)", or "" for none.
std::string matching_rule(const std::vector<SuppressionRule>& rules, std::string_view module,
                          std::string_view function);

}  // namespace allocprof::analyzers
