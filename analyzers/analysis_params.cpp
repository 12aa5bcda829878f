// analysis_params.cpp — see analysis_params.h.
#include "analyzers/analysis_params.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analyzers/cache_budget.h"

namespace allocprof::analyzers {

using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& key, const std::string& what) {
    throw ParamsError(origin + ": " + key + ": " + what);
}

// Reads the keys of one JSON object into fields; rejects keys it was not told about.
class ObjectReader {
public:
    ObjectReader(const json& object, std::string origin, std::string prefix)
        : object_(object), origin_(std::move(origin)), prefix_(std::move(prefix)) {
        if (!object_.is_object())
            fail(origin_, prefix_.empty() ? "(top level)" : prefix_.substr(0, prefix_.size() - 1),
                 "must be a JSON object, got " + object_.dump());
    }
    // Call once every known key was asked for: rejects the others.
    void done() const {
        for (const auto& item : object_.items())
            if (!known_.count(item.key())) fail(origin_, prefix_ + item.key(), "unknown key");
    }

    std::string name(const std::string& key) const { return prefix_ + key; }
    const json* find(const std::string& key) {
        known_.insert(key);
        auto it = object_.find(key);
        return it == object_.end() ? nullptr : &*it;
    }

    void fraction(const std::string& key, double& out, bool allow_zero = false) {
        if (const json* v = find(key)) {
            if (!v->is_number()) fail(origin_, name(key), "must be a number, got " + v->dump());
            double d = v->get<double>();
            if (!(allow_zero ? d >= 0 : d > 0) || d > 1)
                fail(origin_, name(key), std::string("must be a number in ") + (allow_zero ? "[0, 1]" : "(0, 1]") +
                                             ", got " + v->dump());
            out = d;
        }
    }
    void positive(const std::string& key, double& out, double min_inclusive) {
        if (const json* v = find(key)) {
            if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < min_inclusive) {
                std::ostringstream m;
                m << "must be a number >= " << min_inclusive << ", got " << v->dump();
                fail(origin_, name(key), m.str());
            }
            out = v->get<double>();
        }
    }
    template <typename T>
    void integer(const std::string& key, T& out, uint64_t min, uint64_t max) {
        if (const json* v = find(key)) {
            if (!v->is_number_unsigned() || v->get<uint64_t>() < min || v->get<uint64_t>() > max)
                fail(origin_, name(key), "must be an integer in [" + std::to_string(min) + ", " +
                                             std::to_string(max) + "], got " + v->dump());
            out = static_cast<T>(v->get<uint64_t>());
        }
    }
    void boolean(const std::string& key, bool& out) {
        if (const json* v = find(key)) {
            if (!v->is_boolean()) fail(origin_, name(key), "must be true or false, got " + v->dump());
            out = v->get<bool>();
        }
    }

    const std::string& origin() const { return origin_; }

private:
    const json& object_;
    std::string origin_;
    std::string prefix_;
    std::set<std::string> known_;
};

void check_fraction(const std::string& key, double v, bool allow_zero = false) {
    if (!(allow_zero ? v >= 0 : v > 0) || v > 1 || !std::isfinite(v))
        fail("analysis parameters", key, "must be in " + std::string(allow_zero ? "[0, 1]" : "(0, 1]"));
}

}  // namespace

void validate(const AnalysisParams& p) {
    const std::string where = "analysis parameters";
    if (p.gen0_budget == 0) fail(where, "gen0_budget", "must be at least 1 byte");
    if (p.large_object_threshold == 0) fail(where, "large_object_threshold", "must be at least 1 byte");
    if (p.temporary_k.empty() || p.temporary_k.size() > 4) fail(where, "temporary_k", "must list 1 to 4 values");
    for (uint32_t k : p.temporary_k)
        if (k > 64) fail(where, "temporary_k", "values must be at most 64");
    if (p.size_sketch_exact_sizes < 16) fail(where, "size_sketch_exact_sizes", "must be at least 16");
    check_fraction("tiers.critical", p.tiers.critical);
    check_fraction("tiers.high", p.tiers.high);
    check_fraction("tiers.medium", p.tiers.medium);
    check_fraction("tiers.single_site_critical", p.tiers.single_site_critical);
    if (!(p.tiers.critical <= p.tiers.high && p.tiers.high <= p.tiers.medium))
        fail(where, "tiers", "critical <= high <= medium must hold");
    check_fraction("promotion.temporary_fraction", p.promotion.temporary_fraction);
    check_fraction("lifetime.short_lived_fraction", p.lifetime.short_lived_fraction);
    check_fraction("lifetime.phase_scoped_fraction", p.lifetime.phase_scoped_fraction);
    if (p.chains.geometric_min_factor <= 1.0) fail(where, "chains.geometric_min_factor", "must be > 1");
    if (p.chains.geometric_max_spread < 1.0) fail(where, "chains.geometric_max_spread", "must be >= 1");
    if (p.chains.additive_max_spread < 1.0) fail(where, "chains.additive_max_spread", "must be >= 1");
    if (p.chains.min_growth_steps < 1) fail(where, "chains.min_growth_steps", "must be >= 1");
    check_fraction("planner.pool_min_temporary_fraction", p.planner.pool_min_temporary_fraction);
    check_fraction("planner.few_sizes_coverage", p.planner.few_sizes_coverage);
    check_fraction("planner.hoist_min_within_op_fraction", p.planner.hoist_min_within_op_fraction);
    check_fraction("planner.tiers_min_temporary_fraction", p.planner.tiers_min_temporary_fraction);
    check_fraction("planner.peak_min_share", p.planner.peak_min_share);
    check_fraction("planner.growth_min_share", p.planner.growth_min_share);
    check_fraction("planner.negligible_share", p.planner.negligible_share, true);  // 0 lists every item
    if (p.planner.few_sizes < 1) fail(where, "planner.few_sizes", "must be >= 1");
}

