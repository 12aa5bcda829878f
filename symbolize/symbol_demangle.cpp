// symbol_demangle.cpp — see symbol_demangle.h.
#include "symbolize/symbol_demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace allocprof::symbolize {

std::string demangle(const char* name) {
    if (name == nullptr) return {};
    // Only mangled names go to the demangler: it also accepts some plain C names ("f" is a
    // valid <type>, "float") and would turn them into nonsense.
    if (name[0] != '_' || name[1] != 'Z') return name;
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> out(
        abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
    if (status != 0 || out == nullptr) return name;
    return out.get();
}

std::string function_name_from_symbol(const char* name) {
    if (name == nullptr) return {};
    // A symbol version ("__libc_start_main@@GLIBC_2.34", ".symtab of glibc") is not part of
    // the function's name, and the demangler rejects it.
    std::string bare = name;
    size_t at = bare.find('@', 1);
    if (at != std::string::npos) bare.resize(at);
    std::string out = demangle(bare.c_str());
    if (out == bare) {
        // Not demangled: a C name, cut at the first '.' (but keep a leading one).
        size_t dot = out.find('.', 1);
        if (dot != std::string::npos) out.resize(dot);
        return out;
    }
    static const std::string kClone = " [clone ";
    for (size_t clone; (clone = out.find(kClone)) != std::string::npos;) {
        size_t close = out.find(']', clone);
        out.erase(clone, close == std::string::npos ? std::string::npos : close + 1 - clone);
    }
    return out;
}

}  // namespace allocprof::symbolize
