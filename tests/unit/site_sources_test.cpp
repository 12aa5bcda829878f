// The run side of source-aware analysis (analyzers/source/site_sources.h,
// analyzers/source/source_options.h): which function names a recorded frame covers, the fallback
// construct of a site whose line holds none, and the "source" section of the config file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analyzers/source/site_sources.h"
#include "analyzers/source/source_options.h"

namespace allocprof::analyzers::source {
namespace {

namespace src = allocprof::analyzers::source;
using nlohmann::json;

TEST(SiteSources, AFrameCoversItsFunctionAndALambdaItsEnclosingOne) {
    EXPECT_EQ(covered_names("(anonymous namespace)::build_list(long)"),
              std::vector<std::string>{"(anonymous namespace)::build_list"});
    EXPECT_EQ(covered_names("Interp::call(int) const"), std::vector<std::string>{"Interp::call"});
    EXPECT_EQ(covered_names("(anonymous namespace)::make_callback(long, long, long)::{lambda(long)#1}::operator()(long) const"),
              (std::vector<std::string>{
                  "(anonymous namespace)::make_callback(long, long, long)::{lambda(long)#1}::operator()",
                  "(anonymous namespace)::make_callback"}));
}

TEST(SiteSources, AnInstanceOfAFunctionTemplateCoversTheTemplate) {
    EXPECT_EQ(covered_names("double* make_array<double>(unsigned long)"),
              (std::vector<std::string>{"make_array<double>", "make_array"}));
    // Template arguments of a class are part of the member's name in the inventory too.
    EXPECT_EQ(covered_names("Pool<int>::grow(unsigned long)"), std::vector<std::string>{"Pool<int>::grow"});
}

src::SourceConstruct construct(const std::string& function, uint32_t line) {
    src::SourceConstruct c;
    c.kind = "new";
    c.function = function;
    c.line = line;
    return c;
}

TEST(SiteSources, ASiteOffItsLineTakesItsFunctionsOnlyConstruct) {
    src::FileAnalysis a;
    a.constructs = {construct("(anonymous namespace)::one", 10), construct("two", 20), construct("two", 22)};
    const auto only = only_construct_of(a, "(anonymous namespace)::one(long)");
    ASSERT_TRUE(only);
    EXPECT_EQ(only->line, 10u);
    EXPECT_FALSE(only_construct_of(a, "two(int)")) << "two constructs: no guess";
    EXPECT_FALSE(only_construct_of(a, "three()"));
}

TEST(SourceOptions, ConfigPathsAreRelativeToTheConfigFile) {
    const SourceOptions o = source_options_from_json(
        json{{"root", "src"}, {"compile_commands", "/abs/cc.json"}, {"cache_dir", ""}, {"include_dirs", {"inc"}}},
        "/proj/conf/allocprof.json");
    EXPECT_EQ(o.root, "/proj/conf/src");
    EXPECT_EQ(o.compile_commands, std::filesystem::path("/abs/cc.json"));
    EXPECT_EQ(o.cache_dir, std::filesystem::path(""));  // caching off
    EXPECT_EQ(o.include_dirs, std::vector<std::filesystem::path>{"/proj/conf/inc"});

    SourceOptions cli;
    cli.root = "/other";
    const SourceOptions merged = merge_source_options(o, cli);
    EXPECT_EQ(merged.root, "/other");
    EXPECT_EQ(merged.compile_commands, std::filesystem::path("/abs/cc.json"));
}

TEST(SourceOptions, UnknownKeysAndWrongTypesAreUsageErrors) {
    EXPECT_THROW(source_options_from_json(json{{"roots", "src"}}, "c.json"), SourceConfigError);
    EXPECT_THROW(source_options_from_json(json{{"root", 3}}, "c.json"), SourceConfigError);
    EXPECT_THROW(source_options_from_json(json::array(), "c.json"), SourceConfigError);
    EXPECT_THROW(source_options_from_json(json{{"compile_commands", "cc.json"}}, "c.json"), SourceConfigError);
}

TEST(SourceOptions, DefaultCacheFollowsXdg) {
    const char* saved = std::getenv("XDG_CACHE_HOME");
    const std::string keep = saved ? saved : "";
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    EXPECT_EQ(default_source_cache_dir(), "/x/cache/allocprof/source");
    if (saved)
        setenv("XDG_CACHE_HOME", keep.c_str(), 1);
    else
        unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace allocprof::analyzers::source
