#!/usr/bin/env bash
# deb_test.sh BUILD_DIR SOURCE_DIR — the .deb that `cpack -G DEB` makes of the build tree:
# named allocprof, its Depends found by dpkg-shlibdeps (libsqlite3 among them), its
# executables stripped, its man page rendering every command. Unpacked with dpkg-deb -x into
# a temporary root, its allocprof records a C sample, a Lua and a Python script and reports
# on them, with the preload library found relative to the unpacked bin/.
set -euo pipefail
build=$1 source=$2
. "$source/tests/packaging/packaging_checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$build" && cpack -G DEB -B "$work/package" >"$work/cpack.log" 2>&1) || fail "cpack -G DEB: $(cat "$work/cpack.log")"
deb=$(ls "$work"/package/allocprof_*.deb)
[ "$(dpkg-deb -f "$deb" Package)" = allocprof ] || fail "$deb is not named allocprof"
depends=$(dpkg-deb -f "$deb" Depends)
for library in libsqlite3 libdw1 libunwind8 libzstd1 libc6 libstdc++6; do
  [[ $depends == *"$library"* ]] || fail "Depends ($depends) lists no $library"
done
dpkg-deb -f "$deb" Description | grep -q "allocat" || fail "the package has no description"

dpkg-deb -x "$deb" "$work/root"
allocprof="$work/root/usr/bin/allocprof"
for binary in "$allocprof" "$work/root/usr/lib/allocprof/liballocprof_preload.so"; do
  file -b "$binary" | grep -q ", stripped" || fail "$binary is not stripped: $(file -b "$binary")"
  if readelf -S "$binary" | grep -q '\.debug_info'; then fail "$binary has a .debug_info section"; fi
done

page="$work/root/usr/share/man/man1/allocprof.1.gz"
[ -f "$page" ] || fail "the package has no man page (compressed, as Debian installs them)"
gzip -t "$page" || fail "$page is not gzip"
zcat "$page" | groff -man -Tascii -P-bcu >"$work/man.txt" 2>"$work/groff.err" || fail "groff: $(cat "$work/groff.err")"
[ -s "$work/groff.err" ] && fail "groff warns: $(cat "$work/groff.err")"
commands=$("$allocprof" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$commands" ] || fail "allocprof --help lists no commands"
rendered=$(cat "$work/man.txt")
for command in $commands; do
  grep -q "^   $command\$" <<<"$rendered" || fail "the man page has no section for $command"
done
[ -f "$work/root/usr/share/bash-completion/completions/allocprof" ] || fail "the package has no bash completion"

check_installed_tree "$allocprof" "$source" "$build/samples" "$work"
echo "ok: $(basename "$deb") ($(du -k "$deb" | cut -f1) KB), Depends: $depends"
