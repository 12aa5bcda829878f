#!/usr/bin/env python3
"""Where does a profiler's time go? Runs one bench workload under `perf record` (following the
children) with allocprof or heaptrack, and groups the CPU samples by process and by what the
code does:

  in the target process
    unwinding      libunwind, dl_iterate_phdr/_dl_find_object, frame-pointer walks, backtrace,
                   the preload library's stack capture (and its per-thread cache)
    trie           interning stacks (TraceTrie, heaptrack's TraceTree)
    writing        encoding, buffering and sending records (writers, append, flush, send)
    preload, rest  the rest of the preload library (hooks, guards, bookkeeping)
    waiting        waiting for space in the stream (on-CPU part only: a sleeping thread is not
                   sampled; the run's wall time minus the target's CPU time, less perf's own
                   overhead as seen in the plain run, estimates it)
    locking        the stream lock: pthread mutexes, spin locks, sched_yield, futexes
    kernel         system calls (write to the pipe/socket), page faults, scheduling
    program        the workload itself, its allocator and libraries
  in the recorder process(es)
    ingest         allocprof / heaptrack_interpret (+ zstd), each listed with its top symbols

The same workload is also run plain under perf, so "program" can be compared with what the
program costs without a profiler. Shares are of CPU samples, not wall time: on a machine with
several CPUs the recorder runs in parallel with the target. perf adds its own overhead and the
attribution of kernel samples in a VM is rough; treat the numbers as proportions.

Usage: bench/breakdown.py [--tool allocprof|heaptrack] [--only cpp|lua|python]
                          [--build-dir DIR] [--allocprof PATH] [--record-args ARGS]
                          [--scale X] [--freq HZ] [--keep]
Standard library only, plus the `perf` tool.
"""

import argparse
import collections
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (bench/run.py: the workload definitions)

UNWIND_SYM = re.compile(r"unw_|_ULx86_64|_Ux86_64|dl_iterate_phdr|_dl_find_object|"
                        r"[Uu]nwind|[Bb]acktrace|[Ff]rame_?[Pp]ointer|fp_walk|_dl_addr|[Cc]apture")
TRIE_SYM = re.compile(r"[Tt]rie|TraceTree|[Ii]ntern")
WRITE_SYM = re.compile(r"[Ww]rit|[Ff]lush|[Ss]end|LineWriter|[Ee]ncode|append")
LOCK_SYM = re.compile(r"pthread_mutex|pthread_spin|__lll_lock|__lll_unlock|futex|[Ss]pin[Ll]ock|"
                      r"sched_yield")
WAIT_SYM = re.compile(r"wait_for_space|nanosleep|check_profiler_alive")
PRELOAD_DSO = re.compile(r"liballocprof_preload|libheaptrack_preload")
SAMPLE = re.compile(r"^\s*(?P<comm>.+?)\s+(?P<pid>\d+)/(?P<tid>\d+)\s+(?P<ip>[0-9a-f]+)\s+"
                    r"(?P<sym>.*?)\s+\((?P<dso>[^()]*)\)\s*$")


def classify_target(dso, sym):
    if "libunwind" in dso or UNWIND_SYM.search(sym):
        return "unwinding"
    if WAIT_SYM.search(sym) and not dso.startswith("[kernel"):
        return "waiting for ring space"
    if LOCK_SYM.search(sym) and not dso.startswith("[kernel"):
        return "locking"
    if PRELOAD_DSO.search(dso):
        if TRIE_SYM.search(sym):
            return "trie"
        if WRITE_SYM.search(sym):
            return "writing"
        return "preload, rest"
    if dso.startswith("[kernel"):
        return "kernel"
    return "program"


