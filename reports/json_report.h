// json_report.h — a Report (report_model.h) as JSON: the markdown report's content for
// machines, with stable keys. Numbers are the stored ones, unformatted (bytes as integers,
// rates as doubles); text fields may hold `code spans` in backticks. The structure is
// documented in cli/report_command.cpp and README.md ("Reports").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "reports/report_model.h"

namespace allocprof::reports {

// The document; "format_version" changes when a key is renamed or removed.
inline constexpr int kReportFormatVersion = 1;

nlohmann::json report_to_json(const Report& report);
// report_to_json, indented by 2, with a final newline.
std::string render_json(const Report& report);

}  // namespace allocprof::reports
