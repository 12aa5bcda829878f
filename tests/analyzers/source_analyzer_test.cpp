// analyzers/source/: the construct at a site's line, on the ground-truth interpreter and on
// small sources written by the tests; parse failures, missing files, the inventory, the
// parse cache and compile_commands.json.
#include "analyzers/source/source_analyzer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analyzers/source/compilation_database.h"

namespace allocprof::analyzers::source {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "allocprof-source-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    fs::path operator/(const std::string& name) const { return path_ / name; }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// <dir>/compile_commands.json with one entry per (file, command), run in `dir`.
SourceAnalyzerOptions with_database(const fs::path& dir,
                                    const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string json = "[";
    for (const auto& [file, command] : entries)
        json += std::string(json.size() > 1 ? ", " : "") + "{\"directory\": \"" + dir.string() +
                "\", \"file\": \"" + file + "\", \"command\": \"" + command + "\"}";
    write(dir / "compile_commands.json", json + "]");
    SourceAnalyzerOptions options;
    options.compile_commands = dir / "compile_commands.json";
    return options;
}

// The 1-based line of the first `needle` after the definition of `function` ("name(" at
// the start of a declaration line) in `file`; 0 if not found.
uint32_t line_in_function(const fs::path& file, const std::string& function,
                          const std::string& needle) {
    std::ifstream in(file);
    std::string text;
    uint32_t n = 0;
    bool inside = false;
    while (std::getline(in, text)) {
        ++n;
        if (!inside && text.find(" " + function + "(") != std::string::npos &&
            text.find(';') == std::string::npos)
            inside = true;
        if (inside && text.find(needle) != std::string::npos) return n;
    }
    return 0;
}

class InterpreterSites : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        SourceAnalyzerOptions options;
        options.extra_flags = {"-I" ALLOCPROF_TEST_INTERPOSE_INCLUDE};
        analyzer_ = new SourceAnalyzer(options);
    }
    static void TearDownTestSuite() {
        delete analyzer_;
        analyzer_ = nullptr;
    }
    static SiteClassification at(const std::string& function, const std::string& needle) {
        const uint32_t line = line_in_function(kInterp, function, needle);
        EXPECT_NE(line, 0u) << needle << " not found in " << function;
        SiteClassification c = analyzer_->classify(kInterp, line);
        EXPECT_EQ(c.status, ParseStatus::Ok) << c.reason;
        EXPECT_EQ(c.construct.function, "(anonymous namespace)::" + function);
        return c;
    }
    static inline const fs::path kInterp = ALLOCPROF_TEST_INTERP_SOURCE;
    static inline SourceAnalyzer* analyzer_ = nullptr;
};

TEST_F(InterpreterSites, AllocFrameIsANewArrayOfValue) {
    const SourceConstruct c = at("alloc_frame", "new Value[").construct;
    EXPECT_EQ(c.kind, "new_array");
    EXPECT_EQ(c.type, "Value");
    EXPECT_EQ(c.loop_depth, 0);
    EXPECT_EQ(c.description, "new Value[] in alloc_frame");
}

TEST_F(InterpreterSites, BuildListGrowsAVectorInALoopWithoutReserve) {
    const SourceConstruct c = at("build_list", "push_back").construct;
    EXPECT_EQ(c.kind, "container_growth");
    EXPECT_EQ(c.method, "push_back");
    EXPECT_EQ(c.container_type.rfind("std::vector<", 0), 0u) << c.container_type;
    EXPECT_EQ(c.type, "Value");
    EXPECT_EQ(c.loop_depth, 1);
    EXPECT_FALSE(c.reserve_in_scope);
    EXPECT_EQ(c.description,
              "std::vector<Value> grown by push_back inside a loop in build_list (no reserve)");
}

TEST_F(InterpreterSites, MakeCallbackBuildsAStdFunctionFromALambda) {
    const SourceConstruct c = at("make_callback", "std::function<int64_t(int64_t)>([").construct;
    EXPECT_TRUE(c.kind == "std_function" || c.kind == "closure") << c.kind;
    EXPECT_EQ(c.type.rfind("std::function<", 0), 0u) << c.type;
    EXPECT_NE(c.description.find("built from a lambda in make_callback"), std::string::npos)
        << c.description;
}

