#!/usr/bin/env bash
# regenerate.sh — records the golden run database again and rewrites the expected reports.
#
#   bash tests/golden/regenerate.sh [BUILD_DIR]     (default: ./build)
#
# 1. records samples/c/markers.c (phases and ops, known allocations) into markers.db with
#    --scenario markers, analyses it with the default parameters, and VACUUMs it (small);
# 2. records samples/suite/vm_suite.json into vm_suite.db the same way;
# 3. renders markers.md, markers.json, vm_suite.md and vm_suite.json from them, through the
#    golden test itself (ALLOCPROF_UPDATE_GOLDEN=1), so the test and this script agree on how.
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
# The suite database of samples/suite/vm_suite.json (two scenarios, their sources analysed).
ALLOCPROF_BUILD="$build" "$build/bin/allocprof" suite "$here/../../samples/suite/vm_suite.json" -o vm_suite.db >/dev/null 2>&1
sqlite3 vm_suite.db "PRAGMA page_size = 1024; VACUUM;"
cp vm_suite.db "$here/vm_suite.db"
ALLOCPROF_UPDATE_GOLDEN=1 "$build/bin/allocprof_e2e_tests" --gtest_filter='ReportGolden.*'
echo "golden files rewritten in $here ($(stat -c %s "$here/markers.db") and $(stat -c %s "$here/vm_suite.db") bytes of databases)"
