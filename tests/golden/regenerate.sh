#!/usr/bin/env bash
# regenerate.sh — records the golden run database again and rewrites the expected reports.
#
#   bash tests/golden/regenerate.sh [BUILD_DIR]     (default: ./build)
#
# 1. records samples/c/markers.c (phases and ops, known allocations) into markers.db with
#    --scenario markers, analyses it with the default parameters, and VACUUMs it (small);
# 2. renders markers.md and markers.json from it, through the golden test itself
#    (ALLOCPROF_UPDATE_GOLDEN=1), so the test and this script agree on how.
# Only step 2 is needed after a change to reports/: run the golden test with
# ALLOCPROF_UPDATE_GOLDEN=1 (ctest -R ReportGolden). Review the diff before committing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
# A fixed directory: it is the run's cwd, stored in the database and shown in the report.
work=/tmp/allocprof-golden
rm -rf "$work"
mkdir "$work"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$build/bin/allocprof" record --scenario markers -o markers.db -- "$build/samples/markers" >/dev/null
"$build/bin/allocprof" analyze markers.db >/dev/null
sqlite3 markers.db "PRAGMA page_size = 1024; VACUUM;"  # 1 KiB pages: ~40 tables, most tiny
cp markers.db "$here/markers.db"
ALLOCPROF_UPDATE_GOLDEN=1 "$build/bin/allocprof_e2e_tests" --gtest_filter='ReportGolden.*'
echo "golden files rewritten in $here ($(stat -c %s "$here/markers.db") bytes of database)"
