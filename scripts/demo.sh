#!/usr/bin/env bash
# The main job on a bundled sample, from a fresh machine: install what is needed, build,
# record a Lua workload (lua5.4 running samples/lua/tables.lua), analyze it, and write the
# markdown report (printed, and kept in ./allocprof-demo.md next to ./allocprof-demo.db).
#
# Then the Lua and Python scenario suites (samples/lua/suite.json, samples/python/suite.json:
# six benchmark-style scripts each, each counting its ops), recorded and analysed into
# ./allocprof-demo-LANG-suite.db, and the suite document of each — a baseline row per
# scenario, one site inventory, one plan, the missing coverage — printed and kept in
# ./allocprof-demo-LANG-suite.md.
# ALLOCPROF_DEMO_SUITE=0 skips the suites.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ALLOCPROF_BUILD_DIR:-$root/build}"
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
db="${ALLOCPROF_DEMO_DB:-$PWD/allocprof-demo.db}"
report="${db%.db}.md"
run() {
  echo "+ allocprof $*" >&2
  "$build/bin/allocprof" "$@"
}
# One op = one row built by the script's loop (200,000 by default).
run record -o "$db" --scenario lua-tables --ops 200000 -- lua5.4 "$root/samples/lua/tables.lua" >/dev/null
run analyze "$db" >&2
run report "$db" -o "$report"
cat "$report"
echo "allocprof demo: the run is in $db, its report in $report" >&2

if [ "${ALLOCPROF_DEMO_SUITE:-1}" = 0 ]; then exit 0; fi

# The scenario suites. `suite` prints one line per scenario (its measured phase's
# allocs/op, B/op, Gen0*, peak live) and exits 1 when a scenario fails; the suite
# document (`allocprof report SUITE.db`) is printed either way before the demo fails.

# demo_suite LANG TITLE: records samples/LANG/suite.json and prints its suite document.
demo_suite() {
  local lang="$1" title="$2" suite_db suite_doc status=0
  suite_db="${db%.db}-$lang-suite.db"
  suite_doc="${db%.db}-$lang-suite.md"
  run suite "$root/samples/$lang/suite.json" -o "$suite_db" >&2 || status=$?
  run report "$suite_db" -o "$suite_doc"
  echo
  cat "$suite_doc"
  echo "allocprof demo: the $title suite's runs are in $suite_db, its suite document in $suite_doc" >&2
  return "$status"
}
suite_status=0
demo_suite lua Lua || suite_status=$?
demo_suite python Python || suite_status=$?
exit "$suite_status"