AnalysisParams params_from_json(const json& config, const std::string& origin) {
    AnalysisParams p;
    {
        ObjectReader top(config, origin, "");
        if (const json* v = top.find("gen0_budget")) {
            if (v->is_string() && v->get<std::string>() == "auto") {
                AutoBudget a = auto_gen0_budget();
                p.gen0_budget = a.budget;
                p.gen0_budget_rule = a.rule;
            } else if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX)) {
                // Stored with the analysis as SQLite's signed 64-bit integer.
                fail(origin, "gen0_budget", v->dump() + " is not a number allocprof can store (at most " +
                                                std::to_string(INT64_MAX) + ")");
            } else if (v->is_number_unsigned() && v->get<uint64_t>() > 0) {
                p.gen0_budget = v->get<uint64_t>();
                p.gen0_budget_rule = "config";
            } else {
                fail(origin, "gen0_budget", "must be a positive byte count or \"auto\", got " + v->dump());
            }
        }
        if (const json* v = top.find("gen0_budget_rule")) {
            if (!v->is_string()) fail(origin, "gen0_budget_rule", "must be a string, got " + v->dump());
            p.gen0_budget_rule = v->get<std::string>();
        }
        top.integer("large_object_threshold", p.large_object_threshold, 1, uint64_t(INT64_MAX));  // stored signed
        if (const json* v = top.find("temporary_k")) {
            if (!v->is_array() || v->empty() || v->size() > 4)
                fail(origin, "temporary_k", "must be an array of 1 to 4 integers in [0, 64], got " + v->dump());
            p.temporary_k.clear();
            for (const json& k : *v) {
                if (!k.is_number_unsigned() || k.get<uint64_t>() > 64)
                    fail(origin, "temporary_k", "must be an array of 1 to 4 integers in [0, 64], got " + v->dump());
                p.temporary_k.push_back(k.get<uint32_t>());
            }
        }
        top.integer("size_sketch_exact_sizes", p.size_sketch_exact_sizes, 16, 1u << 20);
        if (const json* v = top.find("tiers")) {
            ObjectReader r(*v, origin, "tiers.");
            r.fraction("critical", p.tiers.critical);
            r.fraction("high", p.tiers.high);
            r.fraction("medium", p.tiers.medium);
            r.fraction("single_site_critical", p.tiers.single_site_critical);
            r.done();
        }
        if (const json* v = top.find("promotion")) {
            ObjectReader r(*v, origin, "promotion.");
            r.boolean("leak_slope", p.promotion.leak_slope);
            r.boolean("additive_chain", p.promotion.additive_chain);
            r.fraction("temporary_fraction", p.promotion.temporary_fraction);
            r.positive("temporary_min_allocs_per_op", p.promotion.temporary_min_allocs_per_op, 0);
            r.done();
        }
        if (const json* v = top.find("lifetime")) {
            ObjectReader r(*v, origin, "lifetime.");
            r.fraction("short_lived_fraction", p.lifetime.short_lived_fraction);
            r.fraction("phase_scoped_fraction", p.lifetime.phase_scoped_fraction);
            r.integer("phase_scoped_min_frees", p.lifetime.phase_scoped_min_frees, 1, UINT64_MAX);
            r.done();
        }
        if (const json* v = top.find("chains")) {
            ObjectReader r(*v, origin, "chains.");
            r.positive("geometric_min_factor", p.chains.geometric_min_factor, 1.0);
            r.positive("geometric_max_spread", p.chains.geometric_max_spread, 1.0);
            r.positive("additive_max_spread", p.chains.additive_max_spread, 1.0);
            r.integer("min_growth_steps", p.chains.min_growth_steps, 1, 1000);
            r.integer("inferred_max_between", p.chains.inferred_max_between, 0, 1000);
            r.done();
        }
        if (const json* v = top.find("planner")) {
            ObjectReader r(*v, origin, "planner.");
            r.fraction("pool_min_temporary_fraction", p.planner.pool_min_temporary_fraction);
            r.positive("pool_min_allocs_per_op", p.planner.pool_min_allocs_per_op, 0);
            r.integer("few_sizes", p.planner.few_sizes, 1, 64);
            r.fraction("few_sizes_coverage", p.planner.few_sizes_coverage);
            r.fraction("hoist_min_within_op_fraction", p.planner.hoist_min_within_op_fraction);
            r.positive("hoist_max_allocs_per_op", p.planner.hoist_max_allocs_per_op, 0);
            r.positive("hoist_min_allocs_per_op", p.planner.hoist_min_allocs_per_op, 0);
            r.fraction("tiers_max_chain_share", p.planner.tiers_max_chain_share);
            r.fraction("tiers_min_temporary_fraction", p.planner.tiers_min_temporary_fraction);
            r.fraction("peak_min_share", p.planner.peak_min_share);
            r.fraction("growth_min_share", p.planner.growth_min_share);
            r.fraction("negligible_share", p.planner.negligible_share, true);
            r.integer("max_simulated_sites", p.planner.max_simulated_sites, 0, 100000);
            r.done();
        }
        top.done();
    }
    try {
        validate(p);
    } catch (const ParamsError& e) {
        // Cross-key rules (critical <= high <= medium): same message, this file's name.
        std::string what = e.what();
        const std::string generic = "analysis parameters: ";
        throw ParamsError(origin + ": " + (what.rfind(generic, 0) == 0 ? what.substr(generic.size()) : what));
    }
    return p;
}

