// The report's list of hooked functions (reports/report_model.h, kHookedFunctions: which of
// them a run never called) is the hook table's own list: every row of
// wire/hooked_functions.def that records events under its own name and that every libc has
// (the Optional rows, free_sized and free_aligned_sized, are missing from glibc before 2.41
// and would always show as "never called").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reports/report_model.h"

namespace {

TEST(ReportHooks, TheListIsTheHookTablesRequiredFunctionsWithEvents) {
    std::vector<std::string> table;
    constexpr bool Required = true, Optional = false;
    (void)Optional;
#define ALLOCPROF_HOOK(name, id, value, ret, params, kind) \
    if (kind == Required) table.push_back(#name);
#define ALLOCPROF_HOOK_SHARING(name, id, ret, params, kind)
#define ALLOCPROF_HOOK_NO_EVENT(name, ret, params, kind)
#include "wire/hooked_functions.def"
#undef ALLOCPROF_HOOK
#undef ALLOCPROF_HOOK_SHARING
#undef ALLOCPROF_HOOK_NO_EVENT
    const std::vector<std::string> report(std::begin(allocprof::reports::kHookedFunctions),
                                          std::end(allocprof::reports::kHookedFunctions));
    EXPECT_EQ(report, table);
}

}  // namespace
