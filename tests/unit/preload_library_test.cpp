// Checks the built liballocprof_preload.so itself: it needs nothing but libc, libdl,
// pthread and libunwind (principle 2 of the project's style), and it exports every
// function of the hook table (wire/hooked_functions.def) plus the marker API, and nothing
// else: interpose/exports.map is generated from the table, this checks the result.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

namespace {

std::string run(const std::string& command) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    pclose(p);
    return out;
}

std::set<std::string> words_after(const std::string& text, const std::string& marker) {
    std::set<std::string> result;
    size_t pos = 0;
    while ((pos = text.find(marker, pos)) != std::string::npos) {
        pos += marker.size();
        size_t end = text.find_first_of("]\n", pos);
        result.insert(text.substr(pos, end - pos));
    }
    return result;
}

}  // namespace

TEST(PreloadLibrary, NeedsOnlyLibcLibdlPthreadAndLibunwind) {
    std::string dynamic = run("readelf -d " ALLOCPROF_PRELOAD_PATH);
    auto needed = words_after(dynamic, "Shared library: [");
    ASSERT_FALSE(needed.empty()) << dynamic;
    for (const auto& lib : needed) {
        bool allowed = lib.rfind("libc.so", 0) == 0 || lib.rfind("libdl.so", 0) == 0 ||
                       lib.rfind("libpthread.so", 0) == 0 || lib.rfind("libunwind.so", 0) == 0 ||
                       lib.rfind("ld-linux", 0) == 0;
        EXPECT_TRUE(allowed) << "unexpected dependency " << lib;
    }
}

TEST(PreloadLibrary, ExportsEveryHookAndTheMarkerApi) {
    std::string symbols = run("nm -D --defined-only " ALLOCPROF_PRELOAD_PATH);
    std::set<std::string> exported;
    size_t pos = 0;
    while (pos < symbols.size()) {
        size_t end = symbols.find('\n', pos);
        std::string line = symbols.substr(pos, end - pos);
        size_t space = line.rfind(' ');
        if (space != std::string::npos) exported.insert(line.substr(space + 1));
        pos = end == std::string::npos ? symbols.size() : end + 1;
    }
    std::vector<std::string> expected = {
#define ALLOCPROF_HOOK(name, id, value, ret, params, kind) #name,
#define ALLOCPROF_HOOK_SHARING(name, id, ret, params, kind) #name,
#define ALLOCPROF_HOOK_NO_EVENT(name, ret, params, kind) #name,
#include "wire/hooked_functions.def"
#undef ALLOCPROF_HOOK
#undef ALLOCPROF_HOOK_SHARING
#undef ALLOCPROF_HOOK_NO_EVENT
        "allocprof_phase_begin", "allocprof_phase_end", "allocprof_ops",
        "allocprof_thread_allocations", "allocprof_thread_bytes",
        "allocprof_scope_begin", "allocprof_scope_end", "allocprof_scope_read",
        "allocprof_scope_lines", "allocprof_script_function",
        // The interpreter bindings' entry points (lua_frames.cpp, python_frames.cpp).
        "allocprof_lua_open", "allocprof_python_attach", "allocprof_python_gc"};
    for (const auto& name : expected) EXPECT_TRUE(exported.count(name)) << name << " is not exported";
    // And nothing else (interpose/exports.map): no symbol of ours may interpose on the
    // target's. Version-script markers of the form "NAME@@VERSION" do not occur here.
    std::set<std::string> allowed(expected.begin(), expected.end());
    for (const auto& name : exported) EXPECT_TRUE(allowed.count(name)) << name << " is exported";
}
