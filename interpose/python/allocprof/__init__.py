"""allocprof — markers for allocprof from Python, and the Python side of its script frames.

Under `allocprof record` (which puts this package's folder first on PYTHONPATH):

    import allocprof
    allocprof.phase("setup")         # phases do not nest: a new phase ends the open one
    ...
    allocprof.phase_end()
    with allocprof.phase("execute"):  # the same, as a context manager
        for _ in range(n):
            work()
            allocprof.ops(1)         # count one operation of the scenario

`allocprof.tracing` is True when the process is being recorded. Without allocprof (not
preloaded, or a process that is not traced) every function does nothing.

For tests: allocations() and allocated_bytes() are the calling thread's counts (what
allocprof recorded on this thread, a realloc is one allocation; 0 without allocprof), so
a delta around a piece of code is what it allocated:

    before = allocprof.allocations()
    work()
    assert allocprof.allocations() - before == 0

The pytest plugin (`python3 -m pytest -p allocprof.pytest_plugin`, pytest_plugin.py) adds
allocation, memory and leak limits per test on top of the library's measured scope.

The sitecustomize.py next to this package calls _start() at interpreter start-up: it attaches
the script frames (interpose/python_frames.cpp) to the main thread and to every thread
started through `threading`, and counts garbage collections per generation through
gc.callbacks. Everything goes through ctypes.PyDLL(None): the preload library is already in
the process, and PyDLL keeps the GIL, which the attach needs.
"""

import os
import sys

__all__ = ["allocated_bytes", "allocations", "ops", "phase", "phase_end", "tracing"]

tracing = False

_library = None
_attach = None


def _load():
    """The preload library's entry points, or None when it is not in this process."""
    global _library, _attach
    if _library is not None:
        return _library
    try:
        import ctypes
        library = ctypes.PyDLL(None)
        attach = library.allocprof_python_attach
        library.allocprof_ops
    except (ImportError, OSError, AttributeError):
        return None
    attach.argtypes = [ctypes.py_object, ctypes.c_int]
    attach.restype = ctypes.c_int
    library.allocprof_python_gc.argtypes = [ctypes.c_int]
    library.allocprof_python_gc.restype = None
    library.allocprof_ops.argtypes = [ctypes.c_uint64]
    library.allocprof_ops.restype = None
    library.allocprof_phase_begin.argtypes = [ctypes.c_char_p]
    library.allocprof_phase_begin.restype = None
    library.allocprof_phase_end.argtypes = []
    library.allocprof_phase_end.restype = None
    for name in ("allocprof_thread_allocations", "allocprof_thread_bytes"):
        function = getattr(library, name)
        function.argtypes = []
        function.restype = ctypes.c_uint64
    _library, _attach = library, attach
    return library


class _Phase:
    """What phase() returns: the phase is already open; `with` closes it at the end."""

    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        phase_end()
        return False


_PHASE = _Phase()


def ops(n=1):
    """Counts n operations of the scenario (allocprof_ops)."""
    if tracing and n > 0:
        _library.allocprof_ops(n)


def phase(name):
    """Begins phase `name` (ending the open one); usable as a context manager."""
    if tracing:
        _library.allocprof_phase_begin(str(name).encode("utf-8", "replace"))
    return _PHASE


def phase_end():
    """Ends the open phase."""
    if tracing:
        _library.allocprof_phase_end()


def allocations():
    """The allocations allocprof recorded on the calling thread so far; 0 without it."""
    return _library.allocprof_thread_allocations() if tracing else 0


def allocated_bytes():
    """The requested bytes of those allocations; 0 without allocprof."""
    return _library.allocprof_thread_bytes() if tracing else 0


# The phase name limit of the preload library, in bytes (longer names are cut there).
MAX_PHASE_NAME_BYTES = 255


def _c_frames_wanted():
    return os.environ.get("ALLOCPROF_PYTHON_C_FRAMES", "0") == "1"


def _attach_thread(frame):
    """Attaches the calling thread's script frames; frame: its running frame (a frame
    object, never None: ctypes would pass Py_None, not NULL)."""
    return bool(_attach is not None and _attach(frame, 1 if _c_frames_wanted() else 0))


def _thread_profile_hook(frame, event, arg):
    # threading.setprofile's hook runs once in each new thread, at its first event: the
    # attach replaces it with the C profile function. `frame` is the thread's running frame.
    _attach_thread(frame)


def _on_gc(phase_name, info):
    if phase_name == "stop":
        _library.allocprof_python_gc(info.get("generation", 0))


def _start():
    """Called by sitecustomize.py at start-up: script frames for this thread and later
    threads, and GC counts. Does nothing when the process is not traced."""
    global tracing
    if _load() is None:
        return False
    tracing = _attach_thread(sys._getframe())
    if not tracing:
        return False
    import gc
    import threading
    # Threads started later attach themselves. (At start-up no other thread runs, so
    # 3.12's threading.setprofile_all_threads is not needed.)
    threading.setprofile(_thread_profile_hook)
    gc.callbacks.append(_on_gc)
    return True
