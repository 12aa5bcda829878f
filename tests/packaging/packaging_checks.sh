# packaging_checks.sh — what the packaging tests check in an installed tree (sourced by them).
#
# check_installed_tree ALLOCPROF SOURCE_DIR SAMPLES_DIR WORK: the installed command, with no
# ALLOCPROF_PRELOAD to help it, finds its preload library and script support relative to
# itself (bin/ -> lib/allocprof) and records a C sample, a Lua script and a Python script —
# the scripts read their thread's counts through the installed Lua module and Python package —
# and reports on each run.

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# record_and_report ALLOCPROF WORK NAME EXPECTED_OUTPUT COMMAND...
record_and_report() {
  local allocprof=$1 work=$2 name=$3 expected=$4
  shift 4
  env -u ALLOCPROF_PRELOAD "$allocprof" record --quiet -o "$work/$name.db" -- "$@" >"$work/$name.out" 2>"$work/$name.err" ||
    fail "record of $name exited $? ($(cat "$work/$name.err"))"
  if [ -n "$expected" ]; then
    grep -q -- "$expected" "$work/$name.out" || fail "$name printed $(cat "$work/$name.out"), not $expected"
  fi
  "$allocprof" report "$work/$name.db" -o "$work/$name.md" 2>"$work/$name.report.err" ||
    fail "report of $name exited $? ($(cat "$work/$name.report.err"))"
  grep -q "Baseline allocation rates" "$work/$name.md" || fail "the report of $name has no baseline"
}

check_installed_tree() {
  local allocprof=$1 source=$2 samples=$3 work=$4
  local python=python3
  [ -x /usr/bin/python3 ] && python=/usr/bin/python3
  record_and_report "$allocprof" "$work" c "" "$samples/alloc_patterns"
  record_and_report "$allocprof" "$work" lua "ten=10" lua5.4 "$source/samples/lua/thread_counts.lua"
  record_and_report "$allocprof" "$work" python "ten=10" "$python" "$source/samples/python/thread_counts.py"
}
