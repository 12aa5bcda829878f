// analysis_json.h — a RunAnalysis as JSON: the machine form of every number, rule and
// plan item, with the parameters that produced them. Keys are fixed and arrays keep the
// analysis' own order (sites by index, ranks by impact, plan by phase), so the same
// analysis always prints the same text.
#pragma once

#include <nlohmann/json.hpp>

#include "analyzers/run_analyzer.h"

namespace allocprof::analyzers {

nlohmann::json to_json(const WindowMetrics& window);
nlohmann::json to_json(const SiteMetrics& site);
nlohmann::json to_json(const SiteRank& rank);
nlohmann::json to_json(const PlanItem& item);
nlohmann::json to_json(const RunAnalysis& analysis);

}  // namespace allocprof::analyzers
