#!/usr/bin/env bash
# The main job on a bundled sample, from a fresh machine: install what is needed, build,
# record a Lua workload (lua5.4 running samples/lua/tables.lua), analyze it, and write the
# markdown report (printed, and kept in ./allocprof-demo.md next to ./allocprof-demo.db).
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
