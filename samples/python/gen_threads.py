"""gen_threads.py — generators and threads, for allocprof's Python script stacks.

A generator allocates on a known line while its consumer's frame is below it; the consumer
allocates on its own line while the generator is suspended (so no generator frame may be on
that stack); four threads each allocate on a known line under their own thread's frames
(threading's bootstrap, not main's). Sizes are distinct (bytes(n) is one n + 33 byte block)
so tests/e2e can check each stack. Lines are marked `# known: NAME`.
Argument: items (default 300). Prints one checksum line; exit 0.
"""
import sys
import threading


def produce(n):
    for i in range(n):
        yield bytes(2000)  # known: produce (n allocations of 2033 bytes)


def consume(n):
    total = 0
    for block in produce(n):  # known: consume_loop (where the generator is resumed)
        spare = bytes(3000)  # known: consume (n allocations of 3033 bytes)
        total += len(block) + len(spare)
    return total


def worker(n, results, k):
    total = 0
    for i in range(n):
        block = bytes(4000)  # known: worker (n allocations of 4033 bytes in each thread)
        total += len(block)
    results[k] = total


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    total = consume(n)
    results = [0] * 4
    threads = [threading.Thread(target=worker, args=(n, results, k)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("gen_threads.py: checksum", total + sum(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
