// symbols_lib.cpp — libsymbols_lib.so, the shared library of the symbolizer sample: the
// probe every planted site calls, an exported function and a static one (absent from
// .dynsym: a stripped copy cannot name it). Built with -g; make_variants.sh makes stripped
// copies with and without separate debug files.
//
// The `// site:NAME` comments mark the line each probe call is on; the tests read them
// to know which line to expect, so keep each on the line of its call.
#include "symbols_lib.h"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdio>

namespace {

volatile int lib_sink;

}  // namespace

extern "C" __attribute__((noinline, visibility("default"))) int symbols_probe(const char* site) {
    auto ip = reinterpret_cast<uintptr_t>(__builtin_return_address(0)) - 1;
    Dl_info info;
    link_map* map = nullptr;
    if (dladdr1(reinterpret_cast<void*>(ip), &info, reinterpret_cast<void**>(&map),
                RTLD_DL_LINKMAP) == 0 ||
        map == nullptr) {
        std::fprintf(stderr, "symbols_probe: no module for %s\n", site);
        return 1;
    }
    // The main program's link_map has an empty name.
    char self[PATH_MAX];
    const char* path = map->l_name;
    if (path[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = '\0';
        path = self;
    }
    std::printf("%s %s 0x%lx\n", site, path, static_cast<unsigned long>(ip - map->l_addr));
    return 1;
}

static __attribute__((noinline)) int lib_static_function(int x) {
    return x + symbols_probe("lib_static");  // site:lib_static
}

namespace symlib {

int exported_function(int x) {
    lib_sink = lib_sink + symbols_probe("lib_exported");  // site:lib_exported
    return lib_static_function(x);
}

}  // namespace symlib
