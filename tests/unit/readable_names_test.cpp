// readable_names_test.cpp — the markdown and HTML reports' names: standard types as gdb
// prints them, paths relative to the directory the program's sites share. Each rule with a
// case it must leave alone.
#include "reports/readable_names.h"

#include <gtest/gtest.h>

namespace allocprof::reports {
namespace {

TEST(ReadableNames, StandardStringsAndContainersLoseTheirDefaults) {
    EXPECT_EQ(readable_types("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"),
              "std::string");
    EXPECT_EQ(readable_types("std::vector<std::vector<int, std::allocator<int> >, "
                             "std::allocator<std::vector<int, std::allocator<int> > > >"),
              "std::vector<std::vector<int>>");
    EXPECT_EQ(readable_types("std::map<int, std::__cxx11::basic_string<char, std::char_traits<char>, "
                             "std::allocator<char> >, std::less<int>, std::allocator<std::pair<int const, "
                             "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > > > >"),
              "std::map<int, std::string>");
    EXPECT_EQ(readable_types("std::unordered_set<int, std::hash<int>, std::equal_to<int>, std::allocator<int> >"),
              "std::unordered_set<int>");
    EXPECT_EQ(readable_types("std::unique_ptr<Node, std::default_delete<Node> >"), "std::unique_ptr<Node>");
    EXPECT_EQ(readable_types("__gnu_cxx::__alloc_traits<std::allocator<std::vector<int, std::allocator<int> > >, "
                             "std::vector<int, std::allocator<int> > >::value_type"),
              "std::vector<int>");
    // In a function's name and in a sentence, too.
    EXPECT_EQ(readable_types("(anonymous namespace)::concat(std::__cxx11::basic_string<char, "
                             "std::char_traits<char>, std::allocator<char> > const&)"),
              "(anonymous namespace)::concat(std::string const&)");
    EXPECT_EQ(readable_types("call reserve on the `std::vector<Value, std::allocator<Value> >` first"),
              "call reserve on the `std::vector<Value>` first");
}

TEST(ReadableNames, ArgumentsThatAreNotTheDefaultsStay) {
    // A transparent or custom comparator, an allocator of another type, a custom hash.
    EXPECT_EQ(readable_types("std::map<int, long, std::less<void>, std::allocator<std::pair<int const, long> > >"),
              "std::map<int, long, std::less<void>>");
    EXPECT_EQ(readable_types("std::vector<int, Arena<int> >"), "std::vector<int, Arena<int>>");
    EXPECT_EQ(readable_types("std::unordered_set<int, MyHash, std::equal_to<int>, std::allocator<int> >"),
              "std::unordered_set<int, MyHash>");
    EXPECT_EQ(readable_types("std::basic_string<char, MyTraits, std::allocator<char> >"),
              "std::basic_string<char, MyTraits>");
    // Names outside std, operators and unbalanced text are left as they are.
    EXPECT_EQ(readable_types("mylib::vector<int, mylib::allocator<int> >"), "mylib::vector<int, mylib::allocator<int>>");
    EXPECT_EQ(readable_types("std::operator<< <char>(std::ostream&, char const*)"),
              "std::operator<< <char>(std::ostream&, char const*)");
    EXPECT_EQ(readable_types("bool less(a < b)"), "bool less(a < b)");
    EXPECT_EQ(readable_types("lua_newstate"), "lua_newstate");
}

TEST(ReadableNames, CommonDirectoryOfAbsolutePaths) {
    EXPECT_EQ(common_directory({"/src/vm/a.cpp", "/src/vm/b.cpp"}), "/src/vm/");
    EXPECT_EQ(common_directory({"/src/vm/a.cpp", "/src/vmx/b.cpp"}), "/src/");
    EXPECT_EQ(common_directory({"/src/vm/a.cpp"}), "/src/vm/");
    EXPECT_EQ(common_directory({"/src/vm/a.cpp", "", "relative.cpp"}), "/src/vm/");
    // Nothing shared but the root, or no absolute path: full paths.
    EXPECT_EQ(common_directory({"/src/a.cpp", "/usr/b.cpp"}), "");
    EXPECT_EQ(common_directory({"a.cpp"}), "");
    EXPECT_EQ(common_directory({}), "");
}

TEST(ReadableNames, TheReportShowsPathsRelativeAndRuntimeSitesDoNotCount) {
    Report r;
    SiteRow a, b, runtime;
    a.function = "std::vector<int, std::allocator<int> >::push_back";
    a.file = "/build/vm/src/a.cpp";
    b.file = "/build/vm/src/sub/b.cpp";
    runtime.tier = "runtime";
    runtime.file = "/usr/include/c++/12/bits/new_allocator.h";
    r.sites = {a, b, runtime};
    const Report shown = readable(r);
    EXPECT_EQ(shown.path_prefix, "/build/vm/src/");
    EXPECT_EQ(shown.sites[0].file, "a.cpp");
    EXPECT_EQ(shown.sites[0].function, "std::vector<int>::push_back");
    EXPECT_EQ(shown.sites[1].file, "sub/b.cpp");
    EXPECT_EQ(shown.sites[2].file, "/usr/include/c++/12/bits/new_allocator.h");
}

}  // namespace
}  // namespace allocprof::reports
