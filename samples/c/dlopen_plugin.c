/*
 * dlopen_plugin.c — loads libsample_plugin.so (path in argv[1]) with dlopen, has it build
 * a list of argv[2] nodes (default 1000), unloads it with dlclose, and only then frees the
 * list from the main program. Checks that the module map follows dlopen/dlclose: the
 * allocating stacks have a frame inside the plugin, which must still be attributed to the
 * plugin's module after it was unloaded.
 *
 * Pattern planted, inside the plugin (n = 1000): n mallocs of 16 + 8 * (i % 4) bytes,
 *   bytes = 250 * (16 + 24 + 32 + 40) = 28,000; all freed by main after dlclose.
 * The dynamic loader itself allocates in dlopen and frees most of it in dlclose (link
 * map, scope arrays, path strings); those are glibc's, not part of the planted pattern.
 * Exit status: 0, or 1 when the plugin cannot be loaded or computes a wrong sum.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

#include "sample_util.h"

typedef struct PluginNode PluginNode;
typedef PluginNode* (*BuildList)(size_t);
typedef long (*SumList)(const PluginNode*);

/* Mirrors the plugin's node layout, to walk and free the list without the plugin. */
struct PluginNode {
    struct PluginNode* next;
    size_t payload_words;
    long payload[];
};

int main(int argc, char** argv) {
    if (argc < 2) sample_fail("usage: dlopen_plugin PLUGIN.so [NODES]");
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;

    void* handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) sample_fail("dlopen failed");
    BuildList build = (BuildList)dlsym(handle, "plugin_build_list");
    SumList sum = (SumList)dlsym(handle, "plugin_sum_list");
    if (build == NULL || sum == NULL) sample_fail("plugin symbols missing");

    PluginNode* list = build(n);
    long total = sum(list);
    if (dlclose(handle) != 0) sample_fail("dlclose failed");

    long expected = 0;
    for (size_t i = 0; i < n; ++i)
        for (size_t w = 0; w < i % 4; ++w) expected += (long)(i + w);
    while (list != NULL) {
        PluginNode* next = list->next;
        free(list);
        list = next;
    }
    sample_report("nodes", n);
    return total == expected ? 0 : 1;
}
