#!/usr/bin/env bash
# Renders a run's HTML report (allocprof report --format html) and takes a screenshot of it
# with headless Chromium (Debian's `chromium`, installed by scripts/setup.sh), 1400x1800:
# how to look at the page without a desktop.
#
#   scripts/screenshot-report.sh run.db out.png [--run ID]
#
# The command is $ALLOCPROF (default: $ALLOCPROF_BUILD_DIR/bin/allocprof, else
# ./build/bin/allocprof, else allocprof on PATH). The HTML is kept next to the PNG
# (out.html). Exit 0 with the PNG written, 1 when something failed, 2 on bad usage.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: scripts/screenshot-report.sh run.db out.png [report options]" >&2
  exit 2
fi
db="$1"
png="$2"
shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ALLOCPROF_BUILD_DIR:-$root/build}"
allocprof="${ALLOCPROF:-}"
if [ -z "$allocprof" ]; then
  if [ -x "$build/bin/allocprof" ]; then allocprof="$build/bin/allocprof"
  else allocprof="$(command -v allocprof || true)"; fi
fi
[ -n "$allocprof" ] || { echo "screenshot-report: no allocprof binary (build first, or set ALLOCPROF)" >&2; exit 1; }
chromium="${CHROMIUM:-$(command -v chromium || true)}"
[ -n "$chromium" ] || { echo "screenshot-report: chromium is not installed (scripts/setup.sh installs it)" >&2; exit 1; }

html="${png%.png}.html"
"$allocprof" report "$db" --format html -o "$html" "$@"

# A fresh profile each time: no first-run state, no lock shared with another Chromium.
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
log="$profile/chromium.log"
url="file://$(realpath "$html")"
out="$(realpath -m "$png")"
rm -f "$out"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$profile" --window-size=1400,1800 --virtual-time-budget=5000 \
  --screenshot="$out" "$url" >"$log" 2>&1 || true
if [ ! -s "$out" ]; then
  cat "$log" >&2
  echo "screenshot-report: chromium wrote no screenshot (log above)" >&2
  exit 1
fi
echo "screenshot-report: $png (page: $html)" >&2
