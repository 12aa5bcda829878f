/*
 * plugin.c — libsample_plugin.so, the shared library dlopen_plugin loads, calls and
 * unloads. Its one function allocates a linked list, so the allocations' stacks have a
 * frame inside a module that is gone (dlclose'd) by the time the run ends.
 *
 * plugin_build_list(n): n nodes, node i is malloc(sizeof(PluginNode) + 8 * (i % 4))
 *   = 16 + 8 * (i % 4) bytes on x86-64; plugin_sum_list does not allocate.
 */
#include <stdlib.h>

typedef struct PluginNode {
    struct PluginNode* next;
    size_t payload_words;
    long payload[];
} PluginNode;

__attribute__((visibility("default"))) PluginNode* plugin_build_list(size_t n) {
    PluginNode* head = NULL;
    for (size_t i = 0; i < n; ++i) {
        size_t words = i % 4;
        PluginNode* node = malloc(sizeof(PluginNode) + words * sizeof(long));
        if (node == NULL) abort();
        node->payload_words = words;
        for (size_t w = 0; w < words; ++w) node->payload[w] = (long)(i + w);
        node->next = head;
        head = node;
    }
    return head;
}

__attribute__((visibility("default"))) long plugin_sum_list(const PluginNode* node) {
    long sum = 0;
    for (; node != NULL; node = node->next)
        for (size_t w = 0; w < node->payload_words; ++w) sum += node->payload[w];
    return sum;
}
