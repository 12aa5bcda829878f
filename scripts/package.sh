#!/usr/bin/env bash
# Builds allocprof for release (-O2, no tests, into ./build-release or $ALLOCPROF_RELEASE_DIR)
# and makes its Debian package with CPack: build-release/allocprof_<version>_<arch>.deb,
# executables stripped, Depends found by dpkg-shlibdeps. Extra arguments go to the configure
# step (for example -DALLOCPROF_SOURCE_ANALYSIS=OFF for a package without libclang).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ALLOCPROF_RELEASE_DIR:-$root/build-release}"
bash "$root/scripts/setup.sh"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DALLOCPROF_BUILD_TESTS=OFF "$@" && \
       cmake --build "$build" -j "$(nproc)" && \
       (cd "$build" && cpack -G DEB); } >"$log" 2>&1; then
  cat "$log" >&2
  echo "allocprof: packaging failed (log above)" >&2
  exit 1
fi
ls "$build"/allocprof_*.deb
