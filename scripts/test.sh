#!/usr/bin/env bash
# Sets up a fresh machine, builds, and runs every test (unit and end-to-end) with CTest.
# Extra arguments go to ctest (for example: -L unit, -R Threads, --output-on-failure).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ALLOCPROF_BUILD_DIR:-$root/build}"
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j "$(nproc)" "$@"