TEST_F(InterpreterSites, ConcatNamesConcatenatesStringsInALoop) {
    const SourceConstruct c = at("concat_names", "s = s + piece").construct;
    EXPECT_EQ(c.kind, "string_concat");
    EXPECT_EQ(c.type, "std::string");
    EXPECT_EQ(c.loop_depth, 1);
    EXPECT_EQ(c.description,
              "std::string concatenated with operator+ inside a loop in concat_names");
}

TEST_F(InterpreterSites, BoxResultIsANewOfBox) {
    const SourceConstruct c = at("box_result", "new Box").construct;
    EXPECT_EQ(c.kind, "new");
    EXPECT_EQ(c.type, "Box");
    EXPECT_EQ(c.description, "new Box in box_result");
}

TEST_F(InterpreterSites, TheOtherPlantedSitesAreNews) {
    EXPECT_EQ(at("new_ast_node", "new Node").construct.type, "Node");
    EXPECT_EQ(at("intern_constant", "new Constant").construct.type, "Constant");
    EXPECT_EQ(at("cache_result", "new CacheEntry").construct.type, "CacheEntry");
    const SourceConstruct snapshot = at("take_heap_snapshot", "new char[").construct;
    EXPECT_EQ(snapshot.kind, "new_array");
    EXPECT_EQ(snapshot.type, "char");
}

TEST_F(InterpreterSites, ALineWithoutAllocationIsUnknown) {
    const uint32_t line = line_in_function(kInterp, "build_list", "int64_t sum = 0;");
    const SiteClassification c = analyzer_->classify(kInterp, line);
    EXPECT_EQ(c.status, ParseStatus::Ok);
    EXPECT_EQ(c.construct.kind, "unknown");
    EXPECT_TRUE(c.at_line.empty());
}

TEST_F(InterpreterSites, InventoryHoldsEveryPlantedFunction) {
    const FileAnalysis& a = analyzer_->analyze_file(kInterp);
    ASSERT_EQ(a.status, ParseStatus::Ok) << a.reason;
    for (const char* f :
         {"alloc_frame", "build_list", "make_callback", "concat_names", "new_ast_node",
          "intern_constant", "cache_result", "box_result", "take_heap_snapshot"}) {
        const auto it =
            std::find_if(a.functions.begin(), a.functions.end(), [&](const FunctionInventory& i) {
                return i.function == std::string("(anonymous namespace)::") + f;
            });
        ASSERT_NE(it, a.functions.end()) << f;
        EXPECT_GE(it->constructs, 1u) << f;
    }
    // execute() only calls the allocating helpers: it holds no construct of its own.
    EXPECT_TRUE(std::none_of(
        a.functions.begin(), a.functions.end(),
        [](const FunctionInventory& i) { return i.function == "(anonymous namespace)::execute"; }));
}

TEST(SourceConstructs, CMallocWithSizeofType) {
    TempDir dir;
    write(dir / "pool.c",
          "#include <stdlib.h>\n"
          "struct foo { int a; double b; };\n"
          "struct foo* make(size_t n) {\n"
          "    return malloc(n * sizeof(struct foo));\n"
          "}\n"
          "void* grow(void* p, size_t n) { return realloc(p, n); }\n");
    SourceAnalyzer analyzer({});
    const SiteClassification c = analyzer.classify(dir / "pool.c", 4);
    ASSERT_EQ(c.status, ParseStatus::Ok) << c.reason;
    EXPECT_EQ(c.construct.kind, "malloc");
    EXPECT_EQ(c.construct.method, "malloc");
    EXPECT_EQ(c.construct.type, "struct foo");
    EXPECT_EQ(c.construct.function, "make");
    EXPECT_EQ(c.construct.description, "malloc of struct foo in make");
    const SiteClassification r = analyzer.classify(dir / "pool.c", 6);
    EXPECT_EQ(r.construct.method, "realloc");
    EXPECT_EQ(r.construct.type, "");
}

