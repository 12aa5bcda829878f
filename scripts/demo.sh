#!/usr/bin/env bash
# The main job on a bundled sample, from a fresh machine: install what is needed, build,
# record a Lua workload (lua5.4 running samples/lua/tables.lua), analyze it, and write the
# markdown report (printed, and kept in ./allocprof-demo.md next to ./allocprof-demo.db).
#
# Then the Lua and Python scenario suites (samples/lua/suite.json, samples/python/suite.json:
# six benchmark-style scripts each, each counting its ops), recorded and analysed into
# ./allocprof-demo-LANG-suite.db: each scenario's markdown report is kept in
# ./allocprof-demo-LANG-suite/NAME.md, and a short summary is printed (the suite's per-op
# line of every scenario, and the script lines that allocate most in each).
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
# allocs/op, B/op, Gen0*, peak live); it exits 1 when a scenario fails, which the summary
# still shows before the demo fails.

# The top script locations of a run, one markdown bullet each: allocations, share, and the
# script line (for a library function such as gsub, the line that called it).
script_lines() {
  "$build/bin/allocprof" top "$suite_db" --run "$1" --group script -n 3 | awk -v root="$root/" '
    function flush() {
      if (!name) return
      where = location
      if (location == "[C]" && caller != "") where = "called at " caller
      if (location == "[]") where = "(the interpreter before the script)"
      else if (location != "[C]" && location !~ /:[0-9]+$/) where = location " (entry)"
      gsub(root, "", where)
      gsub(root, "", name)
      printf "- %s: `%s` %s\n", allocs, name, where
      name = ""
    }
    /^#[0-9]+  / {
      flush()
      split($0, part, "  ")
      name = part[2]; location = part[3]; allocs = ""; caller = ""
      sub(/ \[(lua|python)\]$/, "", location)
      next
    }
    name && allocs == "" && / allocations \(/ {
      allocs = $0; sub(/^ +/, "", allocs); sub(/\), .*/, ")", allocs)
      next
    }
    name && caller == "" && /^      at / && $0 !~ /\(\[C\]\)$/ {
      caller = $0; sub(/.*\(/, "", caller); sub(/\)$/, "", caller)
    }
    END { flush() }'
}

# demo_suite LANG TITLE: records, analyses and summarizes samples/LANG/suite.json.
demo_suite() {
  local lang="$1" title="$2" suite_out status=0
  suite_db="${db%.db}-$lang-suite.db"
  suite_reports="${db%.db}-$lang-suite"
  mkdir -p "$suite_reports"
  suite_out="$(run suite "$root/samples/$lang/suite.json" -o "$suite_db")" || status=$?
  echo
  echo "# $title scenario suite: samples/$lang/suite.json"
  echo
  echo "Each scenario's measured phase (\`allocprof suite\`):"
  echo
  echo '```'
  echo "$suite_out"
  echo '```'
  echo
  echo "## Where each scenario allocates (top script locations, whole run)"
  "$build/bin/allocprof" summary "$suite_db" |
    sed -n 's/^run \([0-9][0-9]*\): .*\[scenario \(.*\)\]$/\1 \2/p' |
    while read -r id name; do
      "$build/bin/allocprof" report "$suite_db" --run "$id" -o "$suite_reports/$name.md"
      echo
      echo "**$name** (report: \`$suite_reports/$name.md\`)"
      echo
      script_lines "$id"
    done
  echo "allocprof demo: the $title suite's runs are in $suite_db, their reports in $suite_reports/" >&2
  return "$status"
}
suite_status=0
demo_suite lua Lua || suite_status=$?
demo_suite python Python || suite_status=$?
exit "$suite_status"
