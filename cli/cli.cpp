// cli.cpp — see cli.h.
#include "cli/cli.h"

#include <charconv>
#include <cstdio>
#include <iostream>

namespace allocprof::cli {

void print_error(const std::string& message) { std::cerr << "allocprof: error: " << message << "\n"; }
void print_warning(const std::string& message) {
    std::cerr << "allocprof: warning: " << message << "\n";
}

uint64_t parse_count(const std::string& option, const std::string& value) {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size())
        throw UsageError(option + " needs a non-negative integer, not '" + value + "'");
    return n;
}

}  // namespace allocprof::cli

namespace allocprof::cli {

const std::string& ArgReader::value() {
    if (i_ + 1 >= args_.size()) throw UsageError(args_[i_] + " needs a value");
    return args_[++i_];
}

void ArgReader::file(std::string& path) {
    const std::string& a = args_[i_];
    if (!a.empty() && a[0] == '-') throw UsageError("unknown option '" + a + "' for " + command_);
    if (!path.empty()) throw UsageError(command_ + " takes one database file");
    path = a;
}

void ArgReader::require(const std::string& path) const {
    if (path.empty()) throw UsageError(command_ + " needs a database file");
}

}  // namespace allocprof::cli