TEST(SourceConstructs, CppConstructsLoopsAndReserve) {
    TempDir dir;
    write(dir / "mix.cpp",
          "#include <functional>\n"                                              // 1
          "#include <map>\n"                                                     // 2
          "#include <memory>\n"                                                  // 3
          "#include <string>\n"                                                  // 4
          "#include <vector>\n"                                                  // 5
          "struct Node { int v; };\n"                                            // 6
          "void take(std::function<void()> f);\n"                                // 7
          "class Pool {\n"                                                       // 8
          "public:\n"                                                            // 9
          "    void fill(int n);\n"                                              // 10
          "private:\n"                                                           // 11
          "    std::vector<Node> nodes_;\n"                                      // 12
          "};\n"                                                                 // 13
          "void Pool::fill(int n) {\n"                                           // 14
          "    nodes_.reserve(n);\n"                                             // 15
          "    for (int i = 0; i < n; ++i)\n"                                    // 16
          "        for (int j = 0; j < i; ++j) nodes_.emplace_back(Node{j});\n"  // 17
          "}\n"                                                                  // 18
          "void misc(std::map<int, std::string>& m, std::string& out) {\n"       // 19
          "    auto p = std::make_shared<Node>();\n"                             // 20
          "    auto u = std::make_unique<Node>();\n"                             // 21
          "    take([p] { (void)p; });\n"                                        // 22
          "    for (auto v = std::vector<int>(3); int x : v) m[x] = \"x\";\n"    // 23
          "    while (out.size() < 10) out += \"ab\";\n"                         // 24
          "}\n");                                                                // 25
    SourceAnalyzer analyzer({});
    const SourceConstruct fill = analyzer.classify(dir / "mix.cpp", 17).construct;
    EXPECT_EQ(fill.kind, "container_growth");
    EXPECT_EQ(fill.method, "emplace_back");
    EXPECT_EQ(fill.container_type, "std::vector<Node>");
    EXPECT_EQ(fill.function, "Pool::fill");
    EXPECT_EQ(fill.class_name, "Pool");
    EXPECT_EQ(fill.loop_depth, 2);
    EXPECT_TRUE(fill.reserve_in_scope);
    EXPECT_EQ(fill.description,
              "std::vector<Node> grown by emplace_back inside 2 nested loops in Pool::fill "
              "(reserve/resize in scope)");

    const SourceConstruct shared = analyzer.classify(dir / "mix.cpp", 20).construct;
    EXPECT_EQ(shared.kind, "make_shared");
    EXPECT_EQ(shared.type, "Node");
    EXPECT_EQ(analyzer.classify(dir / "mix.cpp", 21).construct.kind, "make_unique");

    const SourceConstruct closure = analyzer.classify(dir / "mix.cpp", 22).construct;
    EXPECT_EQ(closure.kind, "closure");
    EXPECT_EQ(closure.type, "std::function<void ()>");

    const SourceConstruct map = analyzer.classify(dir / "mix.cpp", 23).construct;
    EXPECT_EQ(map.kind, "container_growth");
    EXPECT_EQ(map.method, "operator[]");
    EXPECT_EQ(map.container_type, "std::map<int, std::string>");
    EXPECT_EQ(map.loop_depth, 1);  // the body of the range-for; its init runs once

    const SourceConstruct append = analyzer.classify(dir / "mix.cpp", 24).construct;
    EXPECT_EQ(append.method, "operator+=");
    EXPECT_EQ(append.container_type, "std::string");
    EXPECT_EQ(append.loop_depth, 1);
    EXPECT_FALSE(append.reserve_in_scope);
}

TEST(SourceConstructs, SyntaxErrorIsReportedNotFatal) {
    TempDir dir;
    write(dir / "broken.cpp", "int f() {\n    return 1 +;\n}\n");
    SourceAnalyzer analyzer({});
    const SiteClassification c = analyzer.classify(dir / "broken.cpp", 2);
    EXPECT_EQ(c.status, ParseStatus::ParseError);
    EXPECT_NE(c.reason.find("broken.cpp:2:"), std::string::npos) << c.reason;
    EXPECT_NE(c.reason.find("error"), std::string::npos) << c.reason;
    EXPECT_EQ(c.construct.kind, "unknown");
}

TEST(SourceConstructs, MissingFileIsReportedNotFatal) {
    TempDir dir;
    SourceAnalyzer analyzer({});
    const SiteClassification c = analyzer.classify(dir / "gone.cpp", 3);
    EXPECT_EQ(c.status, ParseStatus::MissingFile);
    EXPECT_NE(c.reason.find("gone.cpp: no such source file"), std::string::npos) << c.reason;
    EXPECT_EQ(analyzer.cache_stats().misses, 0u);  // nothing parsed
}

