"""test_leaks.py — pytest tests with allocprof's leak limit, for allocprof.pytest_plugin.

test_keeps_blocks keeps ten blocks past its end in a module-level list made beforehand
(bytes(1000): one allocation of 1033 bytes each, 10330 B in all; indexes below 257 are
cached ints), over its limit of 1 KB; test_frees_blocks makes the same ten and drops them,
within the same limit. tests/e2e finds the allocating line by its marker.
"""
from itertools import repeat

import pytest

KEPT = [None] * 10


@pytest.mark.limit_leaks("1 KB")
def test_keeps_blocks():
    for i in range(10):
        KEPT[i] = bytes(1000)  # known: kept (10 allocations of 1033 bytes, still live)
    assert len(KEPT[9]) == 1000


@pytest.mark.limit_leaks("1 KB")
def test_frees_blocks():
    dropped = []
    for _ in repeat(None, 10):
        dropped.append(bytes(1000))
    assert len(dropped) == 10
