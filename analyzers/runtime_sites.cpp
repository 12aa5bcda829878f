// runtime_sites.cpp — see runtime_sites.h.
#include "analyzers/runtime_sites.h"

#include <fnmatch.h>

#include <string>

namespace allocprof::analyzers {

bool is_runtime_module(std::string_view module) {
    static constexpr const char* kRuntime[] = {
        "libc.so*",  "libc-*.so", "ld-linux*.so*", "ld-*.so*",  "ld64.so*", "libm.so*", "libpthread.so*",
        "libdl.so*", "librt.so*", "libstdc++.so*", "libgcc_s.so*", "libsupc++*", "libc++.so*", "libc++abi.so*",
    };
    const std::string name(module);
    for (const char* pattern : kRuntime)
        if (fnmatch(pattern, name.c_str(), 0) == 0) return true;
    return false;
}

}  // namespace allocprof::analyzers
