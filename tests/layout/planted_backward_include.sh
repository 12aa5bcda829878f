#!/usr/bin/env bash
# The stage-include check must catch what it is for: a copy of the tree's layout with one
# include planted against the pipeline (reports/ including interpose/) fails it, naming the
# file and line; the same copy without it passes.
set -euo pipefail
checker=$1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/reports" "$tree/interpose" "$tree/analyzers"
printf '#include "analyzers/run_metrics.h"\n' >"$tree/reports/ok.cpp"
python3 "$checker" "$tree"
printf 'int x;\n#include "interpose/tracker.h"\n' >"$tree/reports/bad.cpp"
if out=$(python3 "$checker" "$tree"); then
  echo "a backward include passed the check" >&2
  exit 1
fi
grep -q 'reports/bad.cpp:2: reports/ includes interpose/tracker.h' <<<"$out"
