"""forced_gc.py — exactly 3 full garbage collections per op, for allocprof's GC counts.

Automatic collection is disabled (gc.disable()), so the only collections are the
gc.collect() calls: 3 per op, each of generation 2; gc.callbacks still reports them.
Each op also builds a reference cycle for the collector to find.
Argument: ops (default 50). Prints one line; exit 0.
"""
import gc
import sys

try:
    import allocprof
except ImportError:  # not run under allocprof record (or --no-script-frames)
    allocprof = None

COLLECTIONS_PER_OP = 3


class Node:
    def __init__(self):
        self.other = None


def op():
    collected = 0
    for _ in range(COLLECTIONS_PER_OP):
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        collected += gc.collect()
    return collected


def main():
    ops = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    gc.disable()
    collected = 0
    for _ in range(ops):
        collected += op()
        if allocprof:
            allocprof.ops(1)
    print("forced_gc.py: ops", ops, "collections", ops * COLLECTIONS_PER_OP,
          "objects", collected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
