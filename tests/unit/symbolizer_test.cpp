// symbolizer_test.cpp — the offline symbolizer against planted code shapes
// (samples/symbols): the sample prints the rel_pc of each planted call, the test
// symbolizes it and expects the exact function, file and line. The expected line is the
// one carrying the `// site:NAME` comment in the sample's source, so editing the sample
// does not break the test. Also: stripped copies (.dynsym only), separate debug files found
// by build-id and by debuglink, a system library with its -dbg package, and bad input
// (missing file, non-ELF file, rebuilt file, address outside the module).
#include "symbolize/symbolizer.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "symbolize/symbol_demangle.h"
#include "symbolize/symbol_table.h"

namespace {

using allocprof::symbolize::demangle;
using allocprof::symbolize::DwarfSource;
using allocprof::symbolize::ModuleStatus;
using allocprof::symbolize::SymbolizedAddress;
using allocprof::symbolize::Symbolizer;
using allocprof::symbolize::SymbolQuality;
using allocprof::symbolize::SymbolTable;

const std::string kSample = ALLOCPROF_SYMBOLS_SAMPLE;
const std::string kLibrary = ALLOCPROF_SYMBOLS_LIB;
const std::string kVariants = ALLOCPROF_SYMBOLS_VARIANTS_DIR;
const std::string kSourceDir = ALLOCPROF_SYMBOLS_SOURCE_DIR;
const std::string kSampleSource = kSourceDir + "/symbols_sample.cpp";
const std::string kLibrarySource = kSourceDir + "/symbols_lib.cpp";

struct Site {
    std::string module;
    uint64_t rel_pc = 0;
};

// Runs the sample once: site name -> (module, rel_pc).
const std::map<std::string, Site>& sites() {
    static const std::map<std::string, Site> result = [] {
        std::map<std::string, Site> out;
        FILE* pipe = popen(kSample.c_str(), "r");
        if (pipe == nullptr) return out;
        char line[4096];
        while (std::fgets(line, sizeof line, pipe) != nullptr) {
            std::istringstream in(line);
            std::string name, module, pc;
            if (in >> name >> module >> pc) out[name] = {module, std::stoull(pc, nullptr, 16)};
        }
        pclose(pipe);
        return out;
    }();
    return result;
}

const Site& site(const std::string& name) {
    static const Site kNone;
    auto it = sites().find(name);
    EXPECT_NE(it, sites().end()) << "the sample printed no site " << name;
    return it == sites().end() ? kNone : it->second;
}

// The 1-based line of `file` carrying "// site:NAME" (whole word), or 0.
int marker_line(const std::string& file, const std::string& name) {
    std::ifstream in(file);
    std::string text;
    const std::string marker = "// site:" + name;
    for (int number = 1; std::getline(in, text); ++number) {
        size_t at = text.find(marker);
        if (at != std::string::npos && at + marker.size() == text.size()) return number;
    }
    ADD_FAILURE() << "no marker " << marker << " in " << file;
    return 0;
}

std::string basename(const std::string& path) {
    return std::filesystem::path(path).filename().string();
}

// Checks a one-frame (not inlined) FileLine result.
void expect_function_at(const SymbolizedAddress& result, const std::string& function,
                        const std::string& source, const std::string& marker) {
    ASSERT_EQ(result.quality, SymbolQuality::FileLine);
    ASSERT_EQ(result.frames.size(), 1u);
    EXPECT_EQ(result.frames[0].function, function);
    EXPECT_EQ(basename(result.frames[0].file), basename(source));
    EXPECT_EQ(result.frames[0].line, marker_line(source, marker));
    EXPECT_FALSE(result.frames[0].inlined);
}

const SymbolizedAddress& symbolize_site(Symbolizer& symbolizer, const std::string& name) {
    const Site& s = site(name);
    return symbolizer.symbolize(s.module, "", s.rel_pc);
}

TEST(Symbolizer, SampleRanAndReportedEverySite) {
    for (const char* name : {"plain", "static", "inlined", "lambda", "template", "method",
                             "lib_exported", "lib_static"}) {
        EXPECT_EQ(sites().count(name), 1u) << name;
    }
    EXPECT_EQ(site("plain").module, std::filesystem::canonical(kSample).string());
    EXPECT_EQ(basename(site("lib_exported").module), basename(kLibrary));
}

TEST(Symbolizer, PlainFunction) {
    Symbolizer symbolizer;
    expect_function_at(symbolize_site(symbolizer, "plain"), "plain_function()", kSampleSource,
                       "plain");
}

TEST(Symbolizer, StaticFunction) {
    Symbolizer symbolizer;
    expect_function_at(symbolize_site(symbolizer, "static"), "static_function()", kSampleSource,
                       "static");
}

TEST(Symbolizer, InlinedHelperIsAnInlinedFrameCalledFromItsCallSite) {
    Symbolizer symbolizer;
    const SymbolizedAddress& result = symbolize_site(symbolizer, "inlined");
    ASSERT_EQ(result.quality, SymbolQuality::FileLine);
    ASSERT_EQ(result.frames.size(), 2u);
    // A static function has no linkage name in GCC's DWARF, and an inlined frame has no
    // symbol: its name is DW_AT_name, without parameters.
    EXPECT_EQ(result.frames[0].function, "inlined_helper");
    EXPECT_EQ(basename(result.frames[0].file), "symbols_sample.cpp");
    EXPECT_EQ(result.frames[0].line, marker_line(kSampleSource, "inlined_helper"));
    EXPECT_TRUE(result.frames[0].inlined);
    EXPECT_EQ(result.frames[1].function, "calls_inlined_helper()");
    EXPECT_EQ(basename(result.frames[1].file), "symbols_sample.cpp");
    EXPECT_EQ(result.frames[1].line, marker_line(kSampleSource, "inlined_call"));
    EXPECT_FALSE(result.frames[1].inlined);
}

TEST(Symbolizer, Lambda) {
    Symbolizer symbolizer;
    expect_function_at(symbolize_site(symbolizer, "lambda"),
                       "run_lambda()::{lambda(int)#1}::operator()(int) const", kSampleSource,
                       "lambda");
}

TEST(Symbolizer, TemplateInstantiationIsDemangled) {
    Symbolizer symbolizer;
    expect_function_at(symbolize_site(symbolizer, "template"), "long twice<long>(long)",
                       kSampleSource, "template");
}

TEST(Symbolizer, MemberFunctionInNamespace) {
    Symbolizer symbolizer;
    expect_function_at(symbolize_site(symbolizer, "method"), "samples::Widget::method()",
                       kSampleSource, "method");
}

TEST(Symbolizer, SharedLibraryFunctions) {
    Symbolizer symbolizer;
    expect_function_at(symbolize_site(symbolizer, "lib_exported"),
                       "symlib::exported_function(int)", kLibrarySource, "lib_exported");
    expect_function_at(symbolize_site(symbolizer, "lib_static"), "lib_static_function(int)",
                       kLibrarySource, "lib_static");
}

TEST(Symbolizer, ModuleInfoOfAFileBuiltWithDebugInfo) {
    Symbolizer symbolizer;
    auto module = symbolizer.open_module(kSample, "");
    const auto& info = symbolizer.module_info(module);
    EXPECT_EQ(info.status, ModuleStatus::Dwarf);
    EXPECT_EQ(info.dwarf_source, DwarfSource::InFile);
    EXPECT_EQ(info.debug_file, kSample);
    EXPECT_EQ(info.symbol_table, ".symtab");
    EXPECT_GT(info.function_symbols, 5u);
    EXPECT_EQ(info.file_build_id.size(), 40u);  // GNU ld's default sha1
}

TEST(Symbolizer, ResultsAreCachedPerModuleAndAddress) {
    Symbolizer symbolizer;
    const SymbolizedAddress& first = symbolize_site(symbolizer, "plain");
    const SymbolizedAddress& second = symbolize_site(symbolizer, "plain");
    EXPECT_EQ(&first, &second);
    // Other lookups (which grow the cache) leave the reference valid.
    for (const auto& [name, s] : sites()) symbolizer.symbolize(s.module, "", s.rel_pc);
    for (uint64_t pc = 0x1000; pc < 0x1400; ++pc) symbolizer.symbolize(kSample, "", pc);
    EXPECT_EQ(first.frames.at(0).function, "plain_function()");
}

TEST(Symbolizer, MatchingBuildIdIsAcceptedAnotherIsRefused) {
    Symbolizer symbolizer;
    const Site& s = site("lib_exported");
    auto module = symbolizer.open_module(s.module, "");
    std::string real_id = symbolizer.module_info(module).file_build_id;
    ASSERT_FALSE(real_id.empty());
    EXPECT_EQ(symbolizer.symbolize(s.module, real_id, s.rel_pc).quality, SymbolQuality::FileLine);

    // The file was rebuilt since the run: its addresses would name other code.
    auto stale = symbolizer.open_module(s.module, "00112233445566778899aabbccddeeff00112233");
    EXPECT_EQ(symbolizer.module_info(stale).status, ModuleStatus::BuildIdMismatch);
    const SymbolizedAddress& result = symbolizer.symbolize(stale, s.rel_pc);
    EXPECT_EQ(result.quality, SymbolQuality::Unknown);
    EXPECT_TRUE(result.frames.empty());
}

TEST(Symbolizer, StrippedExecutableGivesUnknownWithoutCrashing) {
    Symbolizer symbolizer;
    const std::string stripped = kVariants + "/stripped/" + basename(kSample);
    auto module = symbolizer.open_module(stripped, "");
    const auto& info = symbolizer.module_info(module);
    // A PIE's .dynsym holds only what it imports, so nothing names its own functions.
    EXPECT_NE(info.status, ModuleStatus::Dwarf);
    EXPECT_EQ(info.dwarf_source, DwarfSource::None);
    for (const char* name : {"plain", "static", "inlined", "lambda", "template", "method"}) {
        const SymbolizedAddress& result = symbolizer.symbolize(module, site(name).rel_pc);
        EXPECT_EQ(result.quality, SymbolQuality::Unknown) << name;
        EXPECT_TRUE(result.frames.empty()) << name;
    }
}

TEST(Symbolizer, StrippedLibraryNamesExportedFunctionsFromDynsymOnly) {
    Symbolizer symbolizer;
    const std::string stripped = kVariants + "/stripped/" + basename(kLibrary);
    auto module = symbolizer.open_module(stripped, "");
    const auto& info = symbolizer.module_info(module);
    EXPECT_EQ(info.status, ModuleStatus::SymbolTable);
    EXPECT_EQ(info.symbol_table, ".dynsym");

    const SymbolizedAddress& exported = symbolizer.symbolize(module, site("lib_exported").rel_pc);
    ASSERT_EQ(exported.quality, SymbolQuality::SymbolOnly);
    ASSERT_EQ(exported.frames.size(), 1u);
    EXPECT_EQ(exported.frames[0].function, "symlib::exported_function(int)");
    EXPECT_EQ(exported.frames[0].file, "");
    EXPECT_EQ(exported.frames[0].line, 0);

    // Not in .dynsym, and no exported symbol before it may claim it.
    const SymbolizedAddress& local = symbolizer.symbolize(module, site("lib_static").rel_pc);
    EXPECT_EQ(local.quality, SymbolQuality::Unknown);
    EXPECT_TRUE(local.frames.empty());
}

TEST(Symbolizer, SeparateDebugFileFoundByBuildId) {
    Symbolizer symbolizer({kVariants + "/buildid/debug"});
    const std::string stripped = kVariants + "/buildid/" + basename(kLibrary);
    auto module = symbolizer.open_module(stripped, "");
    const auto& info = symbolizer.module_info(module);
    EXPECT_EQ(info.status, ModuleStatus::Dwarf);
    EXPECT_EQ(info.dwarf_source, DwarfSource::BuildIdDir);
    EXPECT_NE(info.debug_file.find("/.build-id/" + info.file_build_id.substr(0, 2) + "/" +
                                   info.file_build_id.substr(2) + ".debug"),
              std::string::npos)
        << info.debug_file;
    expect_function_at(symbolizer.symbolize(module, site("lib_static").rel_pc),
                       "lib_static_function(int)", kLibrarySource, "lib_static");
    expect_function_at(symbolizer.symbolize(module, site("lib_exported").rel_pc),
                       "symlib::exported_function(int)", kLibrarySource, "lib_exported");
}

TEST(Symbolizer, SeparateDebugFileFoundByDebugLink) {
    Symbolizer symbolizer;
    const std::string stripped = kVariants + "/debuglink/" + basename(kLibrary);
    auto module = symbolizer.open_module(stripped, "");
    const auto& info = symbolizer.module_info(module);
    EXPECT_EQ(info.status, ModuleStatus::Dwarf);
    EXPECT_EQ(info.dwarf_source, DwarfSource::DebugLink);
    EXPECT_EQ(basename(info.debug_file), basename(kLibrary) + ".debug");
    expect_function_at(symbolizer.symbolize(module, site("lib_static").rel_pc),
                       "lib_static_function(int)", kLibrarySource, "lib_static");
}

TEST(Symbolizer, MissingOrPseudoFileIsUnknown) {
    Symbolizer symbolizer;
    for (const std::string path : {"/nonexistent/libnothing.so", "", "[vdso]",
                                   "/nonexistent/dir/file"}) {
        auto module = symbolizer.open_module(path, "abcd");
        EXPECT_EQ(symbolizer.module_info(module).status, ModuleStatus::Missing) << path;
        const SymbolizedAddress& result = symbolizer.symbolize(module, 0x1234);
        EXPECT_EQ(result.quality, SymbolQuality::Unknown) << path;
        EXPECT_TRUE(result.frames.empty()) << path;
    }
}

TEST(Symbolizer, NonElfFileAndDirectoryAreUnknown) {
    Symbolizer symbolizer;
    for (const std::string& path : {kSampleSource, kSourceDir}) {
        auto module = symbolizer.open_module(path, "");
        EXPECT_EQ(symbolizer.module_info(module).status, ModuleStatus::NotElf) << path;
        EXPECT_EQ(symbolizer.symbolize(module, 0x10).quality, SymbolQuality::Unknown) << path;
    }
}

TEST(Symbolizer, AddressOutsideAnyFunctionIsUnknown) {
    Symbolizer symbolizer;
    for (uint64_t pc : {uint64_t{0}, uint64_t{0x10}, uint64_t{0xffffffff00},
                        ~uint64_t{0}}) {
        EXPECT_EQ(symbolizer.symbolize(kSample, "", pc).quality, SymbolQuality::Unknown) << pc;
    }
}

TEST(Symbolizer, ForeignHandleIsUnknown) {
    Symbolizer symbolizer;
    EXPECT_EQ(symbolizer.symbolize(allocprof::symbolize::ModuleHandle{42}, 0x1000).quality,
              SymbolQuality::Unknown);
    EXPECT_EQ(symbolizer.module_info(allocprof::symbolize::ModuleHandle{42}).status,
              ModuleStatus::Missing);
}

// libc from the running process. With Debian's libc6-dbg installed, its DWARF comes from
// /usr/lib/debug/.build-id; without it, only .dynsym names exported functions.
TEST(Symbolizer, SystemLibraryUsesItsBuildIdDebugFileWhenInstalled) {
    void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    ASSERT_NE(libc, nullptr);
    // Through the libc handle, not RTLD_DEFAULT: a sanitizer build interposes some libc
    // functions, and we want libc's own code.
    void* function = dlsym(libc, "qsort");
    ASSERT_NE(function, nullptr);
    Dl_info dl;
    link_map* map = nullptr;
    ASSERT_NE(dladdr1(function, &dl, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP), 0);
    uint64_t rel_pc = reinterpret_cast<uintptr_t>(function) - map->l_addr;

    Symbolizer symbolizer;
    auto module = symbolizer.open_module(map->l_name, "");
    const auto& info = symbolizer.module_info(module);
    const SymbolizedAddress& result = symbolizer.symbolize(module, rel_pc);
    dlclose(libc);
    ASSERT_FALSE(result.frames.empty());
    if (info.status == ModuleStatus::Dwarf) {
        EXPECT_EQ(info.dwarf_source, DwarfSource::BuildIdDir);
        EXPECT_EQ(result.quality, SymbolQuality::FileLine);
        EXPECT_EQ(result.frames.back().function, "qsort");
        // stdlib/msort.c in glibc 2.36, stdlib/qsort.c from 2.37 on.
        EXPECT_NE(result.frames.front().file.find("stdlib/"), std::string::npos)
            << result.frames.front().file;
        EXPECT_GT(result.frames.front().line, 0);
    } else {
        EXPECT_EQ(info.status, ModuleStatus::SymbolTable);
        EXPECT_EQ(info.symbol_table, ".dynsym");
        EXPECT_EQ(result.quality, SymbolQuality::SymbolOnly);
        EXPECT_EQ(result.frames.back().function, "qsort");
        GTEST_SKIP() << "no -dbg package for " << map->l_name << ": checked .dynsym only";
    }
}

// The sorted table against libdwfl's own (linear) lookup, at every byte of the sample
// library, stripped and not.
TEST(SymbolTable, AgreesWithDwflModuleAddrname) {
    for (const std::string& path : {kLibrary, kVariants + "/stripped/" + basename(kLibrary)}) {
        Dwfl_Callbacks callbacks{};
        callbacks.find_elf = dwfl_build_id_find_elf;
        callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
        callbacks.section_address = dwfl_offline_section_address;
        Dwfl* dwfl = dwfl_begin(&callbacks);
        ASSERT_NE(dwfl, nullptr);
        dwfl_report_begin(dwfl);
        Dwfl_Module* module = dwfl_report_elf(dwfl, "lib", path.c_str(), -1, 0, true);
        dwfl_report_end(dwfl, nullptr, nullptr);
        ASSERT_NE(module, nullptr) << path;
        SymbolTable table;
        table.build(module);
        Dwarf_Addr start = 0, end = 0;
        dwfl_module_info(module, nullptr, &start, &end, nullptr, nullptr, nullptr, nullptr);
        int compared = 0;
        for (Dwarf_Addr address = start; address < end; ++address) {
            const char* expected = dwfl_module_addrname(module, address);
            const char* found = table.find(address);
            // libdwfl also returns data and section symbols; the table holds functions only.
            GElf_Sym sym;
            GElf_Off offset = 0;
            if (expected != nullptr &&
                (dwfl_module_addrinfo(module, address, &offset, &sym, nullptr, nullptr,
                                      nullptr) == nullptr ||
                 GELF_ST_TYPE(sym.st_info) != STT_FUNC)) {
                continue;
            }
            // For a size-0 symbol (_init) libdwfl goes on past the end of its section, into
            // the padding before the next one; the table stops at the section's end.
            if (expected != nullptr && sym.st_size == 0 && found == nullptr) continue;
            ++compared;
            ASSERT_EQ(found == nullptr, expected == nullptr)
                << path << " at 0x" << std::hex << address << ": "
                << (expected ? expected : "(none)") << " vs " << (found ? found : "(none)");
            if (found != nullptr) {
                ASSERT_STREQ(found, expected) << path << " at 0x" << std::hex << address;
            }
        }
        EXPECT_GT(compared, 100) << path;
        dwfl_end(dwfl);
    }
}

TEST(Demangle, MangledPlainAndInvalidNames) {
    EXPECT_EQ(demangle("_Z5twiceIlET_S0_"), "long twice<long>(long)");
    EXPECT_EQ(demangle("_ZN6symlib17exported_functionEi"), "symlib::exported_function(int)");
    EXPECT_EQ(demangle("malloc"), "malloc");
    EXPECT_EQ(demangle("f"), "f");  // a valid mangled <type> ("float"), but not a _Z name
    EXPECT_EQ(demangle("_Znot_valid("), "_Znot_valid(");
    EXPECT_EQ(demangle(nullptr), "");
}

TEST(Demangle, CompilerMadeCopiesNameTheirFunction) {
    using allocprof::symbolize::function_name_from_symbol;
    EXPECT_EQ(function_name_from_symbol("_Z3fooi.cold"), "foo(int)");
    EXPECT_EQ(function_name_from_symbol("_ZL3bari.constprop.0.isra.0"), "bar(int)");
    EXPECT_EQ(function_name_from_symbol("_ZN2ns1fEv"), "ns::f()");
    EXPECT_EQ(function_name_from_symbol("list_resize.part.0"), "list_resize");
    EXPECT_EQ(function_name_from_symbol("PyObject_Malloc"), "PyObject_Malloc");
    EXPECT_EQ(function_name_from_symbol(".annobin_init.c"), ".annobin_init");
    EXPECT_EQ(function_name_from_symbol("__libc_start_main@@GLIBC_2.34"), "__libc_start_main");
    EXPECT_EQ(function_name_from_symbol("_ZNSt6thread6_StateD2Ev@@GLIBCXX_3.4.22"),
              "std::thread::_State::~_State()");
    EXPECT_EQ(function_name_from_symbol(nullptr), "");
}

}  // namespace
