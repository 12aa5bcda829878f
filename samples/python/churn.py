"""churn.py — a small Python workload: dict/list churn, string building, a class with
instances. Used to check that allocprof records a real CPython run and exits as it does.
Argument: rounds (default 2000). Prints one checksum line; exit 0."""
import sys


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm1(self):
        return abs(self.x) + abs(self.y)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    checksum = 0
    keep = []
    for r in range(rounds):
        d = {f"k{i}": i * r for i in range(20)}
        lst = [Point(i, -r) for i in range(10)]
        s = ",".join(str(p.norm1()) for p in lst)
        checksum += len(s) + len(d)
        if r % 100 == 0:
            keep.append(s)
    print("checksum", checksum, len(keep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
