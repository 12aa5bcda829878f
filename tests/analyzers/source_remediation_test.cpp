// The source construct refines the plan (analyzers/source_remediation.h): which kinds it
// adds or explains away, the risk, and the wording that names the types and the function.
// The constructs are written by hand as analyzers/source/ reports them for the interpreter
// sample (tests/analyzers/source_analyzer_test.cpp checks that side).
#include <gtest/gtest.h>

#include "analyzers/remediation_planner.h"
#include "analyzers/source_remediation.h"

namespace allocprof::analyzers {
namespace {

using K = RemediationKind;
using source::SourceConstruct;

SourceConstruct construct(const std::string& kind, const std::string& type, const std::string& function,
                          int loop_depth = 0) {
    SourceConstruct c;
    c.kind = kind;
    c.type = type;
    c.function = "(anonymous namespace)::" + function;
    c.loop_depth = loop_depth;
    c.description = source::describe(c);
    return c;
}

SourceConstruct vector_growth(bool reserve_in_scope) {
    SourceConstruct c = construct("container_growth", "Value", "build_list", 1);
    c.container_type = "std::vector<Value>";
    c.method = "push_back";
    c.reserve_in_scope = reserve_in_scope;
    c.description = source::describe(c);
    return c;
}

// A plan item of `kind` worded by the planner's dynamic rules, then refined.
PlanItem refined_item(K kind, const std::string& change, const SourceConstruct& c) {
    PlanItem item;
    item.kind = kind;
    item.change = change;
    item.evidence = "dynamic evidence";
    refine_wording(item, c);
    return item;
}

TEST(SourceRemediation, UnknownConstructChangesNothing) {
    const SourceConstruct unknown;
    EXPECT_FALSE(has_construct(unknown));
    EXPECT_EQ(refine_kinds({K::Hoist, K::SizeTiers}, unknown), (std::vector<K>{K::Hoist, K::SizeTiers}));
    const PlanItem item = refined_item(K::Hoist, "hoist it", unknown);
    EXPECT_EQ(item.change, "hoist it");
    EXPECT_EQ(item.evidence, "dynamic evidence");
    EXPECT_EQ(refined_risk(K::StringBuilder, unknown), Risk::Medium);
}

TEST(SourceRemediation, VectorGrownInALoopWithoutReserveIsALowRiskReserve) {
    const SourceConstruct c = vector_growth(false);
    // The growth steps' many sizes are not per-call buffers: size tiers go, reserve stays.
    EXPECT_EQ(refine_kinds({K::Reserve, K::SizeTiers}, c), std::vector<K>{K::Reserve});
    // Added when the run showed no chain (e.g. too few elements to see one).
    EXPECT_EQ(refine_kinds({K::Pool}, c), (std::vector<K>{K::Pool, K::Reserve}));
    EXPECT_EQ(refined_risk(K::Reserve, c), Risk::Low);
    const PlanItem item = refined_item(K::Reserve, "reserve or pre-size", c);
    EXPECT_EQ(item.change, "call reserve on the `std::vector<Value>` in `build_list` before the loop that grows it by "
                           "`push_back`");
    EXPECT_EQ(item.evidence,
              "dynamic evidence; source: `std::vector<Value> grown by push_back inside a loop in build_list (no "
              "reserve)`");
}

TEST(SourceRemediation, AReserveInScopeAddsNothing) {
    const SourceConstruct c = vector_growth(true);
    EXPECT_EQ(refine_kinds({K::SizeTiers}, c), std::vector<K>{K::SizeTiers});
    EXPECT_NE(refined_item(K::Reserve, "", c).change.find("reserve the final size of the `std::vector<Value>`"),
              std::string::npos);
}

TEST(SourceRemediation, StdFunctionPerCallIsAClosureFix) {
    const SourceConstruct c = construct("std_function", "std::function<int64_t (int64_t)>", "make_callback");
    // Dynamically it looked like a buffer made per op (hoist): the construct says why.
    EXPECT_EQ(refine_kinds({K::Hoist, K::FixLeak}, c), (std::vector<K>{K::FixLeak, K::Closure}));
    EXPECT_EQ(refined_risk(K::Closure, c), Risk::Medium);
    EXPECT_EQ(refined_item(K::Closure, "", c).change,
              "take the callable as a template parameter or a function pointer instead of building a "
              "`std::function<int64_t (int64_t)>` from a lambda in `make_callback`");
}

TEST(SourceRemediation, StringConcatenationInALoopIsALowRiskBuilder) {
    const SourceConstruct c = construct("string_concat", "std::string", "concat_names", 1);
    EXPECT_EQ(refine_kinds({K::Reserve, K::SizeTiers}, c), std::vector<K>{K::StringBuilder});
    EXPECT_EQ(refined_risk(K::StringBuilder, c), Risk::Low);
    EXPECT_EQ(refined_item(K::StringBuilder, "", c).change,
              "reserve one `std::string` and append the pieces into it instead of concatenating with operator+ in "
              "the loop in `concat_names`");
    // Outside a loop the fix reaches beyond one loop: the kind's own risk.
    EXPECT_EQ(refined_risk(K::StringBuilder, construct("string_concat", "std::string", "name")), Risk::Medium);
}

TEST(SourceRemediation, NewPerOpNamesTheTypeToPool) {
    const SourceConstruct c = construct("new", "Box", "box_result");
    EXPECT_EQ(refine_kinds({K::Pool}, c), std::vector<K>{K::Pool});
    EXPECT_EQ(refined_item(K::Pool, "use a pool", c).change,
              "use a pool or free list for the `Box` objects in `box_result`, or keep each `Box` by value instead "
              "of `new Box`");
    const SourceConstruct shared = construct("make_shared", "Node", "link");
    EXPECT_NE(refined_item(K::Pool, "", shared).change.find("instead of `std::make_shared<Node>` per call"),
              std::string::npos);
}

TEST(SourceRemediation, OtherKindsKeepTheirWordsAndNameTheConstruct) {
    const SourceConstruct c = construct("new", "Node", "new_ast_node");
    const PlanItem item = refined_item(K::Arena, "allocate from an arena released at the end of the phase", c);
    EXPECT_EQ(item.change, "allocate from an arena released at the end of the phase (`new Node in new_ast_node`)");
    EXPECT_EQ(item.evidence, "dynamic evidence; source: `new Node in new_ast_node`");
}

}  // namespace
}  // namespace allocprof::analyzers
