#!/usr/bin/env bash
# Installs the Debian packages allocprof needs to build, test and run its demo.
# Then builds the debug Lua 5.4 (scripts/build-debug-lua.sh).
# Idempotent: when everything is already there it prints nothing and exits 0.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libunwind-dev            # stack capture inside the target (interpose/)
  libdw-dev libelf-dev     # offline symbolization (symbolize/)
  libsqlite3-dev sqlite3   # the run database (schema/)
  nlohmann-json3-dev       # configuration and machine output
  libcli11-dev             # the command line (cli/)
  libzstd-dev              # compressed event chunks in the database
  zlib1g-dev               # export/: gzipped pprof profiles; import of heaptrack's .gz files
  libprotobuf-dev protobuf-compiler  # export/: pprof's profile.proto encoded (and decoded by the tests)
  golang-github-google-pprof-dev     # export/: pprof's own profile.proto, compiled at build time
  libclang-14-dev          # analyzers/source/: what each site's source line allocates (libclang C API)
  libgtest-dev googletest  # unit and end-to-end tests
  lua5.4                   # real interpreter targets in tests and samples
  python3                  # Debian's python3 (tests also use the python3 on PATH)
  python3-pytest           # the pytest plugin's end-to-end test (allocprof.pytest_plugin)
  python3-jsonschema       # tests: every JSON output checked against its schema in docs/schemas/
  valgrind                 # reference counts for the exact-count tests
  heaptrack                # the peer the benchmarks compare against
  zstd                     # zstdcat: the tests read heaptrack's .zst recordings
  libjemalloc-dev          # tests/stress: a program with a statically linked jemalloc
  time linux-perf          # bench/: peak RSS and the where-the-time-goes breakdown
  chromium                 # headless: the HTML report's render test and scripts/screenshot-report.sh
  dpkg-dev                 # cpack -G DEB: dpkg-shlibdeps finds the package's Depends (scripts/package.sh)
  file groff-base          # tests/packaging: the packaged binaries are stripped, the man page renders
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -ne 0 ]; then
  echo "allocprof setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A debug Lua 5.4 from Debian's source package (Debian's lua5.4 is stripped), into
# build/debug-lua (or $ALLOCPROF_BUILD_DIR/debug-lua); quiet when it is up to date. Without
# Debian's source archive it says so in one line, and the tests that need it skip.
bash "$(dirname "${BASH_SOURCE[0]}")/build-debug-lua.sh" || true
