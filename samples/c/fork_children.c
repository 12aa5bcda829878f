/*
 * fork_children.c — a parent that allocates around two children: one forked child that
 * allocates and exits, and one forked child that execs a program that allocates.
 * Only the process allocprof launched is traced, so the run must hold exactly the
 * parent's own allocations, however much the children allocate.
 *
 * Pattern planted in the parent:
 *   before the forks: 4 x malloc(1000), held across both forks
 *   after the forks:  the 4 blocks freed, then 6 x calloc(10, 10) = 100 bytes each, freed
 *   never freed:      1 x malloc(4096) made before the forks
 *   allocations = 4 + 6 + 1 = 11, bytes = 4000 + 600 + 4096 = 8696, frees = 10,
 *   unfreed = 1 block / 4096 bytes, peak live = 4096 + 4000 = 8096.
 * Child 1 (fork): 1000 x malloc(64) + free, and 1 block never freed, then exit(0).
 * Child 2 (fork + exec): execs this program with argv[1] = "--exec-child", which does
 *   2000 x malloc(32) + free and exits 0.
 * The parent exits 0 if both children exited 0, else 1.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sample_util.h"

static int child_allocates(size_t count, size_t size) {
    for (size_t i = 0; i < count; ++i) {
        void* p = sample_check(malloc(size), "child malloc");
        touch(p, size);
        free(p);
    }
    void* kept = sample_check(malloc(size), "child malloc");
    touch(kept, size);
    return 0;
}

static int wait_ok(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "--exec-child") == 0) return child_allocates(2000, 32);

    void* kept = sample_check(malloc(4096), "malloc");
    touch(kept, 4096);
    void* held[4];
    for (int i = 0; i < 4; ++i) {
        held[i] = sample_check(malloc(1000), "malloc");
        touch(held[i], 1000);
    }

    pid_t allocating_child = fork();
    if (allocating_child < 0) sample_fail("fork");
    if (allocating_child == 0) exit(child_allocates(1000, 64));

    pid_t exec_child = fork();
    if (exec_child < 0) sample_fail("fork");
    if (exec_child == 0) {
        char* child_argv[] = {argv[0], "--exec-child", NULL};
        execv("/proc/self/exe", child_argv);
        _exit(127);
    }

    int ok = wait_ok(allocating_child);
    ok = wait_ok(exec_child) && ok;

    for (int i = 0; i < 4; ++i) free(held[i]);
    for (int i = 0; i < 6; ++i) {
        void* p = sample_check(calloc(10, 10), "calloc");
        touch(p, 100);
        free(p);
    }
    return ok ? 0 : 1;
}
