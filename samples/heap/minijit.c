/*
 * minijit.c — a compiler-shaped program for `allocprof heap`: it compiles one function of
 * N = 512 instructions in four phases (marker API, interpose/include/allocprof/allocprof.h),
 * with the register allocator chosen by argv[1]: "graph" (graph colouring over an
 * interference graph kept as linked edge lists) or "linear" (linear scan over the live
 * intervals). Every virtual register i is live from instruction i to i + 12, so registers
 * i < j interfere when j - i <= 12: 6,066 pairs.
 *
 * Pattern planted (x86-64: the struct sizes are asserted below; glibc's chunk for n bytes is
 * max(32, round_up_16(n + 8)), shown as "glibc"):
 *   phase "parse":    512 x malloc(32), the instructions (struct Insn)
 *                     16,384 B requested, glibc 512 x 48 = 24,576 B
 *   phase "liveness": 1 x malloc(8,192), the intervals (512 x struct Interval) — glibc 8,208
 *   phase "regalloc", graph:
 *       512 x malloc(24), the graph nodes (struct GNode)       12,288 B, glibc 512 x 32 = 16,384
 *       12,132 x malloc(16), the edges (struct Edge), two per interfering pair, made in
 *       order of i then j, i -> j first                     194,112 B, glibc 12,132 x 32 = 388,224
 *       1 x malloc(2,048), the colouring's stack                            glibc 2,064
 *     its peak, when the stack is allocated: 512 + 1 + 512 + 12,132 + 1 = 13,158 blocks,
 *       16,384 + 8,192 + 12,288 + 194,112 + 2,048 = 233,024 B requested,
 *       24,576 + 8,208 + 16,384 + 388,224 + 2,064 = 439,456 B under glibc;
 *     under a 300 KiB (307,200 B) glibc heap the 8,064th edge is the first allocation that
 *       fails: 24,576 + 8,208 + 16,384 + 8,063 x 32 = 307,184 B are live in 9,088 blocks, and
 *       its 32 B chunk would make 307,216;
 *     then the stack, the edges, the nodes and the intervals are freed.
 *   phase "regalloc", linear:
 *       1 x malloc(4,096), the intervals sorted by start (512 pointers) — glibc 4,112
 *       1 x calloc(16, 8), the active set (a pointer per register)     — glibc 144
 *     its peak: 512 + 1 + 1 + 1 = 515 blocks, 16,384 + 8,192 + 4,096 + 128 = 28,800 B
 *       requested, 24,576 + 8,208 + 4,112 + 144 = 37,040 B under glibc (it fits 300 KiB);
 *     then both and the intervals are freed.
 *   phase "emit":     the code buffer, malloc(256) then realloc'ed to 512, 1,024, 2,048 and
 *                     4,096 bytes (8 per instruction), then the instructions and the buffer
 *                     are freed: nothing is live at exit.
 *   The peak of each configuration is its regalloc peak (the other phases hold less).
 *   Allocations: graph 512 + 1 + 512 + 12,132 + 1 + 5 = 13,163; linear 512 + 1 + 2 + 5 = 520.
 * Prints "regalloc=graph|linear", "spills=N" and "code_bytes=4096" on stdout (write(2), after
 * every block is freed, so stdio's buffer is never part of the heap), exit 0; a wrong
 * argument: usage on stderr, exit 2.
 */
#include <stdlib.h>
#include <string.h>

#include "allocprof/allocprof.h"
#include "sample_util.h"

enum { N = 512, WINDOW = 12, REGISTERS = 16 };

struct Insn {
    int op, dst, src1, src2;
    long imm;
    struct Insn* next;
};
struct Interval {
    int vreg, start, end, reg;
};
struct Edge {
    int to;
    struct Edge* next;
};
struct GNode {
    int vreg, degree, color;
    struct Edge* adj;
};
_Static_assert(sizeof(struct Insn) == 32, "the planted sizes assume x86-64");
_Static_assert(sizeof(struct Interval) == 16, "the planted sizes assume x86-64");
_Static_assert(sizeof(struct Edge) == 16, "the planted sizes assume x86-64");
_Static_assert(sizeof(struct GNode) == 24, "the planted sizes assume x86-64");

/* "parse": the instructions, as a list in program order. */
static struct Insn* parse(void) {
    struct Insn* head = NULL;
    struct Insn** tail = &head;
    for (int i = 0; i < N; ++i) {
        struct Insn* insn = sample_check(malloc(sizeof *insn), "malloc insn");
        touch(insn, sizeof *insn);
        insn->op = i % 7;
        insn->dst = i;
        insn->src1 = i > 0 ? i - 1 : 0;
        insn->src2 = i > WINDOW ? i - WINDOW : 0;
        insn->imm = i;
        insn->next = NULL;
        *tail = insn;
        tail = &insn->next;
    }
    return head;
}

/* "liveness": register i lives from its definition to WINDOW instructions later. */
static struct Interval* liveness(const struct Insn* code) {
    struct Interval* live = sample_check(malloc(N * sizeof *live), "malloc intervals");
    for (const struct Insn* insn = code; insn != NULL; insn = insn->next) {
        struct Interval* v = &live[insn->dst];
        v->vreg = insn->dst;
        v->start = insn->dst;
        v->end = insn->dst + WINDOW < N ? insn->dst + WINDOW : N - 1;
        v->reg = -1;
    }
    return live;
}

