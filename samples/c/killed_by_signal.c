/*
 * killed_by_signal.c — allocates, then dies from a signal with the default action:
 * argv[1] = "TERM" raises SIGTERM, "ABRT" calls abort() (SIGABRT). `allocprof record` must
 * exit 128 + signal and record exit_status NULL, term_signal = the signal.
 *
 * Pattern planted: 3 x malloc(300), 1 freed, then 1 x calloc(1, 50), then the signal.
 *   allocations = 4, bytes = 950, frees = 1, unfreed = 3 blocks / 650 bytes (live when
 *   the process died; the recording may be marked truncated since no clean end is run).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sample_util.h"

int main(int argc, char** argv) {
    if (argc < 2) sample_fail("usage: killed_by_signal TERM|ABRT");
    void* blocks[3];
    for (int i = 0; i < 3; ++i) {
        blocks[i] = sample_check(malloc(300), "malloc");
        touch(blocks[i], 300);
    }
    free(blocks[1]);
    void* last = sample_check(calloc(1, 50), "calloc");
    touch(last, 50);

    if (strcmp(argv[1], "ABRT") == 0) abort();
    raise(SIGTERM);
    sample_fail("still alive after raise(SIGTERM)");
}
