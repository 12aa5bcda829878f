/*
 * exec_over_ring_fd.c — replaces the descriptor a profiler named in ALLOCPROF_RING_FD
 * (its shared-memory ring) by an empty file of its own, then execs itself: the new image
 * finds a descriptor of that number open, but it is not the ring any more. The exec'ed
 * image allocates kBlocks blocks and prints "second_image_blocks=N". Exit 0.
 * Without ALLOCPROF_RING_FD the file goes on descriptor 10.
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <fcntl.h>
#include <stdio.h>

enum { kBlocks = 1000 };

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "second") == 0) {
        for (int i = 0; i < kBlocks; ++i) free(malloc(100));
        fault_report("second_image_blocks", kBlocks);
        return 0;
    }
    const char* ring = getenv("ALLOCPROF_RING_FD");
    int number = ring ? atoi(ring) : 10;
    char path[] = "/tmp/exec_over_ring_fd.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) fault_fail("mkstemp");
    unlink(path);
    if (dup2(fd, number) != number) fault_fail("dup2");
    close(fd);
    execl("/proc/self/exe", argv[0], "second", (char*)NULL);
    fault_fail("exec");
    return 3;
}
