/*
 * deep_stacks.c — two call paths that differ only far from the allocation: path_a() and
 * path_b() each call descend(DEPTH), a recursion DEPTH frames deep whose bottom calls
 * allocate_at_bottom(): path A allocates there 3 times, path B 5 times (malloc(40) then
 * free, each). Argument: DEPTH (default 600).
 *
 * Recorded with a stack limit above the stacks' depth (about DEPTH + 8 frames: main, the
 * path, the recursion, the bottom, libc's start), the two paths are two stacks of the one
 * site allocate_at_bottom: 3 and 5 allocations. With a limit below it (record
 * --max-frames 64 at DEPTH 600) their innermost frames are the same, so they are one
 * stack of 8 allocations, marked truncated. At DEPTH 10 no stack is anywhere near 64.
 * noipa, not just noinline: a clone of descend per constant `times` would make the two
 * recursions different code, and the paths would never share their innermost frames.
 *
 *   path     allocations  bytes  frees
 *   A        3            120    3
 *   B        5            200    5
 *   total    8            320    8
 */
#include "sample_util.h"

#define BLOCK_SIZE 40

__attribute__((noipa)) static int allocate_at_bottom(int times) {
    for (int i = 0; i < times; ++i) {
        void* p = sample_check(malloc(BLOCK_SIZE), "malloc");  // deep: the allocation
        touch(p, BLOCK_SIZE);
        free(p);
    }
    return times;
}

__attribute__((noipa)) static int descend(int depth, int times) {
    volatile int frame = depth;  // read after the call: the recursion stays real frames
    int r = depth > 0 ? descend(depth - 1, times) : allocate_at_bottom(times);
    return r + frame - frame;
}

__attribute__((noipa)) static int path_a(int depth) { return descend(depth, 3) + 0 * depth; }
__attribute__((noipa)) static int path_b(int depth) { return descend(depth, 5) + 0 * depth; }

int main(int argc, char** argv) {
    int depth = 600;
    if (argc > 1) {
        depth = 0;
        for (const char* c = argv[1]; *c >= '0' && *c <= '9'; ++c) depth = depth * 10 + (*c - '0');
    }
    int n = path_a(depth);
    n += path_b(depth);
    sample_report("allocations", (unsigned long long)n);
    return 0;
}
