// html_report.h — a Report (report_model.h) as one self-contained HTML page: the title block
// and summary of the markdown report, the baseline table, a flame graph of the allocating
// stacks (by allocations, bytes, live at the peak, unfreed at exit or temporary; inverted or
// not; allocator plumbing, interpreter internals and start-up hidden or not; click to zoom,
// search), memory over time (live heap and RSS with the phases shaded), the sites by tier
// and the plan tables (sortable), coverage gaps and next steps.
//
// Self-contained: the stylesheet and the script (reports/html/, compiled in by CMake) are
// inline, nothing is fetched, so the file opens from disk with no network. Every text from
// the database is escaped for HTML; the stacks and the memory series travel as JSON in a
// <script type="application/json"> element with '<', '>' and '&' escaped, and the script
// draws them when the page loads. Deterministic: the same Report gives the same bytes.
//
// The page's script records any error in <pre id="errors"> and sets data-ready="1" on
// <body> once it has drawn everything (what tests/e2e/report_html_test.cpp checks in
// headless Chromium).
#pragma once

#include <string>
#include <string_view>

#include "reports/report_model.h"

namespace allocprof::reports {

// `report` must be loaded with ReportParts::views (report_loader.h) for the flame graph and
// the memory chart; without them the page says there is nothing to draw.
std::string render_html(const Report& report);

// For other pages of the same look (the suite document): text escaped for HTML; text with
// markdown `code spans` as escaped HTML with <code> elements (a span opens with a run of n
// backticks and closes at the next run of exactly n; one padding space on each side is
// dropped, as report_format.h md_code writes them); the report's stylesheet.
std::string html_escape(std::string_view text);
std::string html_inline(std::string_view text);
const char* html_stylesheet();

}  // namespace allocprof::reports
