// units.cpp — see units.h.
#include "schema/units.h"

#include <cmath>
#include <cstdio>

namespace allocprof::units {

std::string bytes_text(double bytes) {
    static const char* const units[] = {"B", "KB", "MB", "GB", "TB"};
    double value = std::round(bytes);
    const bool negative = value < 0;
    value = std::fabs(value);
    std::string sign = negative ? "-" : "";
    if (value < 1024.0) return sign + std::to_string(static_cast<int64_t>(value)) + " B";
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    char buf[48];
    std::snprintf(buf, sizeof(buf), value >= 100 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return sign + buf;
}

std::string count_text(int64_t n) {
    const uint64_t magnitude = n < 0 ? uint64_t(0) - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
    const std::string digits = std::to_string(magnitude);
    std::string out = n < 0 ? "-" : "";
    size_t lead = digits.size() % 3;
    if (lead == 0) lead = 3;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i == lead || (i > lead && (i - lead) % 3 == 0)) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

std::string format_rate(double value) {
    if (value == 0) return "0";
    char buf[48];
    const double a = std::fabs(value);
    if (a >= 1000) return count_text(static_cast<int64_t>(std::llround(value)));
    if (a >= 100)
        std::snprintf(buf, sizeof(buf), "%.0f", value);
    else if (a >= 10)
        std::snprintf(buf, sizeof(buf), "%.1f", value);
    else if (a >= 0.01)
        std::snprintf(buf, sizeof(buf), "%.2f", value);
    else
        return value < 0 ? "> -0.01" : "< 0.01";
    return buf;
}

std::string format_percent(double fraction) {
    const double p = fraction * 100.0;
    char buf[32];
    if (p == 0) return "0 %";
    if (p < 0.1) return "< 0.1 %";
    std::snprintf(buf, sizeof(buf), p < 10 ? "%.1f %%" : "%.0f %%", p);
    return buf;
}

std::string format_change(double fraction) {
    if (fraction == 0) return "0 %";
    const std::string sign = fraction > 0 ? "+" : "-";
    const std::string magnitude = format_percent(std::fabs(fraction));
    return sign + magnitude;
}

std::string cell_bytes(double bytes) { return std::round(bytes) == 0 ? "-" : bytes_text(bytes); }
std::string cell_rate(double value) { return value == 0 ? "-" : format_rate(value); }
std::string cell_percent(double fraction) { return fraction == 0 ? "-" : format_percent(fraction); }

}  // namespace allocprof::units
