// Which modules are the runtime's: libc, the loader, libstdc++, libgcc — by file name,
// never the program, an interpreter or another library.
#include <gtest/gtest.h>

#include "analyzers/runtime_sites.h"

namespace allocprof::analyzers {
namespace {

TEST(RuntimeSites, TheRuntimesLibrariesByFileName) {
    for (const char* m : {"libc.so.6", "ld-linux-x86-64.so.2", "libstdc++.so.6", "libgcc_s.so.1", "libm.so.6",
                          "libpthread.so.0", "libc++.so.1"})
        EXPECT_TRUE(is_runtime_module(m)) << m;
    for (const char* m : {"lua5.4", "python3.11", "libpython3.11.so.1.0", "liblua5.4.so.0", "libcrypto.so.3",
                          "libcurl.so.4", "[no module]", "[perf-map]", "a.out", "libcache.so"})
        EXPECT_FALSE(is_runtime_module(m)) << m;
}

}  // namespace
}  // namespace allocprof::analyzers
