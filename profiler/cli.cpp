// cli.cpp — see cli.h.
#include "cli.h"

#include <charconv>
#include <cstdio>
#include <iostream>

namespace allocprof::profiler {

void print_error(const std::string& message) { std::cerr << "allocprof: error: " << message << "\n"; }
void print_warning(const std::string& message) {
    std::cerr << "allocprof: warning: " << message << "\n";
}

std::string format_count(uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    int since_group = static_cast<int>(digits.size() % 3);
    if (since_group == 0) since_group = 3;
    for (char c : digits) {
        if (since_group == 0) {
            out.push_back(',');
            since_group = 3;
        }
        out.push_back(c);
        --since_group;
    }
    return out;
}

std::string format_bytes(uint64_t bytes) {
    static const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), value >= 100 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return buf;
}

uint64_t parse_count(const std::string& option, const std::string& value) {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size())
        throw UsageError(option + " needs a non-negative integer, not '" + value + "'");
    return n;
}

}  // namespace allocprof::profiler

namespace allocprof::profiler {

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

}  // namespace allocprof::profiler
