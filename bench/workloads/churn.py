"""Python dict/list churn for bench/run.sh.

Run with PYTHONMALLOC=malloc so every object allocation goes through malloc/realloc/free (the
default pymalloc arenas would hide most of them from any LD_PRELOAD profiler). Each round
builds short-lived dicts and lists (lists grow by append, so they are resized), creates ints
above the small-int cache and new strings, keeps a bounded window of recent records alive, and
drops a small index dict now and then. Deterministic: no time, no randomness, no hash-order
dependence in the checksum (string hashing is randomised per process, so the checksum only
uses lengths and integer values).

Usage: PYTHONMALLOC=malloc python3 churn.py [SCALE]   (SCALE defaults to 1.0)
If BENCH_RSS_FILE is set, the script writes its own peak RSS (VmHWM, kB) there at the end.
"""

import os
import sys


def make_record(i):
    record = {"id": i, "name": "rec:%d" % i, "tags": []}
    tags = record["tags"]
    for k in range(1 + i % 9):
        tags.append(k * i + 1000)
    return record


def render(record):
    parts = [str(k) + "=" + str(v) for k, v in enumerate(record["tags"])]
    return record["name"] + "{" + ",".join(parts) + "}"


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    rounds = int(550000 * scale)
    window_size = 512
    window = [None] * window_size
    checksum = 0
    for i in range(rounds):
        record = make_record(i)
        text = render(record)
        checksum += len(text)
        window[i % window_size] = {"record": record, "text": text}
        if i % 7 == 0:
            index = {"k%d" % (i + k): k for k in range(6)}
            checksum += index["k%d" % (i + 1)]
    print("churn.py: %d rounds, checksum %d" % (rounds, checksum))

    rss_file = os.environ.get("BENCH_RSS_FILE")
    if rss_file:
        hwm = "-1"
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    hwm = line.split()[1]
        with open(rss_file, "w") as out:
            out.write(hwm + "\n")


if __name__ == "__main__":
    main()
