#!/usr/bin/env bash
# install_test.sh BUILD_DIR SOURCE_DIR — `cmake --install` of the build tree into a temporary
# prefix gives a tree that works as the build tree does: every file an installed tree needs
# is there (the command, the preload library, the Python package with its pytest plugin, the
# headers, the man page, the completion), and the installed command records a C sample, a Lua
# and a Python script and reports on them, finding the library relative to itself.
set -euo pipefail
build=$1 source=$2
. "$source/tests/packaging/packaging_checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" || fail "cmake --install: $(cat "$work/install.log")"
for file in bin/allocprof lib/allocprof/liballocprof_preload.so lib/allocprof/python/sitecustomize.py \
    lib/allocprof/python/allocprof/__init__.py lib/allocprof/python/allocprof/scope.py \
    lib/allocprof/python/allocprof/pytest_plugin.py include/allocprof/allocprof.h \
    include/allocprof/gtest_listener.h share/man/man1/allocprof.1.gz share/bash-completion/completions/allocprof; do
  [ -f "$work/prefix/$file" ] || fail "the installed tree has no $file"
done
check_installed_tree "$work/prefix/bin/allocprof" "$source" "$build/samples" "$work"
echo "ok: the tree installed by cmake --install records and reports from its own lib/allocprof"
