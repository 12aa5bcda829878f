/*
 * hot_loop.c — the sample of `allocprof suite` and `allocprof compare` (samples/suite/):
 * a hot loop whose allocations per op are known, and a switch that adds exactly one.
 *
 * Usage: hot_loop [ops] (default 1000). Deterministic; prints "ops=N"; exit 0.
 *
 * Pattern planted:
 *   phase "setup":   1 x calloc(ops, 8) (the results table, freed at the end)
 *   phase "execute": ops iterations, ALLOCPROF_OPS(1) each; each op does
 *                    malloc(48) + free (the key buffer, in make_key), and with
 *                    HOT_LOOP_EXTRA=1 in the environment one more malloc(24) + free
 *                    (in extra_scratch): exactly +1 allocation and +24 B per op.
 *   totals without the switch: ops + 1 allocations; with it: 2 x ops + 1.
 *   Built with -DHOT_LOOP_KEYS=K (default 1), each op calls make_key K times: K x ops + 1
 *   allocations, and no new site (samples/suite/CMakeLists.txt builds K = 2).
 * tests/e2e/compare_test.cpp builds the regression from the switch, and compares two
 * builds of this file that differ only by a blank line (samples/suite/CMakeLists.txt).
 */
#include <stdlib.h>
#include <string.h>

#include "allocprof/allocprof.h"
#include "sample_util.h"

#ifndef HOT_LOOP_KEYS
#define HOT_LOOP_KEYS 1
#endif

static unsigned long make_key(unsigned long i) {
    char* key = sample_check(malloc(48), "malloc");
    memset(key, (int)(i & 0x7f), 48);
    unsigned long sum = (unsigned char)key[i % 48] + i;
    free(key);
    return sum;
}

static unsigned long extra_scratch(unsigned long i) {
    char* scratch = sample_check(malloc(24), "malloc");  // site:extra
    scratch[0] = (char)i;
    unsigned long v = (unsigned char)scratch[0];
    free(scratch);
    return v;
}

int main(int argc, char** argv) {
    unsigned long ops = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    if (ops == 0) ops = 1;
    const char* extra_env = getenv("HOT_LOOP_EXTRA");
    int extra = extra_env != NULL && strcmp(extra_env, "1") == 0;

    ALLOCPROF_PHASE_BEGIN("setup");
    unsigned long* results = sample_check(calloc(ops, sizeof(unsigned long)), "calloc");
    ALLOCPROF_PHASE_END();

    ALLOCPROF_PHASE_BEGIN("execute");
    for (unsigned long i = 0; i < ops; ++i) {
        for (unsigned long k = 0; k < HOT_LOOP_KEYS; ++k) results[i] += make_key(i + k);
        if (extra) results[i] += extra_scratch(i);
        ALLOCPROF_OPS(1);
    }
    ALLOCPROF_PHASE_END();

    unsigned long total = 0;
    for (unsigned long i = 0; i < ops; ++i) total += results[i];
    free(results);
    sample_report("ops", ops);
    if (total == 0) sample_write(2, "hot_loop: empty results\n");
    return 0;
}