static void add_adjacent(struct GNode* node, int to) {
    struct Edge* e = sample_check(malloc(sizeof *e), "malloc edge");  // # known: edge
    e->to = to;
    e->next = node->adj;
    node->adj = e;
    node->degree++;
}

/* Graph colouring: build the interference graph, colour greedily in stack order. */
static int regalloc_graph(struct Interval* live) {
    struct GNode* nodes[N];
    for (int i = 0; i < N; ++i) {
        nodes[i] = sample_check(malloc(sizeof(struct GNode)), "malloc node");
        touch(nodes[i], sizeof(struct GNode));
        nodes[i]->vreg = i;
        nodes[i]->degree = 0;
        nodes[i]->color = -1;
        nodes[i]->adj = NULL;
    }
    for (int i = 0; i < N; ++i)
        for (int j = i + 1; j < N && live[j].start <= live[i].end; ++j) {
            add_adjacent(nodes[i], j);
            add_adjacent(nodes[j], i);
        }
    int* stack = sample_check(malloc(N * sizeof *stack), "malloc stack");
    for (int i = 0; i < N; ++i) stack[i] = N - 1 - i;
    int spills = 0;
    for (int k = N - 1; k >= 0; --k) {
        struct GNode* node = nodes[stack[k]];
        unsigned used = 0;
        for (const struct Edge* e = node->adj; e != NULL; e = e->next)
            if (nodes[e->to]->color >= 0) used |= 1u << nodes[e->to]->color;
        int color = 0;
        while (color < REGISTERS && (used & (1u << color))) ++color;
        node->color = color < REGISTERS ? color : -1;
        spills += color < REGISTERS ? 0 : 1;
        live[node->vreg].reg = node->color;
    }
    free(stack);
    for (int i = 0; i < N; ++i) {
        struct Edge* e = nodes[i]->adj;
        while (e != NULL) {
            struct Edge* next = e->next;
            free(e);
            e = next;
        }
        free(nodes[i]);
    }
    return spills;
}

/* Linear scan: walk the intervals by start, expire what ended, take a free register. */
static int regalloc_linear(struct Interval* live) {
    struct Interval** sorted = sample_check(malloc(N * sizeof *sorted), "malloc sorted");
    for (int i = 0; i < N; ++i) sorted[i] = &live[i];  // already in order of start
    struct Interval** active = sample_check(calloc(REGISTERS, sizeof *active), "calloc active");
    int spills = 0;
    for (int i = 0; i < N; ++i) {
        struct Interval* v = sorted[i];
        for (int r = 0; r < REGISTERS; ++r)
            if (active[r] != NULL && active[r]->end < v->start) active[r] = NULL;
        int r = 0;
        while (r < REGISTERS && active[r] != NULL) ++r;
        if (r < REGISTERS) {
            active[r] = v;
            v->reg = r;
        } else {
            ++spills;
        }
    }
    free(active);
    free(sorted);
    return spills;
}

/* "emit": 8 bytes per instruction into a buffer that doubles from 256 bytes. */
static size_t emit(const struct Insn* code, const struct Interval* regs) {
    (void)regs;
    size_t capacity = 256, used = 0;
    unsigned char* buffer = sample_check(malloc(capacity), "malloc code");
    for (const struct Insn* insn = code; insn != NULL; insn = insn->next) {
        if (used + 8 > capacity) {
            capacity *= 2;
            buffer = sample_check(realloc(buffer, capacity), "realloc code");
        }
        memset(buffer + used, insn->op, 8);
        used += 8;
    }
    touch(buffer, used);
    free(buffer);
    return used;
}

int main(int argc, char** argv) {
    const int graph = argc == 2 && strcmp(argv[1], "graph") == 0;
    if (argc != 2 || (!graph && strcmp(argv[1], "linear") != 0)) {
        sample_write(2, "usage: minijit graph|linear\n");
        return 2;
    }
    ALLOCPROF_PHASE_BEGIN("parse");
    struct Insn* code = parse();
    ALLOCPROF_PHASE_BEGIN("liveness");
    struct Interval* live = liveness(code);
    ALLOCPROF_PHASE_BEGIN("regalloc");
    const int spills = graph ? regalloc_graph(live) : regalloc_linear(live);
    struct Interval regs[N];  // the assignment outlives the intervals' block
    memcpy(regs, live, sizeof regs);
    free(live);
    ALLOCPROF_PHASE_BEGIN("emit");
    const size_t code_bytes = emit(code, regs);
    while (code != NULL) {
        struct Insn* next = code->next;
        free(code);
        code = next;
    }
    ALLOCPROF_PHASE_END();

    sample_write(1, graph ? "regalloc=graph\n" : "regalloc=linear\n");
    sample_report("spills", (unsigned long long)spills);
    sample_report("code_bytes", (unsigned long long)code_bytes);
    return 0;
}
