// source_loader.h — the source-aware part of a report: the stored source analysis
// of a run (source_analysis), what each site does (site_sources, into SiteRow::source) and
// the coverage gaps of the source tree (source_coverage_gaps). Nothing is loaded for a run
// analysed without a source root, or a file that predates the tables.
#pragma once

#include <cstdint>

#include "reports/report_model.h"
#include "schema/run_database.h"

namespace allocprof::reports {

// Fills r.source, r.source_gaps and the sites' `source`; r.sites must be loaded.
void load_source_analysis(schema::Database& db, int64_t run_id, Report& r);

}  // namespace allocprof::reports
