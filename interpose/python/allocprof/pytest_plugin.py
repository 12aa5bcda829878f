"""allocprof.pytest_plugin — allocation, memory and leak limits for pytest tests.

    allocprof record -o tests.db -- python3 -m pytest -p allocprof.pytest_plugin tests/

    @pytest.mark.limit_allocations(1000)   # allocations during the test, all threads
    @pytest.mark.limit_memory("64 KB")     # the test's peak live bytes
    @pytest.mark.limit_leaks("1 KB")       # bytes allocated during the test, live at its end

Sizes are a number of bytes or a text with a unit B, KB, MB or GB (1 KB = 1024 B). Each
test's call (not its fixtures' setup and teardown) runs inside the preload library's
measured scope (allocprof.scope) and is a phase of the run named by its node id, so the
database has every test's figures too. A test over a limit fails with both figures and its
top allocating script lines. Without allocprof the markers warn once and pass.
"""

import os
import re

import pytest

import allocprof
from allocprof import scope

MARKERS = {
    "limit_allocations": "limit_allocations(N): fail when the test makes more than N allocations (all threads)",
    "limit_memory": "limit_memory(SIZE): fail when the test's peak live bytes exceed SIZE (e.g. \"64 KB\")",
    "limit_leaks": "limit_leaks(SIZE): fail when more than SIZE of what the test allocated is live at its end",
}
TOP_LINES = 5

_UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$")
_warned = False


def parse_size(text):
    """Bytes of a size: an int, or "N UNIT" with UNIT one of B, KB, MB, GB (1 KB = 1024 B)."""
    if isinstance(text, int) and not isinstance(text, bool) and text >= 0:
        return text
    match = _SIZE.match(str(text))
    unit = match.group(2).upper() if match else None
    if not match or (unit and unit not in _UNITS):
        raise ValueError(f"not a size: {text!r} (a number of bytes, or N B, KB, MB, GB)")
    return int(float(match.group(1)) * _UNITS[unit or "B"])


def bytes_text(n):
    """allocprof's units (schema/units.cpp): 824 B, 25.3 KB, 120 MB."""
    if n < 1024:
        return f"{n} B"
    value, unit = float(n), 0
    names = ["B", "KB", "MB", "GB", "TB"]
    while value >= 1024 and unit < 4:
        value /= 1024
        unit += 1
    return f"{value:.0f} {names[unit]}" if value >= 100 else f"{value:.1f} {names[unit]}"


def count_text(n):
    return f"{n:,}"


def allocations_text(n):
    return f"{count_text(n)} allocation" + ("" if n == 1 else "s")


def pytest_configure(config):
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", text)


def _limits(item):
    """(marker name, limit) of the test's limit markers, the closest marker of each name."""
    limits = []
    for name in MARKERS:
        marker = item.get_closest_marker(name)
        if marker is None:
            continue
        if len(marker.args) != 1 or marker.kwargs:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{name} takes one argument")
        value = marker.args[0]
        limit = int(value) if name == "limit_allocations" else parse_size(value)
        limits.append((name, limit))
    return limits


def _phase_name(nodeid):
    """The node id, cut to the library's phase-name limit on a character boundary."""
    data = nodeid.encode("utf-8", "replace")
    if len(data) <= allocprof.MAX_PHASE_NAME_BYTES:
        return nodeid
    return data[:allocprof.MAX_PHASE_NAME_BYTES].decode("utf-8", "ignore")


def _where(line):
    if line.function == scope.OTHER_LINES:
        return "other lines (allocprof's line table was full)"
    if line.file is None:
        return "no script frame (native code)"
    file = line.file
    try:
        relative = os.path.relpath(file)
        if not relative.startswith(".."):
            file = relative
    except ValueError:
        pass
    return f"{file}:{line.line} ({line.function_name})"


def _message(name, value, limit, stats):
    if name == "limit_allocations":
        head = (f"allocprof: the test made {count_text(value)} allocations, over its limit of "
                f"{count_text(limit)} (limit_allocations, all threads)")
        order, figure = scope.BY_ALLOCATIONS, lambda l: (
            f"{allocations_text(l.allocations)}, {bytes_text(l.bytes)}")
    elif name == "limit_memory":
        head = (f"allocprof: the test's peak live memory was {bytes_text(value)} ({value} B), over "
                f"its limit of {bytes_text(limit)} ({limit} B) (limit_memory)")
        order, figure = scope.BY_BYTES, lambda l: (
            f"{bytes_text(l.bytes)} in {allocations_text(l.allocations)}")
    else:
        head = (f"allocprof: the test left {bytes_text(value)} ({value} B) live, over its limit "
                f"of {bytes_text(limit)} ({limit} B) (limit_leaks)")
        order, figure = scope.BY_LIVE_BYTES, lambda l: (
            f"{bytes_text(l.live_bytes)} live of {allocations_text(l.allocations)}")
    text = [head, "top allocating lines:"]
    for line in scope.lines(TOP_LINES, order):
        text.append(f"    {_where(line)}: {figure(line)}")
    if stats.untracked_allocations:
        text.append(f"    ({allocations_text(stats.untracked_allocations)}, "
                    f"{bytes_text(stats.untracked_bytes)}, found no room in allocprof's block "
                    f"table: the live figures leave them out)")
    return "\n".join(text)


def _warn_once(reason):
    global _warned
    if _warned:
        return
    _warned = True
    import warnings
    warnings.warn(pytest.PytestWarning(
        f"{reason}: limit_allocations, limit_memory and limit_leaks are not checked"))


# A test's failure message, from its call to its report. (Raising from the call's hook
# wrapper would skip the outer wrappers' ends, pytest's output capture among them.)
_FAILURE = pytest.StashKey[str]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    limits = _limits(item)
    if not allocprof.tracing or not scope.available():
        if limits:
            _warn_once("allocprof is not loaded (run pytest under `allocprof record --`)")
        yield
        return
    allocprof.phase(_phase_name(item.nodeid))
    measuring = scope.begin()
    outcome = yield
    scope.end()
    allocprof.phase_end()
    if limits and not measuring:
        _warn_once("allocprof could not open its measured scope (tracking stopped?)")
    if not measuring or not limits or outcome.excinfo is not None:
        return
    stats = scope.read()
    values = {"limit_allocations": stats.allocations, "limit_memory": stats.peak_live_bytes,
              "limit_leaks": stats.live_bytes}
    failures = [_message(name, values[name], limit, stats) for name, limit in limits
                if values[name] > limit]
    if failures:
        item.stash[_FAILURE] = "\n".join(failures)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.passed and _FAILURE in item.stash:
        report.outcome = "failed"
        report.longrepr = item.stash[_FAILURE]
