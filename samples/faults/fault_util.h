/* fault_util.h — what the fault programs share: failing loudly, printing without stdio
 * (a signal handler or a program that closed its fds may not use it), and finding the
 * text of a loaded library by name. */
#ifndef FAULT_UTIL_H
#define FAULT_UTIL_H

#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void fault_write(int fd, const char* text) {
    size_t n = strlen(text);
    while (n > 0) {
        ssize_t w = write(fd, text, n);
        if (w <= 0) return;
        text += w;
        n -= (size_t)w;
    }
}

static inline void fault_fail(const char* what) {
    fault_write(2, "fault program: ");
    fault_write(2, what);
    fault_write(2, "\n");
    _exit(3);
}

/* "name=value\n" on stdout, with write(2). */
static inline void fault_report(const char* name, unsigned long long value) {
    char digits[24];
    int i = sizeof digits;
    do {
        digits[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value && i > 0);
    fault_write(1, name);
    fault_write(1, "=");
    if (write(1, digits + i, sizeof digits - (size_t)i) < 0) return;
    fault_write(1, "\n");
}

struct fault_text_range {
    const char* name;
    uintptr_t start, end;
};

static int fault_find_text(struct dl_phdr_info* info, size_t size, void* closure) {
    (void)size;
    struct fault_text_range* range = closure;
    if (!info->dlpi_name || !strstr(info->dlpi_name, range->name)) return 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)* ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            range->start = info->dlpi_addr + ph->p_vaddr;
            range->end = range->start + ph->p_memsz;
            return 1;
        }
    }
    return 0;
}

/* The executable segment of the loaded object whose path contains `name` ({0, 0}: none). */
static inline struct fault_text_range fault_text_of(const char* name) {
    struct fault_text_range range = {name, 0, 0};
    dl_iterate_phdr(fault_find_text, &range);
    return range;
}

#endif