AnalysisParams load_params_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ParamsError(path + ": cannot read the analysis config");
    json config;
    try {
        config = json::parse(in);
    } catch (const json::parse_error& e) {
        throw ParamsError(path + ": not valid JSON: " + e.what());
    }
    return params_from_json(config, path);
}

json params_to_json(const AnalysisParams& p) {
    json j;
    j["gen0_budget"] = p.gen0_budget;
    j["gen0_budget_rule"] = p.gen0_budget_rule;
    j["large_object_threshold"] = p.large_object_threshold;
    j["temporary_k"] = p.temporary_k;
    j["size_sketch_exact_sizes"] = p.size_sketch_exact_sizes;
    j["tiers"] = {{"critical", p.tiers.critical},
                  {"high", p.tiers.high},
                  {"medium", p.tiers.medium},
                  {"single_site_critical", p.tiers.single_site_critical}};
    j["promotion"] = {{"leak_slope", p.promotion.leak_slope},
                      {"additive_chain", p.promotion.additive_chain},
                      {"temporary_fraction", p.promotion.temporary_fraction},
                      {"temporary_min_allocs_per_op", p.promotion.temporary_min_allocs_per_op}};
    j["lifetime"] = {{"short_lived_fraction", p.lifetime.short_lived_fraction},
                     {"phase_scoped_fraction", p.lifetime.phase_scoped_fraction},
                     {"phase_scoped_min_frees", p.lifetime.phase_scoped_min_frees}};
    j["chains"] = {{"geometric_min_factor", p.chains.geometric_min_factor},
                   {"geometric_max_spread", p.chains.geometric_max_spread},
                   {"additive_max_spread", p.chains.additive_max_spread},
                   {"min_growth_steps", p.chains.min_growth_steps},
                   {"inferred_max_between", p.chains.inferred_max_between}};
    j["planner"] = {{"pool_min_temporary_fraction", p.planner.pool_min_temporary_fraction},
                    {"pool_min_allocs_per_op", p.planner.pool_min_allocs_per_op},
                    {"few_sizes", p.planner.few_sizes},
                    {"few_sizes_coverage", p.planner.few_sizes_coverage},
                    {"hoist_min_within_op_fraction", p.planner.hoist_min_within_op_fraction},
                    {"hoist_max_allocs_per_op", p.planner.hoist_max_allocs_per_op},
                    {"hoist_min_allocs_per_op", p.planner.hoist_min_allocs_per_op},
                    {"tiers_max_chain_share", p.planner.tiers_max_chain_share},
                    {"tiers_min_temporary_fraction", p.planner.tiers_min_temporary_fraction},
                    {"peak_min_share", p.planner.peak_min_share},
                    {"growth_min_share", p.planner.growth_min_share},
                    {"negligible_share", p.planner.negligible_share},
                    {"max_simulated_sites", p.planner.max_simulated_sites}};
    return j;
}

}  // namespace allocprof::analyzers
