// report_loader.h — reads one run's report content (report_model.h) from a run database:
// the runs row, the analysis tables, sites, debug coverage, function calls. Selecting,
// ordering and grouping only: the numbers are the stored ones.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "reports/report_model.h"
#include "schema/run_database.h"

namespace allocprof::reports {

// A database that cannot be reported on (what() names the file and the problem).
class ReportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What to load beyond the analysis document (markdown and JSON need none of it).
struct ReportParts {
    bool views = false;                 // stacks (flame graph), memory series and phases
    size_t max_stacks = 5000;           // the heaviest stacks kept in Report::stacks
};

// The report of `run_id`. The caller guarantees analyzers::has_analysis(db, run_id); throws
// schema::DatabaseError when the stored analysis is inconsistent (no whole-run window).
Report load_report(schema::Database& db, int64_t run_id, const ReportParts& parts = {});

}  // namespace allocprof::reports
