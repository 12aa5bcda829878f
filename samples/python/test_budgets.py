"""test_budgets.py — pytest tests with allocprof's limits, for allocprof.pytest_plugin.

    allocprof record -- python3 -m pytest -p allocprof.pytest_plugin samples/python/test_budgets.py

Two tests are over their limits and fail under allocprof, two pass; without allocprof all
four pass and the markers warn once. bytes(n) is one allocation of n + 33 bytes, and
itertools.repeat counts without making int objects, so the lines marked `# known: NAME`
make exactly what their comment says. tests/e2e finds the lines by their markers.
"""
from itertools import repeat

import pytest


@pytest.mark.limit_allocations(200)
def test_over_allocations():
    for _ in repeat(None, 1000):
        block = bytes(100)  # known: many (1000 allocations of 133 bytes)
    assert len(block) == 100


@pytest.mark.limit_allocations(200)
def test_within_allocations():
    for _ in repeat(None, 10):
        block = bytes(100)  # known: few (10 allocations of 133 bytes)
    assert len(block) == 100


@pytest.mark.limit_memory("64 KB")
def test_over_memory():
    block = bytes(200 * 1024)  # known: big (one allocation of 204833 bytes)
    assert len(block) == 200 * 1024


def test_without_limit():
    block = bytes(300 * 1024)  # known: unlimited
    assert len(block) == 300 * 1024
