#!/usr/bin/env bash
# completion_test.sh ALLOCPROF COMPLETION — the bash completion the build wrote from the
# command line's definition, sourced into bash: `allocprof re<TAB>` offers record and report,
# `allocprof report --fo<TAB>` offers --format, and every option of every command that
# `allocprof COMMAND --help` lists is offered after that command.
set -euo pipefail
allocprof=$1 completion=$2
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ -f "$completion" ] || fail "no completion script at $completion"
. "$completion"
complete -p allocprof | grep -q -- "-F _allocprof" || fail "the script does not register _allocprof for allocprof"

# complete WORD...: COMPREPLY for the command line "WORD... <TAB>" (the last word is the cursor's), one per line.
complete_line() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _allocprof
  printf '%s\n' "${COMPREPLY[@]}" | sort
}

[ "$(complete_line allocprof re)" = "$(printf 'record\nreport')" ] ||
  fail "allocprof re<TAB> gave: $(complete_line allocprof re)"
[ "$(complete_line allocprof report --fo)" = "--format" ] ||
  fail "allocprof report --fo<TAB> gave: $(complete_line allocprof report --fo)"
[ "$(complete_line allocprof report --format '')" = "$(printf 'html\njson\nmd')" ] ||
  fail "allocprof report --format <TAB> gave: $(complete_line allocprof report --format '')"
[ "$(complete_line allocprof top --by t)" = "temporary" ] ||
  fail "allocprof top --by t<TAB> gave: $(complete_line allocprof top --by t)"
[ "$(complete_line allocprof record -- lua5.)" != "" ] || fail "allocprof record -- lua5.<TAB> offers no command"

commands=$("$allocprof" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ "$(complete_line allocprof '' | tr '\n' ' ')" = "$(printf '%s\n' $commands --help -h --version | sort | tr '\n' ' ')" ] ||
  fail "allocprof <TAB> gave: $(complete_line allocprof '' | tr '\n' ' ')"
for command in $commands; do
  offered=$(complete_line allocprof "$command" -)
  listed=$("$allocprof" "$command" --help | sed -n '/^Options:/,/^$/p' | grep -oE '^  (-[A-Za-z0-9-]+)(,-[-A-Za-z0-9]+)*' |
    tr ',' '\n' | tr -d ' ' | sort)
  [ "$offered" = "$listed" ] || fail "allocprof $command -<TAB> offers $(echo $offered), its help lists $(echo $listed)"
done
echo "ok: the completion offers every command and each command's options"
