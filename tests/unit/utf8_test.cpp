// utf8_test.cpp — the two UTF-8 rules: the preload library cuts a name at a character
// boundary (interpose/utf8_cut.h), and text in and out of the database is valid UTF-8 with
// U+FFFD for each byte that belongs to no character (schema/utf8_text.h).
#include <gtest/gtest.h>

#include <string>

#include "interpose/utf8_cut.h"
#include "schema/run_database.h"
#include "schema/utf8_text.h"
#include "test_database.h"

namespace {

using allocprof::interpose::utf8_prefix_length;
using allocprof::interpose::utf8_suffix_start;
using allocprof::schema::is_valid_utf8;
using allocprof::schema::valid_utf8;

const std::string kFffd = "\xef\xbf\xbd";

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
    EXPECT_TRUE(is_valid_utf8(name.substr(0, n)));
}

TEST(Utf8Cut, ASuffixNeverStartsInsideACharacter) {
    const std::string path = "/d\xc3\xa9j\xc3\xa0/x.lua";  // "/déjà/x.lua", 13 bytes
    EXPECT_EQ(path.size(), 13u);
    EXPECT_EQ(utf8_suffix_start(path.c_str(), path.size(), 13), 0u);
    EXPECT_EQ(utf8_suffix_start(path.c_str(), path.size(), 10), 4u);  // byte 3 is inside "é"
    EXPECT_EQ(utf8_suffix_start(path.c_str(), path.size(), 8), 5u);   // "à" starts at byte 5
    EXPECT_EQ(utf8_suffix_start(path.c_str(), path.size(), 7), 7u);   // byte 6 is inside "à"
    EXPECT_TRUE(is_valid_utf8(path.substr(utf8_suffix_start(path.c_str(), path.size(), 7))));
}

TEST(Utf8Text, EachByteOfNoCharacterBecomesTheReplacementCharacter) {
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("d\xc3\xa9j\xc3\xa0 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_EQ(valid_utf8("d\xc3\xa9j\xc3\xa0"), "d\xc3\xa9j\xc3\xa0");
    EXPECT_EQ(valid_utf8("bad\xff\xfename"), "bad" + kFffd + kFffd + "name");
    EXPECT_EQ(valid_utf8("cut \xc3"), "cut " + kFffd);
    EXPECT_EQ(valid_utf8("\xc0\xaf"), kFffd + kFffd);                  // overlong '/'
    EXPECT_EQ(valid_utf8("\xed\xa0\x80"), kFffd + kFffd + kFffd);      // a surrogate
    EXPECT_EQ(valid_utf8("\xf4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // above U+10FFFF
    EXPECT_EQ(valid_utf8(std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(Utf8Text, TheDatabaseStoresAndReadsValidText) {
    allocprof::test::TempDir dir;
    auto db = allocprof::schema::Database::create(dir.file("run.db"));
    db.exec("CREATE TABLE t(s TEXT)");
    db.prepare("INSERT INTO t VALUES (?)").bind(1, std::string_view("p\xffq")).run();
    db.exec("INSERT INTO t VALUES (CAST(x'61ff62' AS TEXT))");  // written by something else
    auto s = db.prepare("SELECT s, hex(s) FROM t ORDER BY rowid");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0), "p" + kFffd + "q");
    EXPECT_EQ(s.text(1), "70EFBFBD71");  // stored replaced
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0), "a" + kFffd + "b");  // read replaced
}

}  // namespace
