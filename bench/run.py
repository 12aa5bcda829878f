#!/usr/bin/env python3
"""The benchmark: the same workloads plain, under heaptrack, under `allocprof record`.

Runs are interleaved round-robin (run 1 of every tool, then run 2 of every tool, ..., with the
starting tool rotated each round) so that drift in the machine (frequency, noisy neighbours,
page cache) hits every tool alike. For each workload and tool it reports:

- median wall time of the whole run (for a profiler: from launch until the command exits, i.e.
  including flushing and writing its output), min and max;
- the slowdown ratio against the plain run, and allocprof's ratio against heaptrack's;
- CPU time (user + sys) of the whole process tree, median;
- peak RSS of the target: written by the workload itself at its end (VmHWM from
  /proc/self/status into $BENCH_RSS_FILE), so it is exact and the same method for every tool;
  it includes whatever the preload library adds inside the target;
- peak RSS of the recorder process (heaptrack_interpret; the allocprof process itself): its
  VmHWM read from /proc every few milliseconds while it runs. VmHWM is a high-water mark, so the
  last reading is the peak up to a few milliseconds before the process exits;
- output size (heaptrack's .zst, allocprof's .db with any -wal/-journal), median.

It also checks that every run exits 0 and prints the same result line as the plain run (a
profiler must not change what the program does), and counts allocations once per workload with
`heaptrack_print` and `allocprof summary --json` as a cross-check of the workload sizes.

Standard library only. Exit status: 0 all runs succeeded; 1 some run failed or differed;
2 bad usage or a missing tool.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)

# The line each workload prints on stdout; it must be identical under every tool.
RESULT_LINE = re.compile(r"^(alloc_churn|churn\.lua|churn\.py): .*$", re.M)


def die(message, status=2):
    print("bench: error: " + message, file=sys.stderr)
    sys.exit(status)


def warn(message):
    print("bench: warning: " + message, file=sys.stderr)


# ----------------------------------------------------------------------------------------------
# Peak RSS of the recorder: poll VmHWM of a process tree.


def read_vmhwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def read_comm_ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    # comm is in parentheses and may itself contain spaces or parentheses.
    lpar, rpar = data.find("("), data.rfind(")")
    if lpar < 0 or rpar < 0:
        return None
    fields = data[rpar + 2:].split()
    return data[lpar + 1:rpar], int(fields[1])


class TreeRssPoller(threading.Thread):
    """Keeps the largest VmHWM seen for every process in the tree under `root_pid`.

    Descendants are discovered every `scan_every` polls by scanning /proc for parent links (this
    kernel may not have /proc/PID/task/TID/children). A process's VmHWM only grows, so the last
    reading before it exits is its peak up to one poll interval.
    """

    def __init__(self, root_pid, interval_s=0.005, scan_every=4):
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.interval_s = interval_s
        self.scan_every = scan_every
        self.peak_kb = {}  # pid -> (comm, largest VmHWM in kB)
        self._stop_event = threading.Event()

    def _scan(self, known):
        children = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid in known:
                continue
            info = read_comm_ppid(pid)
            if info is not None:
                children[pid] = info
        changed = True
        while changed:  # add descendants of descendants, in any /proc order
            changed = False
            for pid, (comm, ppid) in list(children.items()):
                if ppid in known:
                    known[pid] = comm
                    del children[pid]
                    changed = True

    def run(self):
        known = {self.root_pid: (read_comm_ppid(self.root_pid) or ("?", 0))[0]}
        tick = 0
        while not self._stop_event.is_set():
            if tick % self.scan_every == 0:
                self._scan(known)
            tick += 1
            for pid, comm in list(known.items()):
                kb = read_vmhwm_kb(pid)
                if kb is None:
                    continue
                # comm changes at exec; keep the latest name.
                live_comm = (read_comm_ppid(pid) or (comm, 0))[0]
                known[pid] = live_comm
                old = self.peak_kb.get(pid, (live_comm, 0))[1]
                self.peak_kb[pid] = (live_comm, max(old, kb))
            self._stop_event.wait(self.interval_s)

    def stop(self):
        self._stop_event.set()
        self.join()

    def peak_for(self, predicate):
        values = [kb for pid, (comm, kb) in self.peak_kb.items() if predicate(pid, comm)]
        return max(values) if values else None


# ----------------------------------------------------------------------------------------------
# Tools: how to run a workload under each one, and what its recorder and output are.


class Tool:
    """One column of the table: a way of running a command."""

    def __init__(self, name, kind, binary=None, extra_args=(), extra_env=None):
        self.name = name
        self.kind = kind  # "plain", "heaptrack" or "allocprof"
        self.binary = binary
        self.extra_args = list(extra_args)
        self.extra_env = dict(extra_env or {})

    def command(self, target_cmd, out_base):
        """The argv to run, and the paths of the output file(s) it leaves behind."""
        if self.kind == "plain":
            return list(target_cmd), []
        if self.kind == "heaptrack":
            # heaptrack -o FILE writes FILE.zst (FILE.gz without zstd).
            return ([self.binary, "-o", out_base] + self.extra_args + list(target_cmd),
                    [out_base + ".zst", out_base + ".gz"])
        db = out_base + ".db"
        return ([self.binary, "record", "-o", db] + self.extra_args + ["--"] + list(target_cmd),
                [db, db + "-wal", db + "-journal", db + "-shm"])

    def is_recorder(self, root_pid, pid, comm):
        if self.kind == "heaptrack":
            return comm.startswith("heaptrack_inter")  # comm is cut at 15 characters
        if self.kind == "allocprof":
            return pid == root_pid
        return False

    def recorder_label(self):
        return {"heaptrack": "heaptrack_interpret", "allocprof": "allocprof"}.get(self.kind, "")


def parse_variant(spec, allocprof_bin):
    """--allocprof-variant 'LABEL=ARGS': ARGS are extra `allocprof record` options, split like a
    shell would; leading NAME=VALUE words are environment variables for the run (as with env)."""
    if "=" not in spec:
        die("--allocprof-variant wants LABEL=ARGS, got %r" % spec)
    label, args = spec.split("=", 1)
    label = label.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", label):
        die("--allocprof-variant label %r: use letters, digits and _ . + -" % label)
    words = shlex.split(args)
    env = {}
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    return Tool("allocprof:" + label, "allocprof", allocprof_bin, words, env)


# ----------------------------------------------------------------------------------------------
# Workloads.


class Workload:
    def __init__(self, key, title, cmd, env=None):
        self.key = key
        self.title = title
        self.cmd = cmd
        self.env = dict(env or {})


def make_workloads(args):
    build_dir = os.path.abspath(args.build_dir)
    workloads = {}
    cpp = os.path.join(build_dir, "bench", "bench_alloc_churn")
    workloads["cpp"] = lambda: Workload(
        "cpp", "C++ alloc_churn (malloc/free from deep stacks, std::map/std::string)",
        [need_executable(cpp, "the C++ workload (build it: cmake --build %s --target "
                              "bench_alloc_churn)" % args.build_dir), fmt_scale(args.scale)])
    workloads["lua"] = lambda: Workload(
        "lua", "Lua churn.lua (table/string churn)",
        [need_executable(args.lua, "lua5.4 (Debian package lua5.4)"),
         os.path.join(BENCH_DIR, "workloads", "churn.lua"), fmt_scale(args.scale)])
    workloads["python"] = lambda: Workload(
        "python", "Python churn.py (dict/list churn, PYTHONMALLOC=malloc)",
        [need_executable(args.python, "python3"),
         os.path.join(BENCH_DIR, "workloads", "churn.py"), fmt_scale(args.scale)],
        {"PYTHONMALLOC": "malloc"})
    return [workloads[k]() for k in args.only]


def fmt_scale(scale):
    return repr(float(scale))


def need_executable(path, what):
    resolved = shutil.which(path) if path else None
    if resolved is None or not os.access(resolved, os.X_OK):
        die("%s not found or not executable: %s" % (what, path))
    return os.path.abspath(resolved)


def default_python():
    # Debian's interpreter, not a version-manager shim: a shim (pyenv's is a bash script that
    # runs more processes) would be profiled too and distort every column.
    if os.access("/usr/bin/python3", os.X_OK):
        return "/usr/bin/python3"
    found = shutil.which("python3")
    if found is None:
        return "python3"
    try:
        out = subprocess.run([found, "-c", "import os,sys;print(os.path.realpath(sys.executable))"],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or found
    except (OSError, subprocess.SubprocessError):
        return found


# ----------------------------------------------------------------------------------------------
# One run.


class RunResult:
    def __init__(self):
        self.ok = False
        self.error = ""
        self.wall_s = None
        self.cpu_s = None
        self.exit_status = None
        self.target_rss_kb = None
        self.recorder_rss_kb = None
        self.output_bytes = None
        self.result_line = None
        self.outputs = []
        self.recorded = None  # allocprof: its `summary --json` of this run (a dict)


def run_once(tool, workload, tmpdir, tag, timeout_s, keep_output):
    res = RunResult()
    out_base = os.path.join(tmpdir, "%s-%s" % (workload.key, tag))
    rss_file = out_base + ".rss"
    log_path = out_base + ".log"
    argv, outputs = tool.command(workload.cmd, out_base)
    for path in outputs + [rss_file]:
        remove_quietly(path)
    env = dict(os.environ)
    env.update(workload.env)
    env.update(tool.extra_env)
    env["BENCH_RSS_FILE"] = rss_file
    with open(log_path, "w") as log:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, env=env, cwd=tmpdir,
                                    start_new_session=True)
        except OSError as e:
            res.error = "cannot run %s: %s" % (argv[0], e)
            return res
        poller = None
        if tool.kind != "plain":
            poller = TreeRssPoller(proc.pid)
            poller.start()
        status, rusage, timed_out = wait_with_timeout(proc, timeout_s)
        res.wall_s = time.perf_counter() - start
        if poller is not None:
            poller.stop()
    res.cpu_s = rusage.ru_utime + rusage.ru_stime if rusage else None
    if timed_out:
        res.error = "timed out after %d s (process group killed)" % timeout_s
    elif os.WIFSIGNALED(status):
        res.exit_status = -os.WTERMSIG(status)
        res.error = "killed by signal %d" % os.WTERMSIG(status)
    else:
        res.exit_status = os.WEXITSTATUS(status)
        if res.exit_status != 0:
            res.error = "exit status %d" % res.exit_status

    with open(log_path, errors="replace") as log:
        log_text = log.read()
    m = RESULT_LINE.search(log_text)
    res.result_line = m.group(0) if m else None
    if res.result_line is None and not res.error:
        res.error = "the workload's result line is missing from its output"
    if res.error:
        res.error += "; last output lines:\n    " + "\n    ".join(log_text.splitlines()[-8:])

    res.target_rss_kb = read_int_file(rss_file)
    if res.target_rss_kb is None and tool.kind == "plain" and rusage is not None:
        res.target_rss_kb = rusage.ru_maxrss  # plain: the tree is the target
    if poller is not None:
        res.recorder_rss_kb = poller.peak_for(
            lambda pid, comm: tool.is_recorder(proc.pid, pid, comm))
    existing = [p for p in outputs if os.path.exists(p)]
    if tool.kind != "plain":
        res.output_bytes = sum(os.path.getsize(p) for p in existing) if existing else None
        if res.output_bytes is None and not res.error:
            res.error = "no output file written (expected %s)" % outputs[0]
    res.outputs = existing
    if tool.kind == "allocprof" and existing and not res.error:
        res.recorded, problem = allocprof_summary(tool.binary, existing[0])
        if problem:
            res.error = problem
    res.outputs = existing
    if not keep_output:
        for path in existing:
            remove_quietly(path)
    remove_quietly(rss_file)
    res.ok = not res.error
    if res.ok:
        remove_quietly(log_path)
    return res


def wait_with_timeout(proc, timeout_s):
    """wait4() the child (for its rusage), killing its whole process group on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = 0  # reaped here; stop subprocess from waiting again
            return status, rusage, False
        if time.monotonic() > deadline:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            pid, status, rusage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return status, rusage, True
        time.sleep(0.002)


