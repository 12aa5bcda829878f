// planted_sites_plugin.cpp — libplanted_sites_plugin.so, dlopen'ed by planted_sites: the
// site of a function in a library loaded at run time. plugin_site(n) allocates and frees
// n blocks of 48 bytes; its `// site:plugin` line is what `allocprof top` must name.
#include <cstdint>
#include <cstdlib>

namespace {
volatile uintptr_t sink;
}  // namespace

extern "C" __attribute__((visibility("default"), noinline)) void plugin_site(int n) {
    for (int i = 0; i < n; ++i) {
        void* p = malloc(48);  // site:plugin
        sink = sink + reinterpret_cast<uintptr_t>(p);
        free(p);
    }
}
