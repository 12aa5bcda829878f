// measured_window.h — the part of a run a scenario measures: a named phase, or the whole
// run minus a warm-up phase, or the whole run. `allocprof suite` stores it per scenario in
// the database (meta key "suite"); compare gates on it and the analysis reads it back.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace allocprof::analyzers {

struct MeasuredWindow {
    std::string measure_phase;  // "" = whole run
    std::string warmup_phase;   // "" = none
};

// The measured window of `scenario` in the stored suite meta ({} when the database has
// none: the whole run).
MeasuredWindow measured_window(const nlohmann::json& suite_meta, const std::string& scenario);

}  // namespace allocprof::analyzers
