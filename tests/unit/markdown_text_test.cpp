// markdown_text_test.cpp — target-chosen names in markdown (reports/report_format.h): raw
// HTML is shown as text, code spans keep their content literal, "< 0.01" stays as it is.
#include <gtest/gtest.h>

#include "reports/report_format.h"

namespace {

using allocprof::reports::md_cell;
using allocprof::reports::md_text;

TEST(MarkdownText, HtmlInANameIsShownAsText) {
    EXPECT_EQ(md_text("<script>alert(1)</script>"), "&lt;script>alert(1)&lt;/script>");
    EXPECT_EQ(md_text("a <!-- b --> c"), "a &lt;!-- b --> c");
    EXPECT_EQ(md_text("&lt; is an entity"), "&amp;lt; is an entity");
    EXPECT_EQ(md_cell("<img src=x> | phase"), "&lt;img src=x> \\| phase");
}

TEST(MarkdownText, CodeSpansAndComparisonsAreLeftAsTheyAre) {
    EXPECT_EQ(md_cell("`std::vector<int>` at `a.cpp:3`"), "`std::vector<int>` at `a.cpp:3`");
    EXPECT_EQ(md_cell("`` a`<b> `` then <b>"), "`` a`<b> `` then &lt;b>");
    EXPECT_EQ(md_cell("< 0.01"), "< 0.01");
    EXPECT_EQ(md_text("x & y, 1 < 2"), "x & y, 1 < 2");
}

}  // namespace
