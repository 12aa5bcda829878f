/*
 * exit_status.c — allocates a little, then ends with exit(3) from inside a helper, with a
 * block still live. `allocprof record` must exit 3 as well and record exit_status 3.
 *
 * Pattern planted: 5 x malloc(200), the first 4 freed, then exit(3).
 *   allocations = 5, bytes = 1000, frees = 4, unfreed = 1 block / 200 bytes.
 */
#include <stdlib.h>

#include "sample_util.h"

static void finish(void* last) {
    touch(last, 200);
    exit(3);
}

int main(void) {
    void* blocks[5];
    for (int i = 0; i < 5; ++i) {
        blocks[i] = sample_check(malloc(200), "malloc");
        touch(blocks[i], 200);
    }
    for (int i = 0; i < 4; ++i) free(blocks[i]);
    finish(blocks[4]);
}
