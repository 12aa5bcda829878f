// utf8_test.cpp — the preload library cuts a name at a character boundary
// (interpose/utf8_cut.h).
#include <gtest/gtest.h>

#include <string>

#include "interpose/utf8_cut.h"

namespace {

using allocprof::interpose::utf8_prefix_length;
using allocprof::interpose::utf8_suffix_start;

TEST(Utf8Cut, APrefixNeverEndsInsideACharacter) {
    const std::string e_acute = "\xc3\xa9";
    const std::string euro = "\xe2\x82\xac";
    const std::string emoji = "\xf0\x9f\x98\x80";
    EXPECT_EQ(utf8_prefix_length("abcdef", 3), 3u);
    EXPECT_EQ(utf8_prefix_length((e_acute + e_acute).c_str(), 3), 2u);
    EXPECT_EQ(utf8_prefix_length((e_acute + e_acute).c_str(), 2), 2u);
    EXPECT_EQ(utf8_prefix_length(("a" + euro + "b").c_str(), 2), 1u);
    EXPECT_EQ(utf8_prefix_length(("a" + euro + "b").c_str(), 3), 1u);
    EXPECT_EQ(utf8_prefix_length(("a" + euro + "b").c_str(), 4), 4u);
    EXPECT_EQ(utf8_prefix_length(("a" + emoji + "b").c_str(), 4), 1u);
    // Not UTF-8 (a run of continuation bytes): cut where asked.
    EXPECT_EQ(utf8_prefix_length("a\x80\x80\x80\x80\x80", 5), 5u);
    std::string name;
    for (int i = 0; i < 150; ++i) name += e_acute;
    const size_t n = utf8_prefix_length(name.c_str(), 255);
    EXPECT_EQ(n, 254u);
    EXPECT_EQ(name.substr(0, n), name.substr(0, 254));
}

TEST(Utf8Cut, ASuffixNeverStartsInsideACharacter) {
    const std::string path = "/d\xc3\xa9j\xc3\xa0/x.lua";  // "/déjà/x.lua", 13 bytes
    EXPECT_EQ(path.size(), 13u);
    EXPECT_EQ(utf8_suffix_start(path.c_str(), path.size(), 13), 0u);
    EXPECT_EQ(utf8_suffix_start(path.c_str(), path.size(), 10), 4u);  // byte 3 is inside "é"
    EXPECT_EQ(utf8_suffix_start(path.c_str(), path.size(), 8), 5u);   // "à" starts at byte 5
    EXPECT_EQ(utf8_suffix_start(path.c_str(), path.size(), 7), 7u);   // byte 6 is inside "à"
}

}  // namespace
