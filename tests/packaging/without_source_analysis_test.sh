#!/usr/bin/env bash
# without_source_analysis_test.sh SOURCE_DIR BUILD_DIR SAMPLES_DIR [CMAKE_ARGS...] — allocprof
# configured with -DALLOCPROF_SOURCE_ANALYSIS=OFF builds (the `allocprof` target only) and
# links no libclang; `analyze --source-root DIR` refuses in one line that says how to get
# source analysis, with exit status 2 (bad usage); record, analyze and report work, analyze
# with at most one line of notice about sources.
#
# BUILD_DIR is kept between runs, so that only a first run builds everything (a few minutes
# on two cores); CMAKE_ARGS pass the generator, compilers, build type and compiler launcher.
set -euo pipefail
source=$1 build=$2 samples=$3
shift 3
. "$source/tests/packaging/packaging_checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

{ cmake -S "$source" -B "$build" -DALLOCPROF_SOURCE_ANALYSIS=OFF -DALLOCPROF_BUILD_TESTS=OFF "$@" &&
  cmake --build "$build" --target allocprof -j 2; } >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; fail "the build without source analysis failed"; }
allocprof="$build/bin/allocprof"
if ldd "$allocprof" | grep -qi clang; then fail "the build without source analysis links libclang: $(ldd "$allocprof" | grep -i clang)"; fi

mkdir "$work/src"
set +e
"$allocprof" analyze "$work/run.db" --source-root "$work/src" >"$work/refused.out" 2>"$work/refused.err"
status=$?
set -e
[ "$status" -eq 2 ] || fail "analyze --source-root exited $status, not 2 (bad usage): $(cat "$work/refused.err")"
[ "$(wc -l <"$work/refused.err")" -eq 1 ] || fail "analyze --source-root said more than one line: $(cat "$work/refused.err")"
grep -q "without source analysis.*libclang-14-dev.*-DALLOCPROF_SOURCE_ANALYSIS=ON" "$work/refused.err" ||
  fail "analyze --source-root said: $(cat "$work/refused.err")"

record_and_report "$allocprof" "$work" c "" "$samples/alloc_patterns"
"$allocprof" analyze "$work/c.db" >"$work/analyze.out" 2>"$work/analyze.err" || fail "analyze exited $?: $(cat "$work/analyze.err")"
[ "$(wc -l <"$work/analyze.err")" -le 1 ] || fail "analyze said more than one line: $(cat "$work/analyze.err")"
grep -q "^run 1: " "$work/analyze.out" || fail "analyze printed: $(cat "$work/analyze.out")"
set +e
"$allocprof" analyze "$work/c.db" --source-root "$work/src" 2>"$work/refused2.err"
status=$?
set -e
[ "$status" -eq 2 ] || fail "analyze RUN.db --source-root exited $status"
echo "ok: built without libclang; analyze --source-root says: $(cat "$work/refused.err")"
