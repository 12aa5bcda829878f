/*
 * with_signals_ignored.c — runs a command with some signals ignored, as a parent can leave
 * them (nohup ignores SIGHUP, a shell's background job SIGINT and SIGQUIT, some CI agents
 * SIGCHLD): ignored dispositions survive exec, so the command starts with them.
 *
 *   with_signals_ignored SIG[,SIG...] COMMAND [ARGS...]     (SIG: CHLD, HUP, INT, QUIT, TERM)
 *
 * A profiler started this way must still reap its target (with SIGCHLD ignored the kernel
 * reaps children itself), and its target must start with exactly these signals ignored.
 */
#include "fault_util.h"  /* first: it defines _GNU_SOURCE */
#include <signal.h>

static int signal_number(const char* name, size_t length) {
    static const struct {
        const char* name;
        int number;
    } known[] = {{"CHLD", SIGCHLD}, {"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"TERM", SIGTERM}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; ++i)
        if (strlen(known[i].name) == length && strncmp(known[i].name, name, length) == 0) return known[i].number;
    fault_fail("unknown signal name");
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 3) fault_fail("usage: with_signals_ignored SIG[,SIG...] COMMAND [ARGS...]");
    for (const char* p = argv[1]; *p;) {
        const char* comma = strchr(p, ',');
        const size_t length = comma ? (size_t)(comma - p) : strlen(p);
        if (signal(signal_number(p, length), SIG_IGN) == SIG_ERR) fault_fail("signal");
        p += length + (comma ? 1 : 0);
    }
    execvp(argv[2], argv + 2);
    fault_fail("exec");
    return 3;
}
