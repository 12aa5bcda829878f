/*
 * fd_closing_daemon.c — what a daemon does at start: close every file descriptor above
 * stderr, then make its own sockets. The first socket gets the lowest free number, which
 * is the number of a descriptor a profiler had handed down (to make it certain, the
 * program puts its socket on the number ALLOCPROF_FD names, when that is set). It then
 * sends itself kBytes bytes over the socket pair, one every 2 ms, allocating in between,
 * reads them all back and prints "received=N". Exit 0 when all kBytes arrived, 1 if not.
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <poll.h>
#include <sys/socket.h>
#include <time.h>


enum { kBytes = 100 };

int main(void) {
    const char* inherited = getenv("ALLOCPROF_FD");
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) fault_fail("socketpair");
    int reader = sv[0];
    if (inherited) {
        int wanted = atoi(inherited);
        if (wanted > 2 && wanted != reader && wanted != sv[1]) {
            if (dup2(reader, wanted) != wanted) fault_fail("dup2");
            close(reader);
            reader = wanted;
        }
    }
    unsigned long long received = 0;
    for (int i = 0; i < kBytes; ++i) {
        char byte = (char)i;
        if (write(sv[1], &byte, 1) != 1) fault_fail("write");
        for (int j = 0; j < 200; ++j) free(malloc(64));
        struct timespec pause = {0, 2 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    char buf[256];
    struct pollfd p = {reader, POLLIN, 0};
    while (received < kBytes && poll(&p, 1, 200) == 1) {
        ssize_t n = read(reader, buf, sizeof buf);
        if (n <= 0) break;
        received += (unsigned long long)n;
    }
    fault_report("received", received);
    return received == kBytes ? 0 : 1;
}
