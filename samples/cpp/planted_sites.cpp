// planted_sites.cpp — allocation sites of every shape `allocprof top` must name exactly:
// a plain function, a static function, an inlined helper, a lambda, a template
// instantiation, a function in a dlopen'ed library (planted_sites_plugin.cpp, path in
// argv[1]) and a std::vector growing by push_back.
//
// Each site allocates a distinct number of times, so a test can find it by its count:
//   site       allocations  expected site (function; line = the `// site:NAME` line)
//   plain      21           plain_site(int)
//   static     22           static_site(int)
//   inlined    23           inlined_helper (the helper itself, inlined into inlined_site)
//   lambda     24           lambda_site()::{lambda(unsigned long)#1}::operator()
//   template   25           make_array<double>(unsigned long)
//   plugin     26           plugin_site (in libplanted_sites_plugin.so)
//   vector     27           vector_site(int): 3 vectors x 256 push_backs = 3 x 9 buffers
//                           (capacity 1, 2, 4, ..., 256); the line calling push_back
// Every block is freed at once. The `// site:NAME` comments mark the allocating line; the
// tests read them, so keep each on the line of its call. Exit 0, or 1 if the plugin cannot
// be loaded.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace {

volatile uintptr_t sink;

void keep_and_free(void* p) {
    sink = sink + reinterpret_cast<uintptr_t>(p);
    free(p);
}

}  // namespace

__attribute__((noinline)) void plain_site(int n) {
    for (int i = 0; i < n; ++i) {
        void* p = malloc(16);  // site:plain
        keep_and_free(p);
    }
}

static __attribute__((noinline)) void static_site(int n) {
    for (int i = 0; i < n; ++i) {
        void* p = malloc(24);  // site:static
        keep_and_free(p);
    }
}

static inline __attribute__((always_inline)) void* inlined_helper(size_t size) {
    return malloc(size);  // site:inlined
}

__attribute__((noinline)) void inlined_site(int n) {
    for (int i = 0; i < n; ++i) keep_and_free(inlined_helper(32));
}

__attribute__((noinline)) void lambda_site() {
    auto allocate = [](size_t size) __attribute__((noinline)) {
        return malloc(size);  // site:lambda
    };
    for (int i = 0; i < 24; ++i) keep_and_free(allocate(40));
}

template <typename T>
__attribute__((noinline)) T* make_array(size_t count) {
    return static_cast<T*>(malloc(count * sizeof(T)));  // site:template
}

__attribute__((noinline)) void vector_site(int rounds) {
    for (int r = 0; r < rounds; ++r) {
        std::vector<int> values;
        for (int i = 0; i < 256; ++i) values.push_back(i);  // site:vector
        sink = sink + static_cast<uintptr_t>(values.back());
    }
}

int main(int argc, char** argv) {
    if (argc < 2) {
        write(2, "usage: planted_sites PLUGIN.so\n", 31);
        return 1;
    }
    plain_site(21);
    static_site(22);
    inlined_site(23);
    lambda_site();
    for (int i = 0; i < 25; ++i) keep_and_free(make_array<double>(8));
    void* plugin = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    auto plugin_site =
        plugin ? reinterpret_cast<void (*)(int)>(dlsym(plugin, "plugin_site")) : nullptr;
    if (plugin_site == nullptr) {
        write(2, "planted_sites: cannot load the plugin\n", 38);
        return 1;
    }
    plugin_site(26);
    vector_site(3);
    return 0;
}
