#!/usr/bin/env bash
# Builds a debug Lua 5.4 interpreter from Debian's own source package, for the tests and
# for profiling Lua with named VM frames (Debian's /usr/bin/lua5.4 is stripped, so its VM
# functions have no names and no lines).
#
#   scripts/build-debug-lua.sh [OUTDIR]
#
# OUTDIR defaults to $ALLOCPROF_BUILD_DIR/debug-lua, that is build/debug-lua under the
# repository root; the end-to-end tests look for the interpreter there. It installs:
#
#   OUTDIR/bin/lua5.4-debug   the interpreter (lua.c + the liblua objects, one executable)
#   OUTDIR/src/               Debian's source package, unpacked with its patches
#   OUTDIR/stamp              the source version and flags it was built from
#
# The source is `apt-get source lua5.4=VERSION`, VERSION being that of the installed
# lua5.4 package (else the candidate one). When no deb-src entry provides it, one is added
# for the same mirror, suite and component as the binary package, in
# /etc/apt/sources.list.d/allocprof-src.sources, followed by `apt-get update` (sudo when
# not root). Compiled with -g -O2 -fno-omit-frame-pointer, Debian's defines
# (-DLUA_COMPAT_5_3 -DLUA_USE_LINUX, -std=gnu99), without readline (the interactive
# prompt is plain), dynamically linked against libc, not stripped.
#
# Idempotent and quiet: when OUTDIR/bin/lua5.4-debug exists and the stamp matches, it does
# nothing; otherwise it says in one line what it builds (about 10 s). It prints one line
# and exits 1 when the source cannot be had (the tests that need the interpreter then
# skip) or the build fails (after the compiler's log).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ALLOCPROF_BUILD_DIR:-$root/build}"
out="${1:-$build/debug-lua}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
binary="$out/bin/lua5.4-debug"
flags="-std=gnu99 -g -O2 -fno-omit-frame-pointer -DLUA_COMPAT_5_3 -DLUA_USE_LINUX"
recipe=1  # bump when this script builds differently

added=""  # set while a deb-src entry this run added is not proven useful
fail() {
  [ -n "$added" ] && ${SUDO:-} rm -f "$entry_file"
  echo "allocprof: debug Lua 5.4 not built: $*" >&2
  exit 1
}

# The version to build: the installed lua5.4's, else apt's candidate.
version="$(dpkg-query -W -f='${Status} ${Version}' lua5.4 2>/dev/null |
           sed -n 's/^install ok installed //p')"
if [ -z "$version" ]; then
  version="$(apt-cache policy lua5.4 2>/dev/null | sed -n 's/^ *Candidate: //p')"
  [ "$version" = "(none)" ] && version=""
fi
[ -n "$version" ] || fail "apt knows no lua5.4 package"

stamp="lua5.4=$version recipe=$recipe flags=$flags"
if [ -x "$binary" ] && [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then
  exit 0
fi

echo "allocprof: building a debug Lua 5.4 (Debian's lua5.4 $version source) into $out" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# The Signed-By of the sources entry FILE:LINE, as deb822 lines ("" when it has none).
signed_by_of_entry() {
  local file="$1" line="$2"
  case "$file" in
    *.sources)
      # The stanza holding LINE; its Signed-By field with any continuation lines.
      awk -v want="$line" '
        /^[[:space:]]*$/ { if (NR > want) exit; field = ""; keep = 0; next }
        /^[^[:space:]#]/ { keep = (tolower($0) ~ /^signed-by:/) }
        keep { field = field $0 "\n" }
        END { printf "%s", field }' "$file"
      ;;
    *)
      sed -n "${line}p" "$file" | sed -n 's/.*\[[^]]*signed-by=\([^] ]*\).*/Signed-By: \1/p'
      ;;
  esac
}

PARTS=/etc/apt/sources.list.d/
eval "$(apt-config shell PARTS Dir::Etc::sourceparts/d 2>/dev/null)" || true
entry_file="${PARTS%/}/allocprof-src.sources"

