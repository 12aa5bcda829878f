/*
 * scenario_vm.c — a VM-shaped program whose scenarios reach different functions: the
 * sample of the suite document (samples/suite/vm_suite.json, tests/e2e/suite_report_test.cpp).
 *
 * Usage: scenario_vm numbers|strings [ops] (default 500). Deterministic; prints "ops=N";
 * exit 0 (exit 2 for another mode).
 *
 * Patterns planted:
 *   start-up, before phase "measure": reserve_stack(), 8 x malloc(4096), kept to the end
 *     and freed there: a site that allocates only outside the measured window;
 *   phase "measure": ops iterations, ALLOCPROF_OPS(1) each; each op does
 *     mode numbers: box_number(), malloc(16) + free;
 *     mode strings: build_name(), malloc(32) + free;
 *     both modes:   shared_step(), malloc(24) + free;
 *     so each mode makes exactly 2 allocations per op in the window (40 B/op for numbers,
 *     56 B/op for strings);
 *   never_run(): allocates in a loop, and no mode calls it: a function that allocates and
 *     that no scenario reaches.
 */
#include <stdlib.h>
#include <string.h>

#include "allocprof/allocprof.h"
#include "sample_util.h"

static char* stack_blocks[8];

static void reserve_stack(void) {
    for (int i = 0; i < 8; ++i) stack_blocks[i] = sample_check(malloc(4096), "malloc");
}

static unsigned long box_number(unsigned long i) {
    unsigned long* box = sample_check(malloc(16), "malloc");
    box[0] = i * 3;
    unsigned long v = box[0];
    free(box);
    return v;
}

static unsigned long build_name(unsigned long i) {
    char* name = sample_check(malloc(32), "malloc");
    memset(name, 'a' + (int)(i % 26), 31);
    name[31] = '\0';
    unsigned long v = (unsigned char)name[i % 31];
    free(name);
    return v;
}

static unsigned long shared_step(unsigned long i) {
    char* scratch = sample_check(malloc(24), "malloc");
    scratch[0] = (char)i;
    unsigned long v = (unsigned char)scratch[0];
    free(scratch);
    return v;
}

static unsigned long never_run(unsigned long n) {
    unsigned long sum = 0;
    for (unsigned long i = 0; i < n; ++i) {
        char* p = sample_check(malloc(64), "malloc");
        p[0] = (char)i;
        sum += (unsigned char)p[0];
        free(p);
    }
    return sum;
}

int main(int argc, char** argv) {
    if (argc < 2 || (strcmp(argv[1], "numbers") != 0 && strcmp(argv[1], "strings") != 0)) {
        sample_write(2, "usage: scenario_vm numbers|strings [ops]\n");
        return 2;
    }
    const int numbers = strcmp(argv[1], "numbers") == 0;
    unsigned long ops = argc > 2 ? strtoul(argv[2], NULL, 10) : 500;
    if (ops == 0) ops = 1;

    reserve_stack();
    unsigned long total = 0;
    ALLOCPROF_PHASE_BEGIN("measure");
    for (unsigned long i = 0; i < ops; ++i) {
        total += numbers ? box_number(i) : build_name(i);
        total += shared_step(i);
        ALLOCPROF_OPS(1);
    }
    ALLOCPROF_PHASE_END();
    if (argc > 10) total += never_run(ops);

    for (int i = 0; i < 8; ++i) free(stack_blocks[i]);
    sample_report("ops", ops);
    if (total == 0) sample_write(2, "scenario_vm: no work\n");
    return 0;
}
