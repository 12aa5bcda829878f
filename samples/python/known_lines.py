"""known_lines.py — allocations at known script lines, for allocprof's Python script frames.

Each op runs the functions below once; the lines marked `# known: NAME` allocate exactly
what their comment says, per op (bytes(n) is one calloc of n + 33 bytes: the bytes object
and its payload in one block; the slots list is preallocated, so storing into it allocates
nothing, and loop counters below 257 are CPython's cached small ints). tests/e2e finds the
lines by their markers, so the file may be edited freely.
Argument: ops (default 200). Prints one checksum line; exit 0.
"""
import sys

try:
    import allocprof
except ImportError:  # not run under allocprof record (or --no-script-frames)
    allocprof = None


def fill_small(slots):
    for i in range(100):
        slots[i] = bytes(1000)  # known: small (100 allocations of 1033 bytes per op)


def fill_large(slots):
    for i in range(10):
        slots[100 + i] = bytes(20000)  # known: large (10 allocations of 20033 bytes per op)


def nested(slots):
    fill_small(slots)  # known: nested_call (the caller's line under fill_small's frames)
    slots[110] = bytes(5000)  # known: nested (1 allocation of 5033 bytes per op)


def main():
    ops = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    slots = [None] * 111
    checksum = 0
    for _ in range(ops):
        fill_large(slots)
        nested(slots)
        checksum += len(slots[0]) + len(slots[100]) + len(slots[110])
        if allocprof:
            allocprof.ops(1)
    print("known_lines.py: checksum", checksum)
    return 0


if __name__ == "__main__":
    sys.exit(main())
