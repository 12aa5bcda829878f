"""thread_counts.py — the calling thread's counts from Python (allocprof.allocations() and
allocprof.allocated_bytes()), at a loop that allocates nothing and at one that allocates
ten known blocks (bytes(1000): one allocation of 1033 bytes; the list is made before the
loop and the counters are cached small ints). A reading itself allocates (the int it
returns), so each delta is taken against the delta of two back-to-back readings.
Prints idle=, ten=, ten_bytes=: 0, 10, 10330 under allocprof; 0, 0, 0 without it.
"""
import allocprof


def main():
    allocations, allocated_bytes = allocprof.allocations, allocprof.allocated_bytes
    slots = [None] * 10
    # Warm the readings up once (ctypes prepares its call the first time).
    allocations(), allocated_bytes(), allocations(), allocated_bytes()

    a = allocations()
    b = allocations()
    c = allocations()
    i = 0
    while i < 100:
        i += 1
    d = allocations()
    idle = (d - c) - (b - a)

    a = allocations()
    ab = allocated_bytes()
    b = allocations()
    bb = allocated_bytes()
    c = allocations()
    cb = allocated_bytes()
    k = 0
    while k < 10:
        slots[k] = bytes(1000)  # known: ten
        k += 1
    d = allocations()
    db = allocated_bytes()
    ten = (d - c) - (b - a)
    ten_bytes = (db - cb) - (bb - ab)
    print(f"idle={idle}")
    print(f"ten={ten}")
    print(f"ten_bytes={ten_bytes}")


main()
