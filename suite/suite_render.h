// suite_render.h — the suite document (suite_document.h) as markdown, HTML and JSON.
//
// Markdown and HTML are one layout (headings, paragraphs, lists and tables built once, then
// written in either syntax), so both carry the same text; HTML is one self-contained page.
// JSON carries the numbers unrounded, "format": "allocprof-suite-report" with its
// "format_version". Pure functions of the document: the same database renders the same bytes.
//
// Sections, each present even when empty: the summary, the baseline (one row per
// scenario) and its legend, the site inventory across the suite (tiers, per-scenario
// figures), the phased plan, the missing benchmark coverage, the existing allocation
// infrastructure, next steps.
// Its JSON schema is docs/schemas/allocprof-suite-report.schema.json: a key added, renamed or removed here
// changes it too (tests/e2e/json_schema_test.cpp checks real output against it).
#pragma once

#include <string>

#include "suite/suite_document.h"

namespace allocprof::suite {

inline constexpr int kSuiteReportFormatVersion = 1;

std::string render_suite_markdown(const SuiteDocument& doc);
std::string render_suite_html(const SuiteDocument& doc);
std::string render_suite_json(const SuiteDocument& doc);

}  // namespace allocprof::suite
