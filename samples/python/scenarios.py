"""scenarios.py — the Python scenario suite (suite.json): the kinds of work an interpreter
team benchmarks, each a function that runs one operation and counts it with allocprof.ops.

Usage: scenarios.py SCENARIO [OPS]   (SCENARIO: one of SCENARIOS below; OPS default 2000)
Prints "scenarios.py: SCENARIO checksum N"; exit 0 (2 for an unknown scenario). Every
scenario is deterministic (no hashing of str keys reaches the output, no time, no random).
"""
import re
import sys

try:
    import allocprof
except ImportError:  # not run under allocprof record (or --no-script-frames)
    allocprof = None


def numeric_loops(i):
    """Integer and float arithmetic: ints beyond the small-int cache and floats are objects."""
    acc = 0
    x = 0.5
    for k in range(200):
        acc += (k + i) * (k + 1000)  # ints > 256: new int objects
        x = x * 1.0001 + k / 7.0  # new float objects
    return acc + int(x)


def _numbers(n):
    for k in range(n):
        yield k * 3


def _squares(source):
    for v in source:
        yield v * v


def _pairs(source):
    previous = None
    for v in source:
        if previous is not None:
            yield (previous, v)  # a tuple per item
        previous = v


def generator_pipeline(i):
    """Chained generators: frames suspended and resumed, a tuple per item."""
    total = 0
    for a, b in _pairs(_squares(_numbers(100 + i % 7))):
        total += b - a
    return total


def dict_mutation(i):
    """A dict grown by insertion, rehashed, mutated and shrunk by deletion."""
    d = {}
    for k in range(150):
        d["key%d" % k] = k * i  # new str keys, dict resizes
    for k in range(0, 150, 3):
        del d["key%d" % k]
    for k in range(50):
        d[k] = [k]  # int keys, a small list each
    return len(d) + sum(len(v) for v in d.values() if isinstance(v, list))


_WORD = re.compile(r"[a-z]+(\d+)")
_TEXT = " ".join("item%d value%d" % (k, k * 7) for k in range(40))


def string_patterns(i):
    """re.findall/re.sub, str.replace/split/join: matches and new strings."""
    found = _WORD.findall(_TEXT)
    replaced = _WORD.sub(lambda m: m.group(1), _TEXT)
    swapped = _TEXT.replace("value", "v%d" % (i % 10))
    parts = swapped.split(" ")
    return len(found) + len(replaced) + len("|".join(parts))


def _make_adder(n):
    def add(x):
        return x + n  # n lives in a cell

    return add


def closure_capture(i):
    """Closures created per call: a function object and a cell each; lambdas in a list."""
    adders = [_make_adder(k) for k in range(60)]
    scaled = [lambda x, k=k: x * k for k in range(20)]
    total = 0
    for f in adders:
        total += f(i)
    for f in scaled:
        total += f(2)
    return total


class _Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    @property
    def norm1(self):
        return abs(self.x) + abs(self.y)


class _SlotPoint:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y


def class_attributes(i):
    """Instances with a __dict__ and with __slots__, attributes added late, getattr."""
    points = [_Point(k, -k) for k in range(60)]
    slots = [_SlotPoint(k, i) for k in range(60)]
    total = 0
    for p in points:
        p.label = "p%d" % p.x  # a new attribute on each instance
        total += p.norm1 + len(getattr(p, "label", ""))
    for s in slots:
        total += s.x + s.y
    return total


SCENARIOS = {
    "NumericLoops": numeric_loops,
    "GeneratorPipeline": generator_pipeline,
    "DictMutation": dict_mutation,
    "StringPatterns": string_patterns,
    "ClosureCapture": closure_capture,
    "ClassAttributes": class_attributes,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in SCENARIOS:
        print("usage: scenarios.py {%s} [OPS]" % ",".join(SCENARIOS), file=sys.stderr)
        return 2
    name = sys.argv[1]
    ops = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    scenario = SCENARIOS[name]
    checksum = 0
    if allocprof:
        allocprof.phase("execute")
    for i in range(ops):
        checksum += scenario(i)
        if allocprof:
            allocprof.ops(1)
    if allocprof:
        allocprof.phase_end()
    print("scenarios.py: %s checksum %d" % (name, checksum))
    return 0


if __name__ == "__main__":
    sys.exit(main())
