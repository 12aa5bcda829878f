// markdown_report.h — a Report (report_model.h) as GitHub-flavoured markdown: the eight
// sections of the analysis document, in order, each present even when it has nothing to
// say ("none found"). Deterministic: the same Report gives the same bytes (no clock, no
// locale; the date is the analysis date stored in the database).
//
// Sections: the title block (date, command, machine, tool version, analysis parameters);
// Summary; Baseline allocation rates (table and legend); Key findings; Allocation sites by
// tier; Priority remediation list; Coverage gaps; Next steps.
#pragma once

#include <string>

#include "reports/report_model.h"

namespace allocprof::reports {

std::string render_markdown(const Report& report);

}  // namespace allocprof::reports