TEST(SourceInventory, ListsAnAllocatingFunctionNothingCalls) {
    TempDir dir;
    write(dir / "app.cpp",
          "#include <vector>\n"
          "int* used() { return new int(1); }\n"
          "void never_called(std::vector<int>& v) {\n"
          "    for (int i = 0; i < 10; ++i) v.push_back(i);\n"
          "    int* p = new int[4];\n"
          "    delete[] p;\n"
          "}\n"
          "int quiet(int x) { return x + 1; }\n"
          "int main() { int* p = used(); int r = quiet(*p); delete p; return r; }\n");
    SourceAnalyzer analyzer({});
    const FileAnalysis& a = analyzer.analyze_file(dir / "app.cpp");
    ASSERT_EQ(a.status, ParseStatus::Ok) << a.reason;
    ASSERT_EQ(a.functions.size(), 2u);  // quiet and main hold no allocating construct
    EXPECT_EQ(a.functions[0].function, "used");
    EXPECT_EQ(a.functions[1].function, "never_called");
    EXPECT_EQ(a.functions[1].constructs, 2u);
    EXPECT_EQ(a.functions[1].in_loops, 1u);
    EXPECT_EQ(a.functions[1].line_begin, 3u);
    EXPECT_EQ(a.functions[1].line_end, 7u);
    EXPECT_EQ(a.functions[1].kinds, (std::vector<std::string>{"container_growth", "new_array"}));

    // A run whose stacks name main and used: never_called is the one gap.
    const std::vector<CoverageGap> gaps =
        rank_coverage_gaps({a}, [](const std::string&, const FunctionInventory& f) {
            return f.function == "used" || f.function == "main";
        });
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0].function.function, "never_called");
}

TEST(SourceCache, SecondAnalysisReadsTheCache) {
    TempDir dir;
    write(dir / "a.cpp", "#include \"a.h\"\nint* f() { return new int[N]; }\n");
    write(dir / "a.h", "#define N 4\n");
    SourceAnalyzerOptions options;
    options.cache_dir = dir / "cache";
    {
        SourceAnalyzer first(options);
        EXPECT_EQ(first.classify(dir / "a.cpp", 2).construct.kind, "new_array");
        EXPECT_EQ(first.classify(dir / "a.cpp", 2).construct.kind, "new_array");  // in memory
        EXPECT_EQ(first.cache_stats().misses, 1u);
        EXPECT_EQ(first.cache_stats().hits, 0u);
        EXPECT_EQ(first.cache_stats().memory_hits, 1u);
    }
    {
        SourceAnalyzer second(options);
        const SiteClassification c = second.classify(dir / "a.cpp", 2);
        EXPECT_EQ(c.construct.kind, "new_array");
        EXPECT_EQ(c.construct.type, "int");
        EXPECT_EQ(second.cache_stats().hits, 1u);
        EXPECT_EQ(second.cache_stats().misses, 0u);
    }
    write(dir / "a.h", "#define N 8\n");  // an included header changed: parse again
    {
        SourceAnalyzer third(options);
        EXPECT_EQ(third.classify(dir / "a.cpp", 2).construct.kind, "new_array");
        EXPECT_EQ(third.cache_stats().misses, 1u);
        EXPECT_EQ(third.cache_stats().stale, 1u);
    }
    write(dir / "a.cpp", "#include \"a.h\"\nint* f() { return new int; }\n");  // the file changed
    {
        SourceAnalyzer fourth(options);
        EXPECT_EQ(fourth.classify(dir / "a.cpp", 2).construct.kind, "new");
        EXPECT_EQ(fourth.cache_stats().misses, 1u);
    }
}

TEST(SourceFlags, CompileCommandsGiveTheFlags) {
    TempDir dir;
    fs::create_directories(dir / "src");
    fs::create_directories(dir / "inc");
    write(dir / "inc" / "types.h", "struct Widget { int w; };\n");
    write(dir / "src" / "w.cpp",
          "#include \"types.h\"\nWidget* make() { return new Widget{KIND}; }\n");
    SourceAnalyzer analyzer(with_database(
        dir.path(), {{"src/w.cpp", "c++ -Iinc -DKIND=3 -Werror -Wall -std=c++17 -c src/w.cpp -o w.o"}}));
    const std::vector<std::string> flags = analyzer.flags_for(dir / "src" / "w.cpp");
    EXPECT_EQ(flags, (std::vector<std::string>{"-working-directory", dir.path().string(), "-Iinc",
                                               "-DKIND=3", "-std=c++17"}));
    const SiteClassification c = analyzer.classify(dir / "src" / "w.cpp", 2);
    ASSERT_EQ(c.status, ParseStatus::Ok) << c.reason;
    EXPECT_EQ(c.construct.type, "Widget");

    // Without the database the include and the macro are missing: a parse error, reported.
    SourceAnalyzer plain({});
    const SiteClassification p = plain.classify(dir / "src" / "w.cpp", 2);
    EXPECT_EQ(p.status, ParseStatus::ParseError);
    EXPECT_NE(p.reason.find("types.h"), std::string::npos) << p.reason;
}

