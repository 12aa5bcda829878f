// Parameters: defaults, JSON round trip, errors that name the key, and the auto budget.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analyzers/analysis_params.h"
#include "analyzers/cache_budget.h"

namespace allocprof::analyzers {
namespace {

using nlohmann::json;

std::string error_of(const json& config) {
    try {
        params_from_json(config, "test.json");
    } catch (const ParamsError& e) {
        return e.what();
    }
    return "";
}

TEST(AnalysisParams, Defaults) {
    AnalysisParams p;
    EXPECT_EQ(p.gen0_budget, 8u << 20);
    EXPECT_EQ(p.large_object_threshold, 85000u);
    EXPECT_EQ(p.temporary_k, (std::vector<uint32_t>{0, 1}));
    EXPECT_EQ(params_from_json(json::object(), "x"), p);
}

TEST(AnalysisParams, JsonRoundTrip) {
    AnalysisParams p = params_from_json(
        json::parse(R"({"gen0_budget": 4194304, "tiers": {"high": 0.75}, "temporary_k": [0, 2],
                        "chains": {"geometric_min_factor": 1.5}, "planner": {"few_sizes": 2}})"),
        "test.json");
    EXPECT_EQ(p.gen0_budget, 4194304u);
    EXPECT_EQ(p.gen0_budget_rule, "config");
    EXPECT_DOUBLE_EQ(p.tiers.high, 0.75);
    EXPECT_EQ(p.temporary_k, (std::vector<uint32_t>{0, 2}));
    EXPECT_EQ(p.planner.few_sizes, 2u);
    AnalysisParams back = params_from_json(params_to_json(p), "saved");
    EXPECT_EQ(back, p);
    EXPECT_EQ(params_to_json(back).dump(), params_to_json(p).dump());
}

TEST(AnalysisParams, ErrorsNameTheKey) {
    EXPECT_EQ(error_of(json::parse(R"({"tiers": {"hihg": 0.8}})")), "test.json: tiers.hihg: unknown key");
    EXPECT_EQ(error_of(json::parse(R"({"gen0_budjet": 1})")), "test.json: gen0_budjet: unknown key");
    EXPECT_EQ(error_of(json::parse(R"({"gen0_budget": -5})")),
              "test.json: gen0_budget: must be a positive byte count or \"auto\", got -5");
    EXPECT_EQ(error_of(json::parse(R"({"tiers": {"high": 1.5}})")),
              "test.json: tiers.high: must be a number in (0, 1], got 1.5");
    EXPECT_EQ(error_of(json::parse(R"({"tiers": {"critical": 0.9}})")),
              "test.json: tiers: critical <= high <= medium must hold");
    EXPECT_EQ(error_of(json::parse(R"({"temporary_k": [0, 1, 2, 3, 4]})")),
              "test.json: temporary_k: must be an array of 1 to 4 integers in [0, 64], got [0,1,2,3,4]");
    EXPECT_EQ(error_of(json::parse(R"({"promotion": {"leak_slope": "yes"}})")),
              "test.json: promotion.leak_slope: must be true or false, got \"yes\"");
    EXPECT_EQ(error_of(json::parse(R"({"chains": 3})")), "test.json: chains: must be a JSON object, got 3");
    EXPECT_EQ(error_of(json::parse("[1]")), "test.json: (top level): must be a JSON object, got [1]");
}

TEST(AnalysisParams, FileErrors) {
    EXPECT_THROW(load_params_file("/nonexistent/allocprof.json"), ParamsError);
    std::string path = (std::filesystem::temp_directory_path() / ("allocprof-params-" + std::to_string(getpid()))).string();
    {
        std::ofstream(path) << "{ not json";
    }
    try {
        load_params_file(path);
        ADD_FAILURE() << "no error";
    } catch (const ParamsError& e) {
        EXPECT_EQ(std::string(e.what()).rfind(path + ": not valid JSON", 0), 0u) << e.what();
    }
    std::filesystem::remove(path);
}

TEST(CacheBudget, WorkstationRule) {
    // 32 MiB LLC, plenty of memory: max(4/5 * 32 MiB, 256 KiB) = 26843545, / 8 * 5 = 16777215.
    EXPECT_EQ(workstation_gen0_budget(32u << 20, 64ull << 30), 16777215u);
    // No cache known: the 256 KiB floor, * 5/8 = 160 KiB.
    EXPECT_EQ(workstation_gen0_budget(0, 64ull << 30), 160u << 10);
    // Little memory (60 MiB / 6 = 10 MiB < 25.6 MiB): halved once, which falls below the
    // cache size, so .NET settles on the cache size itself: 32 MiB * 5/8 = 20 MiB.
    EXPECT_EQ(workstation_gen0_budget(32u << 20, 60u << 20), 20u << 20);
}

TEST(CacheBudget, ReadsTheLastLevelCacheFromSysfs) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("allocprof-cache-" + std::to_string(getpid()));
    auto index = [&](const char* name, const char* level, const char* type, const char* size) {
        fs::create_directories(dir / name);
        std::ofstream(dir / name / "level") << level << "\n";
        std::ofstream(dir / name / "type") << type << "\n";
        std::ofstream(dir / name / "size") << size << "\n";
    };
    index("index0", "1", "Data", "48K");
    index("index1", "1", "Instruction", "32K");
    index("index2", "2", "Unified", "1024K");
    index("index3", "3", "Unified", "32768K");
    EXPECT_EQ(last_level_cache_bytes(dir.string()), 32u << 20);
    AutoBudget a = auto_gen0_budget(dir.string(), 64ull << 30);
    EXPECT_EQ(a.llc_bytes, 32u << 20);
    EXPECT_EQ(a.budget, 16777215u);
    EXPECT_NE(a.rule.find(".NET workstation rule"), std::string::npos);
    fs::remove_all(dir);

    AutoBudget none = auto_gen0_budget(dir.string(), 64ull << 30);  // gone: the fallback
    EXPECT_EQ(none.budget, kDefaultGen0Budget);
    EXPECT_NE(none.rule.find("default"), std::string::npos);
}

TEST(CacheBudget, AutoInAConfig) {
    AnalysisParams p = params_from_json(json::parse(R"({"gen0_budget": "auto"})"), "x");
    EXPECT_GT(p.gen0_budget, 0u);
    EXPECT_EQ(p.gen0_budget_rule.rfind("auto:", 0), 0u);
}

}  // namespace
}  // namespace allocprof::analyzers
