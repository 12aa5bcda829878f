/*
 * never_free.c — allocates and never frees anything: every block is "unfreed at exit".
 *
 * Pattern planted: 100 x malloc(i + 1) for i = 0..99 (bytes 1 + 2 + ... + 100 = 5050),
 *   then 10 x calloc(3, 100) (3000 bytes).
 *   allocations = 110, bytes = 8050, frees = 0, unfreed = 110 blocks / 8050 bytes,
 *   peak live = 8050, temporary allocations = 0. Exit 0.
 */
#include <stdlib.h>

#include "sample_util.h"

static void* blocks[110];

int main(void) {
    for (size_t i = 0; i < 100; ++i) {
        blocks[i] = sample_check(malloc(i + 1), "malloc");
        touch(blocks[i], i + 1);
    }
    for (size_t i = 0; i < 10; ++i) {
        blocks[100 + i] = sample_check(calloc(3, 100), "calloc");
        touch(blocks[100 + i], 300);
    }
    return 0;
}
