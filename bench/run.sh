#!/usr/bin/env bash
# One command for the benchmark: runs every workload plain, under heaptrack and under
# `allocprof record`, interleaved, and prints/writes the comparison table.
# All the logic is in run.py (Python standard library only); this wrapper only finds Python.
# Usage: bench/run.sh [--runs N] [--build-dir DIR] [--only cpp|lua|python] [...]; see --help.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$(command -v python3 || true)"
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
if [ -z "$py" ]; then
    echo "bench/run.sh: error: python3 not found (install Debian package python3)" >&2
    exit 2
fi
exec "$py" "$here/run.py" "$@"