def perf_samples(perf, argv, env, data, freq, cwd):
    record = [perf, "record", "-q", "-F", str(freq), "-o", data, "--"] + argv
    start = time.perf_counter()
    proc = subprocess.run(record, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        bench.die("perf record failed (exit %d): %s\n  command: %s" % (
            proc.returncode, proc.stderr.strip()[-500:], " ".join(map(shlex.quote, record))), 1)
    script = subprocess.run([perf, "script", "-i", data, "-F", "comm,pid,tid,ip,sym,dso"],
                            capture_output=True, text=True, errors="replace")
    if script.returncode != 0:
        bench.die("perf script failed: %s" % script.stderr.strip()[-500:], 1)
    samples = []
    for line in script.stdout.splitlines():
        m = SAMPLE.match(line)
        if m:
            samples.append((m.group("comm"), int(m.group("pid")), m.group("sym"), m.group("dso")))
    return samples, wall


def target_pid(samples, target_comms):
    counts = collections.Counter(pid for comm, pid, _, _ in samples if comm in target_comms)
    return counts.most_common(1)[0][0] if counts else None


def main(argv):
    p = argparse.ArgumentParser(prog="bench/breakdown.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--tool", choices=["allocprof", "heaptrack"], default="allocprof")
    p.add_argument("--only", choices=["cpp", "lua", "python"], default="cpp")
    p.add_argument("--build-dir", default=os.path.join(bench.REPO_DIR, "build"))
    p.add_argument("--allocprof", help="default: BUILD_DIR/bin/allocprof")
    p.add_argument("--record-args", default="",
                   help="extra `allocprof record` options, e.g. --no-events")
    p.add_argument("--lua", default="lua5.4")
    p.add_argument("--python", default=None)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--freq", type=int, default=1999, help="perf sampling frequency (Hz)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = p.parse_args(argv)
    if args.python is None:
        args.python = bench.default_python()
    perf = shutil.which("perf")
    if perf is None:
        bench.die("perf not found (Debian package linux-perf)")
    ns = argparse.Namespace(build_dir=args.build_dir, lua=args.lua, python=args.python,
                            scale=args.scale, only=[args.only])
    workload = bench.make_workloads(ns)[0]
    if args.tool == "allocprof":
        binary = bench.need_executable(
            args.allocprof or os.path.join(args.build_dir, "bin", "allocprof"), "allocprof")
    else:
        binary = bench.need_executable("heaptrack", "heaptrack")
    tool = bench.Tool(args.tool, args.tool, binary, shlex.split(args.record_args))

    tmpdir = tempfile.mkdtemp(prefix="allocprof-breakdown-")
    try:
        env = dict(os.environ)
        env.update(workload.env)
        target_comms = {os.path.basename(workload.cmd[0])[:15],
                        os.path.basename(os.path.realpath(workload.cmd[0]))[:15]}
        plain, plain_wall = perf_samples(perf, workload.cmd, env, os.path.join(tmpdir, "plain.data"),
                             args.freq, tmpdir)
        argv_tool, _ = tool.command(workload.cmd, os.path.join(tmpdir, "out"))
        prof, prof_wall = perf_samples(perf, argv_tool, env, os.path.join(tmpdir, "tool.data"), args.freq,
                            tmpdir)
    finally:
        if args.keep:
            print("breakdown: files kept in %s" % tmpdir, file=sys.stderr)
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)

    hz = float(args.freq)
    plain_pid = target_pid(plain, target_comms)
    plain_n = sum(1 for s in plain if s[1] == plain_pid)
    tpid = target_pid(prof, target_comms)
    if tpid is None:
        bench.die("no samples of the target (%s) under %s" % (", ".join(target_comms), args.tool), 1)
    categories = collections.Counter()
    recorder = collections.Counter()
    recorder_syms = collections.defaultdict(collections.Counter)
    for comm, pid, sym, dso in prof:
        if pid == tpid:
            categories[classify_target(dso, sym)] += 1
        else:
            recorder[comm] += 1
            recorder_syms[comm]["%s (%s)" % (sym, os.path.basename(dso))] += 1
    total = len(prof)

    def row(label, n):
        return "| %s | %d | %.2f | %.1f %% |" % (label, n, n / hz, 100.0 * n / total)

    cmd = " ".join(shlex.quote(a) for a in argv_tool)
    print("### Where the time goes: %s, %s workload" % (args.tool, args.only))
    print()
    print("`perf record -F %d` of `%s` (all processes; shares of CPU samples)." % (args.freq, cmd))
    print()
    print("| where | samples | CPU s | share |")
    print("|---|---|---|---|")
    for label in ("unwinding", "trie", "writing", "waiting for ring space", "locking",
                  "preload, rest", "kernel", "program"):
        print(row("target: " + label, categories[label]))
    small = 0
    for comm, n in recorder.most_common():
        if n >= 0.005 * total:
            print(row("recorder: " + comm, n))
        else:
            small += n  # heaptrack's shell helpers (readlink, sed, ...) and the like
    if small:
        print(row("recorder: other processes", small))
    print(row("**all**", total))
    print()
    target_n = sum(categories.values())
    # perf itself adds start-up and finishing time to the wall clock; the plain run shows how
    # much, so only what goes beyond it is counted as the target being off-CPU.
    off_cpu = (prof_wall - target_n / hz) - (plain_wall - plain_n / hz)
    print("Under perf, the plain run took %.2f s wall for %.2f CPU s; the profiled run %.2f s wall, "
          "the target on a CPU for %.2f s of it. Target off-CPU time beyond perf's own "
          "(sleeping while the ring was full, waiting for a CPU): about %.2f s."
          % (plain_wall, plain_n / hz, prof_wall, target_n / hz, max(0.0, off_cpu)))
    for comm, n in recorder.most_common(2):
        print()
        print("Top symbols in `%s`:" % comm)
        print()
        for name, k in recorder_syms[comm].most_common(8):
            print("- %.1f %% %s" % (100.0 * k / total, name))
    target_syms = collections.Counter("%s (%s)" % (sym, os.path.basename(dso))
                                      for comm, pid, sym, dso in prof if pid == tpid)
    print()
    print("Top symbols in the target:")
    print()
    for name, k in target_syms.most_common(12):
        print("- %.1f %% %s" % (100.0 * k / total, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
