// units.h — how every number a user reads is written: counts, bytes, rates, percents. One
// convention everywhere (reports, plan evidence, tier rules, compare, the terminal):
//   - bytes with 1 KB = 1024 B, as BenchmarkDotNet writes them: "824 B", "25.3 KB",
//     "4.1 MB"; three significant digits (values of 100 or more of a unit have no
//     decimals); a fraction of a byte (a per-op value) rounds to the nearest byte;
//   - counts with thousands separators: "1,234,567";
//   - rates (per op, per 1000 ops) with a few significant digits: "1,234", "123", "12.3",
//     "1.23", and "< 0.01" below;
//   - percents of a fraction: "89 %", "1.2 %", and "< 0.1 %" below 0.1 %.
// The cell_ forms are for table cells, where a zero reads better as "-".
// The stored columns are in plain units (schema/allocprof_v2.sql); only text is shaped here.
// Pure functions of their arguments (no locale), so one database always renders the same.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

namespace allocprof::units {

std::string bytes_text(double bytes);
std::string count_text(int64_t n);

// Bytes: 0 -> "0 B", 824 -> "824 B", 25907 -> "25.3 KB".
template <typename T>
    requires std::is_arithmetic_v<T>
std::string format_bytes(T bytes) {
    return bytes_text(static_cast<double>(bytes));
}
// 1234567 -> "1,234,567".
template <typename T>
    requires std::is_integral_v<T>
std::string format_count(T n) {
    return count_text(static_cast<int64_t>(n));
}
// A rate: 0 -> "0"; >= 1000 -> grouped integer; >= 100 -> "123"; >= 10 -> "12.3";
// >= 0.01 -> "1.23"; below -> "< 0.01" (or "> -0.01").
std::string format_rate(double value);
// A fraction as a percentage: 0 -> "0 %", 0.8929 -> "89 %", 0.0123 -> "1.2 %",
// below 0.001 -> "< 0.1 %".
std::string format_percent(double fraction);

// A relative change, signed: 0.053 -> "+5.3 %", -0.12 -> "-12 %", 0 -> "0 %".
std::string format_change(double fraction);

// The same for table cells: 0 (after rounding, for bytes) -> "-".
std::string cell_bytes(double bytes);
std::string cell_rate(double value);
std::string cell_percent(double fraction);

}  // namespace allocprof::units
