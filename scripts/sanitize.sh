#!/usr/bin/env bash
# Builds the tools, schema code and tests with AddressSanitizer and UBSan into ./build-asan
# and runs the tests. The preload library is never instrumented (it runs inside other
# people's programs, and ASan's runtime would have to come first in their link order);
# the end-to-end tests therefore exercise an instrumented allocprof against real targets.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
ALLOCPROF_BUILD_DIR="$root/build-asan" bash -c "
  cmake -S '$root' -B '$root/build-asan' -DCMAKE_BUILD_TYPE=Debug -DALLOCPROF_SANITIZE=ON >/dev/null &&
  cmake --build '$root/build-asan' -j \$(nproc) >/dev/null"
cd "$root/build-asan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --output-on-failure -j "$(nproc)" "$@"
