"""allocprof.scope — the preload library's measured scope, from Python.

Between begin() and end(), the library counts every allocation it records on any thread,
follows each block until it is freed (so it knows the bytes still live and their peak), and
adds each allocation to the script line that made it (allocprof.h: allocprof_scope_*).
One scope per process: a begin while one is open starts over.

    from allocprof import scope
    if scope.begin():          # False without allocprof, or in a process it does not trace
        work()
        scope.end()
        stats = scope.read()   # Stats: allocations, bytes, live_bytes, peak_live_bytes, ...
        for line in scope.lines(5, scope.BY_BYTES):
            print(line.file, line.line, line.function_name, line.bytes)
"""

import ctypes

import allocprof

BY_BYTES, BY_ALLOCATIONS, BY_LIVE_BYTES = 0, 1, 2
OTHER_LINES = 0xFFFFFFFF  # the row of the lines the library's table had no room for


class Stats(ctypes.Structure):
    """struct allocprof_scope_stats."""

    _fields_ = [(name, ctypes.c_uint64) for name in (
        "allocations", "bytes", "live_blocks", "live_bytes", "peak_live_bytes",
        "untracked_allocations", "untracked_bytes")]


class _Line(ctypes.Structure):
    """struct allocprof_scope_line."""

    _fields_ = [("function", ctypes.c_uint32), ("line", ctypes.c_uint32),
                ("allocations", ctypes.c_uint64), ("bytes", ctypes.c_uint64),
                ("live_bytes", ctypes.c_uint64)]


class Line:
    """One script line of the scope; file and function_name are None when the allocations
    had no script frame (function 0) or are the lines without room (OTHER_LINES)."""

    __slots__ = ("function", "file", "function_name", "line", "allocations", "bytes", "live_bytes")

    def __init__(self, row, file, function_name):
        self.function = row.function
        self.file = file
        self.function_name = function_name
        self.line = row.line
        self.allocations = row.allocations
        self.bytes = row.bytes
        self.live_bytes = row.live_bytes


_functions = None


def _library():
    """The library's scope functions with their types, or None without allocprof."""
    global _functions
    if _functions is not None:
        return _functions or None
    library = allocprof._load() if allocprof.tracing else None
    try:
        begin = library.allocprof_scope_begin
    except AttributeError:
        library = None
    if library is None:
        _functions = False
        return None
    begin.argtypes, begin.restype = [], ctypes.c_int
    library.allocprof_scope_end.argtypes, library.allocprof_scope_end.restype = [], None
    library.allocprof_scope_read.argtypes = [ctypes.POINTER(Stats)]
    library.allocprof_scope_read.restype = ctypes.c_int
    library.allocprof_scope_lines.argtypes = [ctypes.POINTER(_Line), ctypes.c_size_t, ctypes.c_int]
    library.allocprof_scope_lines.restype = ctypes.c_size_t
    library.allocprof_script_function.argtypes = [
        ctypes.c_uint32, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p),
        ctypes.POINTER(ctypes.c_uint32)]
    library.allocprof_script_function.restype = ctypes.c_int
    _functions = library
    return library


def available():
    """True when the measured scope works in this process."""
    return _library() is not None


def begin():
    """Opens the scope; True when it measures."""
    library = _library()
    return bool(library is not None and library.allocprof_scope_begin())


def end():
    """Closes the scope; what it measured stays readable until the next begin()."""
    library = _library()
    if library is not None:
        library.allocprof_scope_end()


def read():
    """The scope's Stats, or None when no scope ever measured."""
    library = _library()
    stats = Stats()
    if library is None or not library.allocprof_scope_read(ctypes.byref(stats)):
        return None
    return stats


def function(function_id):
    """(file, name, first_line) of a script function id, or None."""
    library = _library()
    file, name, first_line = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_uint32()
    if library is None or not library.allocprof_script_function(
            function_id, ctypes.byref(file), ctypes.byref(name), ctypes.byref(first_line)):
        return None
    return (file.value.decode("utf-8", "replace"), name.value.decode("utf-8", "replace"),
            first_line.value)


def lines(count, order=BY_BYTES):
    """The scope's first `count` script lines in `order`, largest first."""
    library = _library()
    if library is None or count <= 0:
        return []
    rows = (_Line * count)()
    n = library.allocprof_scope_lines(rows, count, order)
    out = []
    for row in rows[:n]:
        described = function(row.function) if row.function not in (0, OTHER_LINES) else None
        file, name = (described[0], described[1]) if described else (None, None)
        out.append(Line(row, file, name))
    return out