TEST(SourceFlags, BadCompileCommandsIsRefusedWithTheFileName) {
    TempDir dir;
    write(dir / "compile_commands.json", "{\"not\": \"an array\"}");
    SourceAnalyzerOptions options;
    options.compile_commands = dir / "compile_commands.json";
    try {
        SourceAnalyzer analyzer(options);
        FAIL() << "accepted";
    } catch (const CompilationDatabaseError& e) {
        EXPECT_NE(std::string(e.what()).find("compile_commands.json: not a compilation database"),
                  std::string::npos);
    }
}

TEST(SourceFlags, SplitCommandFollowsShellQuoting) {
    EXPECT_EQ(split_command("cc -DNAME=\"a b\" 'x y' z\\ w"),
              (std::vector<std::string>{"cc", "-DNAME=a b", "x y", "z w"}));
}

TEST(SourceTree, FindsTranslationUnitsSkippingBuildTrees) {
    TempDir dir;
    fs::create_directories(dir / "lib");
    fs::create_directories(dir / "build");
    write(dir / "lib" / "a.cc", "");
    write(dir / "main.c", "");
    write(dir / "lib" / "a.h", "");
    write(dir / "build" / "CMakeCache.txt", "");
    write(dir / "build" / "gen.cpp", "");
    const std::vector<fs::path> units = find_translation_units(dir.path());
    EXPECT_EQ(units, (std::vector<fs::path>{dir / "lib" / "a.cc", dir / "main.c"}));
}

// A GCC build's compile_commands.json carries options clang does not know: the file parses
// without them instead of failing.
TEST(SourceFlags, GccOnlyOptionsAreDroppedNotFatal) {
    TempDir dir;
    write(dir / "g.cpp", "struct Item { int i; };\nItem* make() { return new Item{1}; }\n");
    SourceAnalyzer analyzer(with_database(dir.path(), {{"g.cpp", "g++ -O1 -fno-allocation-dce -std=c++20 -c g.cpp"}}));
    const SiteClassification c = analyzer.classify(dir / "g.cpp", 2);
    ASSERT_EQ(c.status, ParseStatus::Ok) << c.reason;
    EXPECT_EQ(c.construct.type, "Item");
}

// With a database, the tree's translation units are its entries under the root.
TEST(SourceTree, TranslationUnitsComeFromTheDatabaseWhenThereIsOne) {
    TempDir dir;
    fs::create_directories(dir / "src");
    write(dir / "src" / "in.cpp", "");
    write(dir / "src" / "not_built.cpp", "");
    write(dir / "elsewhere.cpp", "");
    const SourceAnalyzerOptions options =
        with_database(dir.path(), {{"src/in.cpp", "c++ -c src/in.cpp"}, {"elsewhere.cpp", "c++ -c elsewhere.cpp"}});
    EXPECT_EQ(SourceAnalyzer(options).translation_units(dir / "src"), std::vector<fs::path>{dir / "src" / "in.cpp"});
    EXPECT_EQ(SourceAnalyzer({}).translation_units(dir / "src"),
              (std::vector<fs::path>{dir / "src" / "in.cpp", dir / "src" / "not_built.cpp"}));
}

TEST(SourceTree, IsUnderComparesWholePathComponents) {
    EXPECT_TRUE(is_under("/src/a/b.cpp", "/src"));
    EXPECT_TRUE(is_under("/src/a/b.cpp", "/src/"));
    EXPECT_TRUE(is_under("/src/a/../b.cpp", "/src"));
    EXPECT_FALSE(is_under("/src2/b.cpp", "/src"));
    EXPECT_FALSE(is_under("/src/../etc/b.cpp", "/src"));
    EXPECT_FALSE(is_under("/usr/include/vector", "/src"));
}

}  // namespace
}  // namespace allocprof::analyzers::source
