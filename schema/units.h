// units.h — how every number a user reads is written: counts, bytes, rates, percents.
// One convention everywhere (reports, plan evidence, compare, the terminal):
//   - bytes with binary multiples written as BenchmarkDotNet writes them: 1 KB = 1024 B,
//     "824 B", "25.3 KB", "4.1 MB" (three significant digits, never "KiB");
//   - counts with thousands separators: "1,234,567".
// The stored columns are in plain units (schema/allocprof_v1.sql); only text is shaped here.
#pragma once

#include <cstdint>
#include <string>

namespace allocprof::units {

// 1234567 -> "1,234,567".
std::string format_count(uint64_t n);
// Bytes with 1 KB = 1024 B: "824 B", "25.3 KB", "4.1 MB", "1.2 GB".
std::string format_bytes(uint64_t bytes);

}  // namespace allocprof::units
