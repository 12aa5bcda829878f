// suppressions.cpp — see suppressions.h.
#include "analyzers/suppressions.h"

#include <fnmatch.h>

#include <fstream>
#include <sstream>

namespace allocprof::analyzers {

namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool matches(const std::string& pattern, std::string_view text) {
    return fnmatch(pattern.c_str(), std::string(text).c_str(), 0) == 0;
}

}  // namespace

std::vector<SuppressionRule> parse_suppressions(std::string_view text, const std::string& origin) {
    std::vector<SuppressionRule> rules;
    size_t number = 0;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        const std::string_view line = trimmed(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++number;
        if (line.empty() || line.front() == '#') continue;
        const std::string where = origin + ":" + std::to_string(number);
        const size_t colon = line.find(':');
        const std::string_view key = colon == std::string_view::npos ? line : trimmed(line.substr(0, colon));
        if (colon == std::string_view::npos || (key != "function" && key != "module"))
            throw SuppressionsError(where + ": expected `function:PATTERN` or `module:PATTERN`, got `" +
                                    std::string(line) + "`");
        const std::string_view pattern = trimmed(line.substr(colon + 1));
        if (pattern.empty()) throw SuppressionsError(where + ": the " + std::string(key) + " pattern is empty");
        rules.push_back({std::string(key), std::string(pattern), where});
    }
    return rules;
}

std::vector<SuppressionRule> read_suppressions(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw SuppressionsError(file.string() + ": cannot read the suppressions file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_suppressions(text.str(), file.string());
}

std::string matching_rule(const std::vector<SuppressionRule>& rules, std::string_view module,
                          std::string_view function) {
    const std::string_view base = module.substr(module.rfind('/') == std::string_view::npos ? 0 : module.rfind('/') + 1);
    for (const SuppressionRule& r : rules) {
        const bool hit = r.key == "function" ? !function.empty() && matches(r.pattern, function)
                                             : !module.empty() && (matches(r.pattern, base) || matches(r.pattern, module));
        if (hit) return r.origin + " (" + r.key + ":" + r.pattern + ")";
    }
    return "";
}

}  // namespace allocprof::analyzers
