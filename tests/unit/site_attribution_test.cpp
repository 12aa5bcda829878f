// site_attribution_test.cpp — the site rules on hand-built frame lists (leaf first):
// allocator plumbing skipped (libc's malloc family, operator new, std:: internals, inlined
// libstdc++ code), wrappers from a config and from the presets, unknown frames, site keys;
// the config parser's errors; and the perf-map parser.
#include "symbolize/site_attribution.h"

#include <gtest/gtest.h>

#include <fstream>

#include "symbolize/perf_map.h"
#include "symbolize/site_config.h"

namespace {

using namespace allocprof::symbolize;

AttributionFrame frame(std::string_view module, std::string_view function,
                       std::string_view file = "", int line = 0, uint64_t offset = 0) {
    return {module, function, file, line, offset};
}

SiteAttributor default_attributor() { return SiteAttributor(default_site_config().patterns()); }

TEST(QualifiedName, StripsReturnTypeAndParameters) {
    EXPECT_EQ(qualified_name("malloc"), "malloc");
    EXPECT_EQ(qualified_name("plain_site(int)"), "plain_site");
    EXPECT_EQ(qualified_name("double* make_array<double>(unsigned long)"), "make_array<double>");
    EXPECT_EQ(qualified_name(
                  "void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>("
                  "__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, "
                  "int const&)"),
              "std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>");
    EXPECT_EQ(
        qualified_name("lambda_site()::{lambda(unsigned long)#1}::operator()(unsigned long) const"),
        "lambda_site()::{lambda(unsigned long)#1}::operator()");
    EXPECT_EQ(qualified_name("operator new(unsigned long)"), "operator new");
    EXPECT_EQ(qualified_name("operator new[](unsigned long, std::nothrow_t const&)"),
              "operator new[]");
    EXPECT_EQ(qualified_name("bool Cmp::operator<(Cmp const&) const"), "Cmp::operator<");
    EXPECT_EQ(qualified_name("(anonymous namespace)::helper(int)"),
              "(anonymous namespace)::helper");
    EXPECT_EQ(qualified_name("std::vector<int> build<int>(int)"), "build<int>");
}

TEST(SiteAttributor, SkipsLibcMallocFamilyOnlyInLibc) {
    SiteAttributor a = default_attributor();
    for (const char* name : {"malloc", "calloc", "realloc", "reallocarray", "posix_memalign",
                             "aligned_alloc", "memalign", "valloc", "pvalloc", "strdup", "strndup",
                             "__strdup", "__strndup", "wcsdup", "__libc_malloc", "__GI___strdup"})
        EXPECT_TRUE(a.is_plumbing(frame("libc.so.6", name))) << name;
    // The dynamic loader's inline wrappers that call libc's malloc.
    EXPECT_TRUE(
        a.is_plumbing(frame("ld-linux-x86-64.so.2", "malloc", "../include/rtld-malloc.h", 56)));
    // A program's own function called malloc is its own code, and libc's other
    // functions (fopen, getline) are real sites.
    EXPECT_FALSE(a.is_plumbing(frame("myprog", "malloc")));
    EXPECT_FALSE(a.is_plumbing(frame("libc.so.6", "__fopen_internal")));
}

TEST(SiteAttributor, SkipsOperatorNewAndStdInternals) {
    SiteAttributor a = default_attributor();
    EXPECT_TRUE(a.is_plumbing(frame("libstdc++.so.6", "operator new(unsigned long)")));
    EXPECT_TRUE(a.is_plumbing(frame("libstdc++.so.6", "operator new[](unsigned long)")));
    EXPECT_TRUE(a.is_plumbing(frame("myprog", "operator new(unsigned long, std::align_val_t)")));
    EXPECT_TRUE(a.is_plumbing(
        frame("myprog", "std::__new_allocator<int>::allocate(unsigned long, void const*)")));
    EXPECT_TRUE(a.is_plumbing(
        frame("myprog", "__gnu_cxx::new_allocator<int>::allocate(unsigned long, void const*)")));
    // A user template returning a std:: type is not a std:: function.
    EXPECT_FALSE(
        a.is_plumbing(frame("myprog", "std::vector<int, std::allocator<int> > build<int>(int)")));
    // Inlined libstdc++ code found by its header, whatever its name says.
    EXPECT_TRUE(
        a.is_plumbing(frame("myprog", "push_back", "/usr/include/c++/12/bits/stl_vector.h", 1287)));
}

TEST(SiteAttributor, VectorGrowthIsTheLineCallingPushBack) {
    SiteAttributor a = default_attributor();
    const std::vector<AttributionFrame> stack = {
        frame("libstdc++.so.6", "operator new(unsigned long)"),
        frame("prog", "std::__new_allocator<int>::allocate(unsigned long, void const*)",
              "/usr/include/c++/12/bits/new_allocator.h", 137),
        frame("prog",
              "void std::vector<int, std::allocator<int> >::_M_realloc_insert<int "
              "const&>(__gnu_cxx::__normal_"
              "iterator<int*, std::vector<int, std::allocator<int> > >, int const&)",
              "/usr/include/c++/12/bits/vector.tcc", 453),
        frame("prog", "std::vector<int, std::allocator<int> >::push_back(int const&)",
              "/usr/include/c++/12/bits/stl_vector.h", 1287),
        frame("prog", "vector_site(int)", "/src/planted_sites.cpp", 74),
        frame("prog", "main", "/src/planted_sites.cpp", 99),
    };
    EXPECT_EQ(a.site_index(stack), 4u);
}

TEST(SiteAttributor, InlinedHelperIsItsOwnSite) {
    SiteAttributor a = default_attributor();
    const std::vector<AttributionFrame> stack = {
        frame("libc.so.6", "malloc"),
        frame("prog", "inlined_helper", "/src/planted_sites.cpp", 52),  // inlined into the next
        frame("prog", "inlined_site(int)", "/src/planted_sites.cpp", 56),
    };
    EXPECT_EQ(a.site_index(stack), 1u);
}

TEST(SiteAttributor, PresetsSkipInterpreterAllocators) {
    SiteAttributor a = default_attributor();
    for (const char* name :
         {"PyMem_Malloc", "_PyMem_RawMalloc", "PyObject_Malloc", "_PyObject_GC_New",
          "PyObject_GC_Del", "_PyObject_New", "PyType_GenericAlloc", "_PyType_AllocNoTrack",
          "gc_alloc", "luaM_malloc_", "luaM_realloc_", "l_alloc", "luaC_newobj"})
        EXPECT_TRUE(a.is_plumbing(frame("libpython3.11.so.1.0", name))) << name;
    for (const char* name : {"list_resize", "PyUnicode_New", "luaH_resize"})
        EXPECT_FALSE(a.is_plumbing(frame("libpython3.11.so.1.0", name))) << name;
    const std::vector<AttributionFrame> stack = {
        frame("libpython3.11.so.1.0", "_PyObject_Malloc", "Objects/obmalloc.c", 1966),
        frame("libpython3.11.so.1.0", "gc_alloc", "Modules/gcmodule.c", 2283),
        frame("libpython3.11.so.1.0", "_PyObject_GC_New", "Modules/gcmodule.c", 2303),
        frame("libpython3.11.so.1.0", "PyFunction_NewWithQualName", "Objects/funcobject.c", 98),
    };
    EXPECT_EQ(a.site_index(stack), 3u);
}

TEST(SiteAttributor, WrappersFromConfigAndNoPresets) {
    SiteConfig config = parse_site_config(
        R"({"sites": {"wrappers": ["my_alloc", "arena_*", "Pool::*"], "presets": []}})",
        "test.json");
    EXPECT_TRUE(config.presets.empty());
    SiteAttributor a(config.patterns());
    EXPECT_TRUE(a.is_plumbing(frame("prog", "my_alloc")));
    EXPECT_TRUE(a.is_plumbing(frame("prog", "arena_push(Arena*, unsigned long)")));
    EXPECT_TRUE(a.is_plumbing(frame("prog", "void* Pool::grab(unsigned long)")));
    EXPECT_FALSE(a.is_plumbing(frame("prog", "my_alloc_stats")));
    EXPECT_FALSE(a.is_plumbing(frame("libpython3.11.so.1.0", "PyMem_Malloc")));  // presets off
    const std::vector<AttributionFrame> stack = {
        frame("libc.so.6", "malloc"), frame("prog", "my_alloc"),
        frame("prog", "arena_push(Arena*, unsigned long)"),
        frame("prog", "parse_file(char const*)", "parse.c", 10)};
    EXPECT_EQ(a.site_index(stack), 3u);
}

TEST(SiteAttributor, UnknownFramesAreSitesNamedByOffset) {
    SiteAttributor a = default_attributor();
    const std::vector<AttributionFrame> stack = {frame("libc.so.6", "malloc"),
                                                 frame("lua5.4", "", "", 0, 0x1230c),
                                                 frame("lua5.4", "lua_pcallk")};
    EXPECT_EQ(a.site_index(stack), 1u);
    SiteIdentity id = SiteAttributor::identity(stack[1]);
    EXPECT_EQ(id.function, "lua5.4+0x1230c");
    EXPECT_EQ(id.site_key(), R"(["lua5.4","lua5.4+0x1230c","",0])");
}

// The interpreter's start-up is attributed to its start-up function's frame, however deep
// the allocation under it; the script's own work (lua_pcallk, PyEval_EvalCode) is not, nor
// a function of the program that only shares a start-up function's last name.
TEST(SiteAttributor, InterpreterStartUpIsTheStartUpFunctionsFrame) {
    SiteAttributor a = default_attributor();
    const std::vector<AttributionFrame> openlibs = {
        frame("libc.so.6", "malloc"), frame("lua5.4", "", "", 0, 0x1230c), frame("lua5.4", "", "", 0, 0x9a10),
        frame("lua5.4", "luaL_openlibs"), frame("lua5.4", "", "", 0, 0x77f0), frame("lua5.4", "lua_pcallk")};
    EXPECT_EQ(a.site_index(openlibs), 3u);
    const std::vector<AttributionFrame> script = {
        frame("libc.so.6", "malloc"), frame("lua5.4", "", "", 0, 0x1230c), frame("lua5.4", "lua_pcallk")};
    EXPECT_EQ(a.site_index(script), 1u);
    const std::vector<AttributionFrame> python_init = {
        frame("libpython3.11.so.1.0", "_PyObject_Malloc"), frame("libpython3.11.so.1.0", "PyTuple_New"),
        frame("libpython3.11.so.1.0", "init_import_site"), frame("libpython3.11.so.1.0", "Py_InitializeFromConfig"),
        frame("libpython3.11.so.1.0", "Py_RunMain")};
    EXPECT_EQ(a.site_index(python_init), 3u);
    const std::vector<AttributionFrame> python_run = {
        frame("libpython3.11.so.1.0", "_PyObject_Malloc"), frame("libpython3.11.so.1.0", "PyTuple_New"),
        frame("libpython3.11.so.1.0", "PyEval_EvalCode"), frame("libpython3.11.so.1.0", "Py_RunMain")};
    EXPECT_EQ(a.site_index(python_run), 1u);
    const std::vector<AttributionFrame> lookalike = {
        frame("libc.so.6", "malloc"), frame("prog", "Engine::lua_newstate()"), frame("prog", "main")};
    EXPECT_EQ(a.site_index(lookalike), 1u);
    EXPECT_TRUE(is_startup_function("luaL_newstate"));
    EXPECT_FALSE(is_startup_function("Engine::lua_newstate"));
    EXPECT_FALSE(is_startup_function("lua_close"));
}

TEST(SiteAttributor, AllPlumbingStackGoesToItsLeaf) {
    SiteAttributor a = default_attributor();
    const std::vector<AttributionFrame> stack = {frame("libc.so.6", "malloc"),
                                                 frame("libc.so.6", "strdup")};
    EXPECT_EQ(a.site_index(stack), 0u);
}

TEST(SiteIdentity, KeysAreSymbolicAndNormalized) {
    SiteIdentity id = SiteAttributor::identity(frame("prog", "f(int)", "./src/a.c", 12, 0x1234));
    EXPECT_EQ(id.file, "src/a.c");
    EXPECT_EQ(id.site_key(), R"x(["prog","f(int)","src/a.c",12])x");
    EXPECT_EQ(id.function_key(), R"x(["prog","f(int)"])x");
    SiteIdentity moved = SiteAttributor::identity(frame("prog", "f(int)", "src/a.c", 13, 0x1240));
    EXPECT_NE(moved.site_key(), id.site_key());
    EXPECT_EQ(moved.function_key(), id.function_key());
}

TEST(SiteConfig, DefaultsAndErrorsNameTheFile) {
    SiteConfig d = default_site_config();
    EXPECT_EQ(d.presets, (std::vector<std::string>{"cpython", "lua"}));
    EXPECT_EQ(d.source, "built-in");
    // Other sections belong to other commands; no "sites" means the defaults.
    EXPECT_EQ(parse_site_config(R"({"analyze": {}})", "c.json").presets.size(), 2u);
    auto error_of = [](const std::string& text) {
        try {
            parse_site_config(text, "conf.json");
        } catch (const SiteConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error_of("{"), "conf.json: not valid JSON");
    EXPECT_EQ(error_of("[]"), "conf.json: the config must be a JSON object");
    EXPECT_EQ(error_of(R"({"sites": []})"), "conf.json: \"sites\" must be an object");
    EXPECT_EQ(error_of(R"({"sites": {"wrappers": "my_alloc"}})"),
              "conf.json: \"sites.wrappers\" must be an array of strings");
    EXPECT_EQ(error_of(R"({"sites": {"wrappers": [1]}})"),
              "conf.json: \"sites.wrappers\" must hold non-empty strings, not 1");
    EXPECT_EQ(error_of(R"({"sites": {"presets": ["perl"]}})"),
              "conf.json: unknown preset \"perl\" (known: cpython, lua)");
    EXPECT_EQ(error_of(R"({"sites": {"wrapper": []}})"),
              "conf.json: unknown key \"sites.wrapper\" (expected \"wrappers\", \"presets\")");
    EXPECT_THROW(load_site_config("/nonexistent/allocprof.json"), SiteConfigError);
}

TEST(PerfMap, ParsesAndFinds) {
    PerfMap map = PerfMap::parse(
        "7f0000001000 40 py::main:/tmp/x.py\n"
        "7f0000002000 10 [JIT] tramp with spaces\n"
        "garbage line\n"
        "7f0000003000 zz bad size\n"
        "7f0000004000 20\n"  // no name: cut short while being written
        "7f0000001000 80 py::main:/tmp/x.py (again)\n");
    EXPECT_EQ(map.size(), 2u);
    ASSERT_NE(map.find(0x7f0000001000), nullptr);
    EXPECT_EQ(map.find(0x7f000000107f)->name, "py::main:/tmp/x.py (again)");
    EXPECT_EQ(map.find(0x7f0000001080), nullptr);
    ASSERT_NE(map.find(0x7f0000002005), nullptr);
    EXPECT_EQ(map.find(0x7f0000002005)->name, "[JIT] tramp with spaces");
    EXPECT_EQ(map.find(0x7f0000000fff), nullptr);
    EXPECT_EQ(map.find(0x7f0000004000), nullptr);
}

}  // namespace
