/* odd_names.c — names a reader must survive: phase names the target chooses freely.
 *
 * Trap: allocprof keeps at most 255 bytes of a name, and a longer UTF-8 name was cut
 * inside a character; a name that is not UTF-8 at all (or one cut that way) made every
 * JSON writer of the analysis and the reports throw. A name with HTML in it was pasted
 * into the markdown report as HTML.
 *
 * Pattern planted, each phase with malloc(100) + free, then ALLOCPROF_OPS(1):
 *   phase "bad\xff\xfe" "name": not UTF-8 (two bytes that can start no character)
 *   phase 150 x "\xc3\xa9" (U+00E9, 300 bytes): cut at 255 bytes, inside the 128th character
 *   phase "<script>alert(1)</script>": HTML
 * Totals: 3 allocations of 100 bytes, all freed, ops 3. Exit 0.
 */
#include "fault_util.h" /* first: it defines _GNU_SOURCE */

#include <stdlib.h>
#include <string.h>

#include "allocprof/allocprof.h"

static void one_phase(const char* name) {
    ALLOCPROF_PHASE_BEGIN(name);
    char* p = malloc(100);
    if (!p) fault_fail("malloc");
    memset(p, 1, 100);
    free(p);
    ALLOCPROF_OPS(1);
    ALLOCPROF_PHASE_END();
}

int main(void) {
    one_phase("bad\xff\xfe"
              "name");
    char accented[301];
    for (int i = 0; i < 150; ++i) {
        accented[2 * i] = (char)0xc3;
        accented[2 * i + 1] = (char)0xa9;
    }
    accented[300] = '\0';
    one_phase(accented);
    one_phase("<script>alert(1)</script>");
    return 0;
}
