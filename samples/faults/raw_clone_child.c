/*
 * raw_clone_child.c — makes a child with the raw clone system call (as sandboxes and
 * container runtimes do), so that no pthread_atfork handler runs in it: the child is a
 * copy of the parent's memory, the preload library's state included. The child allocates
 * kChildBlocks blocks and _exits 0; the parent allocates kParentBlocks blocks while it
 * runs, waits for it and prints "child_status=0" and "parent_blocks=N". Exit 0.
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>


enum { kChildBlocks = 200000, kParentBlocks = 100000 };

static void churn(int n) {
    for (int i = 0; i < n; ++i) {
        char* p = malloc(32 + (size_t)(i % 100));
        if (!p) fault_fail("malloc");
        p[0] = (char)i;
        free(p);
    }
}

int main(void) {
    long pid = syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0) fault_fail("clone");
    if (pid == 0) {
        churn(kChildBlocks);
        syscall(SYS_exit_group, 0);
    }
    churn(kParentBlocks);
    int status = 0;
    if (waitpid((pid_t)pid, &status, 0) != (pid_t)pid) fault_fail("waitpid");
    fault_report("child_status", WIFEXITED(status) ? (unsigned long long)WEXITSTATUS(status) : 999);
    fault_report("parent_blocks", kParentBlocks);
    return 0;
}