# Adds a deb-src entry for where the lua5.4 binary package comes from.
add_source_entry() {
  local site suite component entry file line signed
  # "lua5.4 | VERSION | SITE SUITE/COMPONENT ARCH Packages"
  read -r site suite component < <(apt-cache madison lua5.4 2>/dev/null |
    awk -F' [|] ' -v v="$version" '$2 == v && $3 ~ /Packages$/ {
      split($3, f, " "); n = split(f[2], sc, "/"); comp = sc[n];
      suite = substr(f[2], 1, length(f[2]) - length(comp) - 1);
      print f[1], suite, comp; exit }') || true
  [ -n "${site:-}" ] || fail "no apt source lists lua5.4 $version (no deb line to derive a deb-src from)"
  # Signed-By must match the deb entry's, or apt refuses both.
  entry="$(apt-get indextargets 2>/dev/null | awk -v s="$site" -v r="$suite" -v c="$component" '
      /^$/ { if (S == s && R == r && C == c && E != "") { print E; exit } S = R = C = E = ""; next }
      /^Site: / { S = $2 } /^Release: / { R = $2 } /^Component: / { C = $2 }
      /^Sourcesentry: / { E = $2 }
      END { if (S == s && R == r && C == c && E != "") print E }' | head -n 1)"
  signed=""
  if [ -n "$entry" ]; then
    file="${entry%:*}"
    line="${entry##*:}"
    [ -r "$file" ] && signed="$(signed_by_of_entry "$file" "$line")"
  fi
  {
    echo "# Added by allocprof's scripts/build-debug-lua.sh: Debian's lua5.4 source package."
    echo "Types: deb-src"
    echo "URIs: $site"
    echo "Suites: $suite"
    echo "Components: $component"
    [ -n "$signed" ] && printf '%s\n' "$signed"
  } | $SUDO tee "$entry_file" >/dev/null || fail "cannot write $entry_file"
  $SUDO apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; fail "apt-get update failed"; }
}

src="$out/src"
rm -rf "$src"
mkdir -p "$src"
if ! (cd "$src" && apt-get source --print-uris -qq "lua5.4=$version" 2>/dev/null | grep -q "\.dsc'"); then
  [ -e "$entry_file" ] || added=yes
  add_source_entry
  if ! (cd "$src" && apt-get source --print-uris -qq "lua5.4=$version" 2>/dev/null | grep -q "\.dsc'"); then
    fail "no source archive provides lua5.4 $version (apt-get source lua5.4=$version)"
  fi
fi
if ! (cd "$src" && apt-get source -qq "lua5.4=$version") >"$log" 2>&1; then
  fail "apt-get source lua5.4=$version failed: $({ grep '^E:' "$log" || tail -n 1 "$log"; } | head -n 1)"
fi
added=""  # it provides the source: keep it
tree="$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'lua5.4-*' | head -n 1)"
[ -n "$tree" ] && [ -f "$tree/src/lua.c" ] || fail "apt-get source left no lua5.4 tree in $src"

# Debian's luaconf.h includes this generated header (debian/rules writes it too).
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)"
printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s"\n#endif\n' \
  "$multiarch" >"$tree/src/lua5.4-deb-multiarch.h"

objects="$out/obj"
rm -rf "$objects"
mkdir -p "$objects" "$out/bin"
# Every .c but the compiler's main (luac.c); lua.c is the interpreter's.
if ! { find "$tree/src" -maxdepth 1 -name '*.c' ! -name luac.c -print0 |
         xargs -0 -n 1 -P "$(nproc)" sh -c \
           'gcc '"$flags"' -c "$1" -o "$0/$(basename "$1" .c).o"' "$objects" &&
       gcc -o "$binary.tmp" "$objects"/*.o -Wl,-E -lm -ldl; } >"$log" 2>&1; then
  cat "$log" >&2
  fail "the build failed (log above)"
fi
mv -f "$binary.tmp" "$binary"
rm -rf "$objects"
echo "$stamp" >"$out/stamp"
