"""sitecustomize for targets of `allocprof record` (interpose/python_frames.cpp).

`allocprof record` puts this folder first on PYTHONPATH, so CPython imports this module at
start-up: it attaches allocprof's script frames and GC counts (allocprof._start), then runs
the sitecustomize this one hides, if any further down sys.path (Debian's, a virtualenv's,
the user's), as Python would have run it. Nothing here may break the target: a failure is
reported on stderr and the program carries on.
"""


def _allocprof_start():
    try:
        import allocprof
        allocprof._start()
    except Exception as e:  # never stop the target
        import sys
        print("allocprof: python script frames not attached: %r" % (e,), file=sys.stderr)


def _chain_sitecustomize():
    import importlib.machinery
    import importlib.util
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        # What site.py does with a failing sitecustomize: report it and carry on.
        print("Error in sitecustomize; set PYTHONVERBOSE for traceback:\n%s: %s"
              % (type(e).__name__, e), file=sys.stderr)


_allocprof_start()
_chain_sitecustomize()
del _allocprof_start, _chain_sitecustomize
