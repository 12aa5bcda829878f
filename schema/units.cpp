// units.cpp — see units.h.
#include "schema/units.h"

#include <cstdio>

namespace allocprof::units {

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

}  // namespace allocprof::units
