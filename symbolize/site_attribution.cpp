// site_attribution.cpp — see site_attribution.h.
#include "symbolize/site_attribution.h"

#include <fnmatch.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace allocprof::symbolize {
namespace {

// libc's allocating entry points and string duplicators, as exported and as glibc's own
// DWARF names them (__libc_malloc, __strdup; "__GI_" internal aliases are stripped first).
constexpr std::array<std::string_view, 30> kLibcAllocators = {"malloc",
                                                              "calloc",
                                                              "realloc",
                                                              "reallocarray",
                                                              "free",
                                                              "posix_memalign",
                                                              "aligned_alloc",
                                                              "memalign",
                                                              "valloc",
                                                              "pvalloc",
                                                              "strdup",
                                                              "strndup",
                                                              "__strdup",
                                                              "__strndup",
                                                              "wcsdup",
                                                              "__wcsdup",
                                                              "__libc_malloc",
                                                              "__libc_calloc",
                                                              "__libc_realloc",
                                                              "__libc_reallocarray",
                                                              "__libc_free",
                                                              "__libc_memalign",
                                                              "__libc_valloc",
                                                              "__libc_pvalloc",
                                                              "__posix_memalign",
                                                              "__libc_posix_memalign",
                                                              "__libc_aligned_alloc",
                                                              "free_sized",
                                                              "free_aligned_sized",
                                                              "_mid_memalign"};

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

bool is_identifier_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// libc, and the dynamic loader: its rtld-malloc.h wrappers (static inline malloc, calloc,
// ...) call through to libc's malloc once the program runs.
// The index of the ')' closing the '(' at `open`, or npos.
size_t matching_paren(std::string_view s, size_t open) {
    int depth = 0;
    for (size_t i = open; i < s.size(); ++i) {
        if (s[i] == '(') ++depth;
        if (s[i] == ')' && --depth == 0) return i;
    }
    return std::string_view::npos;
}

bool is_libc(std::string_view module) {
    return starts_with(module, "libc.so") || starts_with(module, "libc-") ||
           starts_with(module, "ld-linux") || starts_with(module, "ld.so") ||
           starts_with(module, "ld-2.");
}

}  // namespace

std::string SiteIdentity::site_key() const {
    return nlohmann::json::array({module, function, file, line}).dump();
}

std::string SiteIdentity::function_key() const {
    return nlohmann::json::array({module, function}).dump();
}

std::string_view qualified_name(std::string_view name) {
    size_t start = 0;
    size_t end = name.size();
    int depth = 0;  // inside <>, {}, [] or a nested ()
    size_t i = 0;
    while (i < name.size()) {
        // An operator's symbol ("()", "<<", "->", " new[]") is part of the name and must not
        // count as brackets: skip it up to its parameter list.
        if (name.compare(i, 8, "operator") == 0 && (i == 0 || !is_identifier_char(name[i - 1])) &&
            (i + 8 == name.size() || !is_identifier_char(name[i + 8]))) {
            i += 8;
            if (name.compare(i, 2, "()") == 0) {
                i += 2;
            } else {
                while (i < name.size() && name[i] != '(') ++i;
            }
            continue;
        }
        if (name.compare(i, 21, "(anonymous namespace)") == 0) {
            i += 21;
            continue;
        }
        char c = name[i];
        if (c == '<' || c == '{' || c == '[') {
            ++depth;
        } else if (c == '>' || c == '}' || c == ']' || c == ')') {
            if (depth > 0) --depth;
        } else if (c == '(') {
            if (depth == 0) {
                // "f(int)::{lambda()#1}::operator()": the parameters of an enclosing
                // function (of a local class or lambda) belong to the name.
                const size_t close = matching_paren(name, i);
                if (close != std::string_view::npos) {
                    size_t after = close + 1;
                    if (name.compare(after, 6, " const") == 0) after += 6;
                    if (name.compare(after, 2, "::") == 0) {
                        i = after;
                        continue;
                    }
                }
                end = i;
                break;
            }
            ++depth;
        } else if (c == ' ' && depth == 0) {
            start = i + 1;  // what came before was the return type
        }
        ++i;
    }
    return name.substr(start, end - start);
}

SiteAttributor::SiteAttributor(std::vector<std::string> wrapper_patterns)
    : patterns_(std::move(wrapper_patterns)) {}

bool is_startup_function(std::string_view qualified) {
    static constexpr std::string_view kStartup[] = {
        "lua_newstate",    "luaL_newstate",           "luaL_openlibs",    "Py_Initialize",
        "Py_InitializeEx", "Py_InitializeFromConfig", "Py_PreInitialize", "_PyRuntime_Initialize",
    };
    for (std::string_view name : kStartup)
        if (qualified == name) return true;
    return false;
}

SiteAttributor::Kind SiteAttributor::kind(const AttributionFrame& frame) const {
    if (frame.function.empty()) {
        // Unknown code is never skipped: hiding it would give its allocations to a caller
        // that may not be the one responsible.
        return starts_with(frame.module, "liballocprof_preload") ? Kind::Plumbing : Kind::Code;
    }
    // Inlined libstdc++ code whose DWARF name says neither std:: nor __gnu_cxx::.
    if (frame.file.find("/include/c++/") != std::string_view::npos) return Kind::Plumbing;
    std::string key;
    key.reserve(frame.module.size() + frame.function.size() + 1);
    key.append(frame.module).push_back('\0');
    key.append(frame.function);
    auto found = cache_.find(key);
    if (found != cache_.end()) return found->second;
    const Kind k = compute_kind(frame);
    cache_.emplace(std::move(key), k);
    return k;
}

SiteAttributor::Kind SiteAttributor::compute_kind(const AttributionFrame& frame) const {
    if (starts_with(frame.module, "liballocprof_preload")) return Kind::Plumbing;
    std::string_view name = qualified_name(frame.function);
    if (is_libc(frame.module)) {
        std::string_view plain = starts_with(name, "__GI_") ? name.substr(5) : name;
        for (std::string_view allocator : kLibcAllocators)
            if (plain == allocator) return Kind::Plumbing;
    }
    if (starts_with(name, "operator new")) return Kind::Plumbing;  // also operator new[]
    if (starts_with(name, "std::") || starts_with(name, "__gnu_cxx::")) return Kind::Plumbing;
    std::string pattern_subject(name);
    for (const std::string& pattern : patterns_)
        if (fnmatch(pattern.c_str(), pattern_subject.c_str(), 0) == 0) return Kind::Plumbing;
    return is_startup_function(name) ? Kind::Startup : Kind::Code;
}

size_t SiteAttributor::site_index(std::span<const AttributionFrame> stack) const {
    size_t site = 0;
    while (site < stack.size() && is_plumbing(stack[site])) ++site;
    if (site == stack.size()) return 0;
    for (size_t i = site; i < stack.size(); ++i)
        if (kind(stack[i]) == Kind::Startup) return i;
    return site;
}

SiteIdentity SiteAttributor::identity(const AttributionFrame& frame) {
    SiteIdentity site;
    site.module = std::string(frame.module);
    if (frame.function.empty()) {
        char offset[32];
        std::snprintf(offset, sizeof offset, "+0x%llx",
                      static_cast<unsigned long long>(frame.offset));
        site.function = site.module + offset;
    } else {
        site.function = std::string(frame.function);
    }
    std::string_view file = frame.file;
    while (starts_with(file, "./")) file.remove_prefix(2);
    site.file = std::string(file);
    site.line = frame.line;
    return site;
}

}  // namespace allocprof::symbolize
