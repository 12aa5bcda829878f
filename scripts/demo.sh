#!/usr/bin/env bash
# The main job on a bundled sample, from a fresh machine: install what is needed, build,
# record a Lua workload (lua5.4 running samples/lua/tables.lua), analyze it, and print its
# summary and its top allocation sites. The run database is left in ./allocprof-demo.db.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ALLOCPROF_BUILD_DIR:-$root/build}"
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
db="${ALLOCPROF_DEMO_DB:-$PWD/allocprof-demo.db}"
echo "+ allocprof record -o $db -- lua5.4 samples/lua/tables.lua" >&2
"$build/bin/allocprof" record -o "$db" --scenario lua-tables -- lua5.4 "$root/samples/lua/tables.lua" >/dev/null
echo "+ allocprof analyze $db" >&2
"$build/bin/allocprof" analyze "$db"
echo "+ allocprof summary $db" >&2
"$build/bin/allocprof" summary "$db"
echo "+ allocprof top $db -n 5" >&2
"$build/bin/allocprof" top "$db" -n 5
