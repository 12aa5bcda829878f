// Constructs named by a site's library frames (analyzers/stack_construct.h), on the names
// GCC 12 and libstdc++ really demangle to; and the frames that must name nothing.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "analyzers/source/stack_construct.h"

namespace allocprof::analyzers {
namespace {

source::SourceConstruct from(std::vector<std::string_view> plumbing) { return construct_from_stack(plumbing); }

// Names as GCC 12 demangles libstdc++'s frames.
constexpr std::string_view kNew = "operator new(unsigned long)";
constexpr std::string_view kStringAppend =
    "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_append";
constexpr std::string_view kHashNodeAlloc =
    "std::__detail::_Hashtable_alloc<std::allocator<std::__detail::_Hash_node<int, false> > >";

TEST(StackConstruct, StdFunctionManager) {
    const auto c = from({kNew,
                         "std::_Function_base::_Base_manager<(anonymous namespace)::make_callback(int)::{lambda(int)#1}>"
                         "::_M_create<(anonymous namespace)::make_callback(int)::{lambda(int)#1}>",
                         "std::function<int (int)>::function<(anonymous namespace)::make_callback(int)::{lambda(int)#1}, "
                         "void>"});
    EXPECT_EQ(c.kind, "std_function");
    EXPECT_EQ(c.type, "std::function<int (int)>");
    EXPECT_EQ(c.description, "std::function<int (int)> holding a callable too large for its buffer (from the stack)");
}

TEST(StackConstruct, StringConcatenationAndAppend) {
    const std::string_view append = kStringAppend;
    const auto concat = from({kNew, append,
                              "std::operator+<char, std::char_traits<char>, std::allocator<char> >"});
    EXPECT_EQ(concat.kind, "string_concat");
    EXPECT_EQ(concat.type, "std::string");
    // += and append grow one string: reserve, not a builder.
    const auto grown = from({kNew, append});
    EXPECT_EQ(grown.kind, "container_growth");
    EXPECT_EQ(grown.container_type, "std::string");
    EXPECT_EQ(grown.method, "append");
}

TEST(StackConstruct, NodeContainersAreNotGrowth) {
    const auto hashed = from({kNew,
                              std::string(kHashNodeAlloc) + "::_M_allocate_node<int const&>",
                              "std::_Hashtable<int, int, std::allocator<int>, std::__detail::_Identity, "
                              "std::equal_to<int>, std::hash<int>, ...>::_M_insert_unique<int const&, int const&, ...>"});
    EXPECT_EQ(hashed.kind, "node_container");
    const auto tree = from({kNew,
                            "std::_Rb_tree<int, std::pair<int const, int>, std::_Select1st<std::pair<int const, int> >, "
                            "std::less<int>, std::allocator<std::pair<int const, int> > >::_M_create_node<...>"});
    EXPECT_EQ(tree.kind, "node_container");
    // The bucket array of the same table does grow: reserve applies there.
    const auto buckets = from({kNew,
                               std::string(kHashNodeAlloc) + "::_M_allocate_buckets"});
    EXPECT_EQ(buckets.kind, "container_growth");
}

TEST(StackConstruct, VectorRegrowthNamesTheVector) {
    const auto c = from({kNew,
                         "std::__new_allocator<(anonymous namespace)::Value>::allocate",
                         "void std::vector<(anonymous namespace)::Value, std::allocator<(anonymous namespace)::Value> >"
                         "::_M_realloc_insert<(anonymous namespace)::Value const&>"});
    EXPECT_EQ(c.kind, "container_growth");
    EXPECT_EQ(c.container_type, "std::vector<(anonymous namespace)::Value>");
    EXPECT_EQ(c.type, "(anonymous namespace)::Value");
    EXPECT_EQ(c.method, "push_back");
}

TEST(StackConstruct, MakeShared) {
    const auto c = from({kNew,
                         "std::_Sp_counted_ptr_inplace<Widget, std::allocator<Widget>, (__gnu_cxx::_Lock_policy)2>"
                         "::_Sp_counted_ptr_inplace<int>"});
    EXPECT_EQ(c.kind, "make_shared");
    EXPECT_EQ(c.type, "Widget");
}

TEST(StackConstruct, PlainAllocationsAndLookAlikesNameNothing) {
    EXPECT_EQ(from({}).kind, "unknown");
    EXPECT_EQ(from({kNew}).kind, "unknown");
    EXPECT_EQ(from({"malloc", "strdup"}).kind, "unknown");
    EXPECT_EQ(from({kNew, "std::vector<int, std::allocator<int> >::reserve"}).kind, "unknown");
    // The program's own functions with library-like names are not the library's.
    EXPECT_EQ(from({"my_function_manager", "append_string", "rb_tree_insert"}).kind, "unknown");
}

TEST(StackConstruct, ReadableTypes) {
    EXPECT_EQ(readable_type("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"),
              "std::string");
    EXPECT_EQ(readable_type("std::vector<std::vector<int, std::allocator<int> >, "
                            "std::allocator<std::vector<int, std::allocator<int> > > >"),
              "std::vector<std::vector<int>>");
    EXPECT_EQ(readable_type("std::map<int, long, std::less<int>, std::allocator<std::pair<int const, long> > >"),
              "std::map<int, long>");
}

}  // namespace
}  // namespace allocprof::analyzers
