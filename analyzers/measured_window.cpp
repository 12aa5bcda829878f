// measured_window.cpp — see measured_window.h.
#include "analyzers/measured_window.h"

namespace allocprof::analyzers {

MeasuredWindow measured_window(const nlohmann::json& meta, const std::string& scenario) {
    MeasuredWindow w;
    if (!meta.is_object() || !meta.contains("scenarios") || !meta["scenarios"].contains(scenario)) return w;
    const nlohmann::json& s = meta["scenarios"][scenario];
    if (s.contains("measure_phase") && s["measure_phase"].is_string()) w.measure_phase = s["measure_phase"];
    if (s.contains("warmup_phase") && s["warmup_phase"].is_string()) w.warmup_phase = s["warmup_phase"];
    return w;
}

}  // namespace allocprof::analyzers