def read_int_file(path):
    try:
        with open(path) as f:
            value = int(f.read().strip())
        return value if value >= 0 else None
    except (OSError, ValueError):
        return None


def remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass


# ----------------------------------------------------------------------------------------------
# Allocation counts (once per workload, outside the timed runs).


def heaptrack_count(heaptrack_print, path):
    try:
        out = subprocess.run([heaptrack_print, "--print-peaks=0", "--print-allocators=0",
                              "--print-temporary=0", "--print-leaks=0", path],
                             capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as e:
        return "heaptrack_print failed: %s" % e
    m = re.search(r"^calls to allocation functions: (\d+)", out.stdout, re.M)
    return int(m.group(1)) if m else "heaptrack_print gave no count (exit %d)" % out.returncode


def allocprof_summary(allocprof, path):
    """`allocprof summary --json` of one recorded run, outside the timing. A run that exits 0
    but was not traced (the preload library did not start, or stopped) would look like a very
    fast profiler; this is what catches it. Returns (summary dict, problem or None)."""
    try:
        out = subprocess.run([allocprof, "summary", path, "--json"], capture_output=True,
                             text=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as e:
        return None, "allocprof summary failed: %s" % e
    if out.returncode != 0:
        return None, "allocprof summary %s: exit %d: %s" % (path, out.returncode,
                                                           out.stderr.strip()[:300])
    try:
        run = json.loads(out.stdout)["runs"][0]
        int(run["allocations"])
    except (ValueError, KeyError, IndexError, TypeError) as e:
        return None, "allocprof summary --json %s unreadable: %s" % (path, e)
    problems = []
    if run.get("traced") is False:
        problems.append("not traced")
    if run.get("truncated") is True:
        problems.append("truncated")
    if run.get("complete") is False:
        problems.append("not complete")
    if problems:
        return run, "allocprof recorded a faulty run (%s): %s" % (", ".join(problems), path)
    return run, None


# ----------------------------------------------------------------------------------------------
# Report.


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_s(v):
    return "—" if v is None else "%.3f" % v


def fmt_ratio(v):
    return "—" if v is None else "%.2f×" % v


def fmt_mib_kb(kb):
    return "—" if kb is None else "%.1f MiB" % (kb / 1024.0)


def fmt_bytes(b):
    if b is None:
        return "—"
    if b >= 1 << 20:
        return "%.1f MiB" % (b / float(1 << 20))
    return "%.1f KiB" % (b / 1024.0)


def machine_info():
    info = {"nproc": os.cpu_count(), "kernel": platform.release(), "cpu": "?", "memory": "?"}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=30).stdout
        m = re.search(r"^Model name:\s*(.+)$", out, re.M)
        if m:
            info["cpu"] = m.group(1).strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        info["memory"] = "%.1f GiB" % (kb / 1024.0 / 1024.0)
    except (OSError, ValueError, IndexError):
        pass
    return info


def tool_version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        text = (out.stdout + out.stderr).strip().splitlines()
        return text[0].strip() if text else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def git_revision():
    try:
        out = subprocess.run(["git", "-C", REPO_DIR, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or "(no commit yet)"
    except (OSError, subprocess.SubprocessError):
        return "?"


def render(args, tools, workloads, results, counts, machine, versions, started, elapsed):
    lines = []
    add = lines.append
    add("# allocprof benchmark, %s" % started.strftime("%Y-%m-%d %H:%M:%S"))
    add("")
    add("- Machine: %s, %d CPUs (nproc), %s RAM, Linux %s"
        % (machine["cpu"], machine["nproc"], machine["memory"], machine["kernel"]))
    for name, version in versions:
        add("- %s: %s" % (name, version))
    add("- allocprof tree: %s" % git_revision())
    add("- Load average (1, 5, 15 min): %s" % machine.get("load", "?"))
    add("- Command: `%s`" % " ".join(["bench/run.sh"] + [shlex.quote(a) for a in args.raw_argv]))
    add("- %d interleaved runs per tool and workload (plus %d untimed plain warm-up), %.0f s in all"
        % (args.runs, args.warmup, elapsed))
    add("")
    add("Wall = whole run (launch until the command exits, output written), median; CPU = user+sys "
        "of the whole process tree, median. Target RSS = the workload's own VmHWM at its end "
        "(includes what a preload library adds inside it); recorder RSS = VmHWM of the recorder "
        "process (heaptrack_interpret / allocprof), polled every 5 ms. Sizes and RSS: medians.")
    add("")
    add("| workload | tool | ok runs | wall s (median) | min–max s | slowdown vs plain | CPU s "
        "| target peak RSS | recorder peak RSS | output size |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    summary_rows = []
    for w in workloads:
        plain = [r for r in results[(w.key, "plain")] if r.ok] if (w.key, "plain") in results else []
        plain_med = median(r.wall_s for r in plain)
        medians = {}
        for t in tools:
            rs = results[(w.key, t.name)]
            ok = [r for r in rs if r.ok]
            wall = median(r.wall_s for r in ok)
            medians[t.name] = wall
            slow = wall / plain_med if wall and plain_med else None
            span = ("%.3f–%.3f" % (min(r.wall_s for r in ok), max(r.wall_s for r in ok))
                    if ok else "—")
            add("| %s | %s | %d/%d | %s | %s | %s | %s | %s | %s | %s |" % (
                w.key, t.name, len(ok), len(rs), fmt_s(wall), span,
                "1.00×" if t.kind == "plain" and wall else fmt_ratio(slow),
                fmt_s(median(r.cpu_s for r in ok)),
                fmt_mib_kb(median(r.target_rss_kb for r in ok)),
                fmt_mib_kb(median(r.recorder_rss_kb for r in ok)) if t.kind != "plain" else "—",
                fmt_bytes(median(r.output_bytes for r in ok)) if t.kind != "plain" else "—"))
        summary_rows.append((w, plain_med, medians))
    add("")
    ht_tools = [t for t in tools if t.kind == "heaptrack"]
    ap_tools = [t for t in tools if t.kind == "allocprof"]
    if ht_tools:
        add("Slowdown summary (target: allocprof's slowdown ≤ half of heaptrack's, i.e. "
            "allocprof/heaptrack ≤ 0.50):")
        add("")
        header = "| workload | plain s | heaptrack |"
        sep = "|---|---|---|"
        for t in ap_tools:
            header += " %s | %s / heaptrack | target met |" % (t.name, t.name)
            sep += "---|---|---|"
        add(header)
        add(sep)
        for w, plain_med, medians in summary_rows:
            ht = medians.get(ht_tools[0].name)
            ht_slow = ht / plain_med if ht and plain_med else None
            row = "| %s | %s | %s |" % (w.key, fmt_s(plain_med), fmt_ratio(ht_slow))
            for t in ap_tools:
                ap = medians.get(t.name)
                ap_slow = ap / plain_med if ap and plain_med else None
                rel = ap_slow / ht_slow if ap_slow and ht_slow else None
                met = "—" if rel is None else ("yes" if rel <= 0.5 else "no")
                row += " %s | %s | %s |" % (fmt_ratio(ap_slow),
                                            "—" if rel is None else "%.2f" % rel, met)
            add(row)
        add("")
    if counts:
        add("Allocation counts (from the first run's output; a cross-check of workload size and "
            "of what each tool saw):")
        add("")
        for w in workloads:
            for tool_name, value in counts.get(w.key, []):
                add("- %s, %s: %s" % (w.key, tool_name,
                                      "{:,}".format(value) if isinstance(value, int) else value))
        add("")
    notes = []
    for w in workloads:
        for t in tools:
            seen = []
            for r in results[(w.key, t.name)]:
                for note in (r.recorded or {}).get("notes") or []:
                    if note not in seen:
                        seen.append(note)
            notes.extend("- %s / %s: %s" % (w.key, t.name, n) for n in seen)
    if notes:
        add("Notes allocprof recorded in its runs (informational):")
        add("")
        lines.extend(notes)
        add("")
    failures = []
    for w in workloads:
        for t in tools:
            for i, r in enumerate(results[(w.key, t.name)]):
                if not r.ok:
                    failures.append("- %s / %s run %d: %s" % (w.key, t.name, i + 1, r.error))
    if failures:
        add("Failed runs:")
        add("")
        lines.extend(failures)
        add("")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="bench/run.sh",
        description="Run the allocation workloads plain, under heaptrack and under allocprof "
                    "record, interleaved, and print median wall time, slowdowns, peak RSS and "
                    "output size.")
    p.add_argument("--runs", type=int, default=5, help="timed runs per tool and workload "
                   "(default 5; the issue's protocol needs at least 5)")
    p.add_argument("--build-dir", default=os.path.join(REPO_DIR, "build"),
                   help="CMake build tree holding bin/allocprof and bench/bench_alloc_churn "
                        "(default: build/ in the repository)")
    p.add_argument("--only", action="append", choices=["cpp", "lua", "python"],
                   help="run only this workload (repeatable; default: all three)")
    p.add_argument("--tools", default="plain,heaptrack,allocprof",
                   help="comma-separated subset of plain,heaptrack,allocprof (default: all); "
                        "plain is always run, the ratios need it")
    p.add_argument("--allocprof", help="path of the allocprof command (default: "
                                       "BUILD_DIR/bin/allocprof)")
    p.add_argument("--allocprof-variant", action="append", default=[], metavar="LABEL=ARGS",
                   help="also run `allocprof record ARGS`, as column allocprof:LABEL "
                        "(repeatable); leading NAME=VALUE words in ARGS are set in the "
                        "environment. Example: --allocprof-variant 'no-events=--no-events'")
    p.add_argument("--script-frames", action="store_true",
                   help="also measure the cost of script frames: adds the columns "
                        "allocprof:no-script-frames (record --no-script-frames: native stacks "
                        "only) and allocprof:c-frames (Python: C functions as script frames too, "
                        "ALLOCPROF_PYTHON_C_FRAMES=1); the allocprof column has script frames")
    p.add_argument("--heaptrack", default="heaptrack", help="heaptrack command (default: on PATH)")
    p.add_argument("--lua", default="lua5.4", help="Lua interpreter (default: lua5.4)")
    p.add_argument("--python", default=None,
                   help="Python interpreter for the workload (default: /usr/bin/python3)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="workload size factor (default 1.0; smaller for a quick check)")
    p.add_argument("--warmup", type=int, default=1,
                   help="untimed plain runs of each workload first (default 1)")
    p.add_argument("--timeout", type=int, default=600, help="seconds per run before it is "
                   "killed and counted as failed (default 600)")
    p.add_argument("--no-counts", action="store_true",
                   help="skip the allocation count cross-check (heaptrack_print, allocprof summary)")
    p.add_argument("--out-dir", default=os.path.join(BENCH_DIR, "out"),
                   help="where to write the markdown table and raw JSON (default bench/out)")
    p.add_argument("--no-snapshot", action="store_true",
                   help="run allocprof in place instead of a copy taken at the start (the copy "
                        "keeps a rebuild during the benchmark from mixing two builds)")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory with every output file and log")
    args = p.parse_args(argv)
    args.raw_argv = argv
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.scale <= 0:
        p.error("--scale must be positive")
    args.only = list(dict.fromkeys(args.only or ["cpp", "lua", "python"]))
    if args.script_frames:
        args.allocprof_variant = ["no-script-frames=--no-script-frames",
                                  "c-frames=ALLOCPROF_PYTHON_C_FRAMES=1"] + args.allocprof_variant
    args.tool_names = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in args.tool_names:
        if t not in ("plain", "heaptrack", "allocprof"):
            p.error("--tools: unknown tool %r (use plain, heaptrack, allocprof)" % t)
    if args.python is None:
        args.python = default_python()
    return args


def main(argv):
    args = parse_args(argv)
    if args.runs < 5:
        warn("--runs %d is fewer than the 5 runs the issue's protocol asks for" % args.runs)
    if not os.path.exists("/proc/self/status"):
        die("/proc is needed to read peak RSS")

    tmpdir = tempfile.mkdtemp(prefix="allocprof-bench-")
    try:
        return run_benchmark(args, tmpdir)
    finally:
        if args.keep:
            print("bench: outputs and logs kept in %s" % tmpdir, file=sys.stderr)
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)


def snapshot_allocprof(binary, tmpdir):
    """Copies allocprof and its preload library into the temporary directory and returns the
    copy and the environment that makes it use the copied library. Every run then measures the
    same build even if the tree is rebuilt meanwhile (a rebuild during a run made one run fail
    with EACCES and two runs silently untraced)."""
    library = os.environ.get("ALLOCPROF_PRELOAD") or os.path.join(
        os.path.dirname(os.path.dirname(binary)), "lib", "allocprof", "liballocprof_preload.so")
    if not os.path.isfile(library):
        warn("no preload library at %s: using allocprof in place, not a snapshot" % library)
        return binary, {}
    snap = os.path.join(tmpdir, "allocprof-snapshot")
    os.makedirs(os.path.join(snap, "bin"))
    os.makedirs(os.path.join(snap, "lib", "allocprof"))
    binary_copy = os.path.join(snap, "bin", "allocprof")
    library_copy = os.path.join(snap, "lib", "allocprof", "liballocprof_preload.so")
    shutil.copy2(binary, binary_copy)
    shutil.copy2(library, library_copy)
    # The Python side of the script frames (sitecustomize.py, the allocprof module) is found
    # next to the library.
    python_support = os.path.join(os.path.dirname(library), "python")
    if os.path.isdir(python_support):
        shutil.copytree(python_support, os.path.join(snap, "lib", "allocprof", "python"))
    return binary_copy, {"ALLOCPROF_PRELOAD": library_copy}


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def run_benchmark(args, tmpdir):
    tools = [Tool("plain", "plain")]
    versions = []
    if "heaptrack" in args.tool_names:
        heaptrack = need_executable(args.heaptrack, "heaptrack (Debian package heaptrack)")
        tools.append(Tool("heaptrack", "heaptrack", heaptrack))
        versions.append(("heaptrack", tool_version([heaptrack, "--version"])))
    allocprof = None
    if "allocprof" in args.tool_names or args.allocprof_variant:
        path = args.allocprof or os.path.join(args.build_dir, "bin", "allocprof")
        if shutil.which(path) is None:
            die("allocprof not found at %s: build it (cmake -S . -B build && cmake --build build),"
                " pass --allocprof PATH, or leave it out with --tools plain,heaptrack" % path)
        allocprof = need_executable(path, "allocprof")
        versions.append(("allocprof", allocprof + " (" + tool_version([allocprof, "--version"])
                         + (")" if args.no_snapshot else "; copied with its preload library "
                            "before the first run)")))
        snap_env = {}
        if not args.no_snapshot:
            allocprof, snap_env = snapshot_allocprof(allocprof, tmpdir)
        if "allocprof" in args.tool_names:
            tools.append(Tool("allocprof", "allocprof", allocprof, extra_env=snap_env))
        for spec in args.allocprof_variant:
            variant = parse_variant(spec, allocprof)
            variant.extra_env = dict(snap_env, **variant.extra_env)
            tools.append(variant)
    workloads = make_workloads(args)
    versions.append(("lua", tool_version([shutil.which(args.lua) or args.lua, "-v"])))
    versions.append(("python", "%s (%s)" % (args.python, tool_version([args.python, "--version"]))))
    versions.append(("compiler", tool_version(["c++", "--version"])))
    heaptrack_print = shutil.which("heaptrack_print")

    started = datetime.datetime.now()
    load_before = loadavg()
    t0 = time.monotonic()
    results = {}
    counts = {}
    total = len(workloads) * len(tools) * args.runs
    done = 0
    for w in workloads:
        print("== %s: %s" % (w.key, w.title), file=sys.stderr)
        print("   %s" % " ".join(shlex.quote(a) for a in w.cmd), file=sys.stderr)
        for i in range(args.warmup):
            r = run_once(tools[0], w, tmpdir, "warmup%d" % i, args.timeout, False)
            if not r.ok:
                die("plain warm-up run of %s failed: %s" % (w.key, r.error), 1)
        for t in tools:
            results[(w.key, t.name)] = []
        for i in range(args.runs):
            k = i % len(tools)
            for t in tools[k:] + tools[:k]:  # round-robin, rotated each round
                first = i == 0
                tag = "%s-%d" % (t.name.replace(":", "_"), i + 1)
                r = run_once(t, w, tmpdir, tag, args.timeout,
                             keep_output=args.keep or (first and not args.no_counts))
                results[(w.key, t.name)].append(r)
                done += 1
                print("   [%d/%d] %-22s run %d: %s" % (
                    done, total, t.name, i + 1,
                    "%.3f s" % r.wall_s if r.ok else "FAILED: " + r.error.splitlines()[0]),
                    file=sys.stderr)
                if first and r.ok and not args.no_counts:
                    counted = count_allocations(t, r, heaptrack_print)
                    if counted is not None:
                        counts.setdefault(w.key, []).append((t.name, counted))
                    if not args.keep:
                        for path in r.outputs:
                            remove_quietly(path)
        # A profiler must not change what the program does: same result line as plain.
        reference = next((r.result_line for r in results[(w.key, "plain")] if r.ok), None)
        for t in tools:
            for r in results[(w.key, t.name)]:
                if r.ok and reference is not None and r.result_line != reference:
                    r.ok = False
                    r.error = "result line differs from the plain run's: %r" % r.result_line
        # Every allocprof run of a deterministic workload must record about the same number
        # of allocations (the interpreters vary by a handful at start-up).
        for t in tools:
            seen = [r.recorded["allocations"] for r in results[(w.key, t.name)]
                    if r.ok and r.recorded is not None]
            if not seen:
                continue
            typical = statistics.median(seen)
            for r in results[(w.key, t.name)]:
                if r.ok and r.recorded is not None and \
                        abs(r.recorded["allocations"] - typical) > 0.01 * typical:
                    r.ok = False
                    r.error = "recorded %d allocations, the other runs about %d" % (
                        r.recorded["allocations"], typical)

    elapsed = time.monotonic() - t0
    machine = machine_info()
    machine["load"] = "%s at the start, %s at the end" % (load_before, loadavg())
    report = render(args, tools, workloads, results, counts, machine, versions, started, elapsed)
    print(report)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, started.strftime("%Y-%m-%dT%H-%M-%S"))
    with open(stem + ".md", "w") as f:
        f.write(report + "\n")
    with open(stem + ".json", "w") as f:
        json.dump({
            "started": started.isoformat(), "machine": machine, "versions": dict(versions),
            "argv": args.raw_argv,
            "runs": [{"workload": wk, "tool": tn, "run": i + 1, "ok": r.ok, "error": r.error,
                      "wall_s": r.wall_s, "cpu_s": r.cpu_s, "exit_status": r.exit_status,
                      "target_peak_rss_kb": r.target_rss_kb,
                      "recorder_peak_rss_kb": r.recorder_rss_kb, "output_bytes": r.output_bytes,
                      "recorded": r.recorded}
                     for (wk, tn), rs in results.items() for i, r in enumerate(rs)],
            "allocation_counts": counts,
        }, f, indent=1)
    print("bench: wrote %s.md and %s.json" % (stem, stem), file=sys.stderr)
    failed = any(not r.ok for rs in results.values() for r in rs)
    return 1 if failed else 0


def count_allocations(tool, result, heaptrack_print):
    if tool.kind == "heaptrack" and heaptrack_print and result.outputs:
        return heaptrack_count(heaptrack_print, result.outputs[0])
    if tool.kind == "allocprof" and result.recorded is not None:
        return int(result.recorded["allocations"])
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
