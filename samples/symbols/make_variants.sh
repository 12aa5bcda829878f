#!/bin/sh
# make_variants.sh EXE LIB OUTDIR — the stripped shapes of the symbolizer sample, for the
# tests of the .dynsym fallback and of separate debug files:
#   OUTDIR/stripped/   EXE and LIB after `strip` (no DWARF, no .symtab; LIB keeps .dynsym)
#   OUTDIR/buildid/    LIB stripped, its DWARF in debug/.build-id/xx/yyyy.debug
#   OUTDIR/debuglink/  LIB stripped with a .gnu_debuglink to libsymbols_lib.so.debug next to it
# Writes OUTDIR/stamp last.
set -eu
exe=$1 lib=$2 out=$3
name=$(basename "$lib")
rm -rf "$out"
mkdir -p "$out/stripped" "$out/buildid" "$out/debuglink"

strip -o "$out/stripped/$(basename "$exe")" "$exe"
strip -o "$out/stripped/$name" "$lib"

id=$(readelf -n "$lib" | sed -n 's/^ *Build ID: *//p')
[ -n "$id" ] || { echo "make_variants.sh: $lib has no build-id" >&2; exit 1; }
prefix=$(echo "$id" | cut -c1-2) rest=$(echo "$id" | cut -c3-)
mkdir -p "$out/buildid/debug/.build-id/$prefix"
objcopy --only-keep-debug "$lib" "$out/buildid/debug/.build-id/$prefix/$rest.debug"
strip -o "$out/buildid/$name" "$lib"

objcopy --only-keep-debug "$lib" "$out/debuglink/$name.debug"
strip -o "$out/debuglink/$name" "$lib"
objcopy --add-gnu-debuglink="$out/debuglink/$name.debug" "$out/debuglink/$name"

touch "$out/stamp"
