#!/usr/bin/env bash
# fresh_debian_check.sh [DEB] — installs allocprof's Debian package on a fresh Debian 12
# and runs record -> report there, as a new user of the package would.
#
#   sudo bash scripts/fresh_debian_check.sh build-release/allocprof_0.1.0_amd64.deb
#
# "Fresh" is a minimal bookworm made by debootstrap (--variant=minbase: no compiler, no
# Lua, no Python) in a temporary directory, from Debian's archive; apt-get then installs
# the package and exactly the Depends it declares. Inside it, allocprof records a C
# program of known allocations (samples/c/alloc_patterns.c, built here, needing only libc)
# and `sort`, reports on both in markdown and HTML, and checks the report names the sample's
# planted site. Needs root (debootstrap, chroot) and a few minutes and ~400 MB the first
# time; ALLOCPROF_DEBIAN_ROOT keeps the base system between runs (it is never deleted then).
# Not part of the test suite: it downloads a Debian system.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deb="${1:-$(ls "$root"/build-release/allocprof_*.deb 2>/dev/null | head -1)}"
fail() { echo "fresh_debian_check: $*" >&2; exit 1; }
[ -n "$deb" ] && [ -f "$deb" ] || fail "no package given and none in build-release/ (bash scripts/package.sh makes it)"
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap and chroot)"
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
mirror="${ALLOCPROF_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

work=$(mktemp -d)
base="${ALLOCPROF_DEBIAN_ROOT:-$work/bookworm}"
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ ! -x "$base/usr/bin/apt-get" ]; then
  echo "fresh_debian_check: debootstrap bookworm into $base ..." >&2
  debootstrap --variant=minbase bookworm "$base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(tail -5 "$work/debootstrap.log")"
fi
for fs in proc dev sys; do
  mkdir -p "$base/$fs"
  mount --bind "/$fs" "$base/$fs"
  mounted+=("$base/$fs")
done
cp /etc/resolv.conf "$base/etc/resolv.conf"

# The sample, built on this machine (the fresh system has no compiler).
sample="$work/alloc_patterns"
cc -g -O1 -fno-builtin -fno-allocation-dce -o "$sample" "$root/samples/c/alloc_patterns.c" || fail "cannot build the sample"
mkdir -p "$base/check"
cp "$deb" "$base/check/allocprof.deb"
cp "$sample" "$base/check/alloc_patterns"

in_root() { chroot "$base" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
in_root apt-get update -q >"$work/apt.log" 2>&1 || fail "apt-get update: $(tail -5 "$work/apt.log")"
in_root apt-get install -y -q --no-install-recommends /check/allocprof.deb >>"$work/apt.log" 2>&1 ||
  fail "apt-get install of the package failed: $(tail -15 "$work/apt.log")"
echo "fresh_debian_check: installed $(in_root dpkg-query -W -f '${Package} ${Version}' allocprof)," \
     "$(grep -c '^Unpacking' "$work/apt.log") packages unpacked" >&2

in_root allocprof --version
in_root sh -c 'cd /check && allocprof record -o sample.db -- ./alloc_patterns' || fail "record of the sample failed"
in_root sh -c 'cd /check && allocprof report sample.db -o sample.md && allocprof report sample.db --format html -o sample.html' ||
  fail "report failed"
grep -q "section_malloc" "$base/check/sample.md" || fail "the report does not name the sample's sites"
in_root sh -c 'cd /check && seq 20000 | allocprof record -o sort.db -- sort -n >/dev/null && allocprof summary sort.db' ||
  fail "record of sort failed"
in_root man -w allocprof >/dev/null 2>&1 || echo "fresh_debian_check: (no man-db in the minimal system: the page is not indexed)" >&2
echo "ok: $(basename "$deb") installs on a fresh Debian 12 and records and reports there"
