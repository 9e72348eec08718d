#!/usr/bin/env bash
# man_pages.sh SOURCE_DIR BUILD_DIR: every man/*.scd is rendered into BUILD_DIR/man/, formats
# without a single groff warning (groff -ww) and is shown by man -l with its title.
set -u
src=$(readlink -f "$1") build=$(readlink -f "$2")
source "$src/tests/vm/lib.sh"
export MANWIDTH=80 MANROFFOPT=-ww LC_ALL=C.UTF-8
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for scd in "$src"/man/*.scd; do
  page=$(basename "$scd" .scd)  # ptvm-trace.1
  out=$build/man/$page
  title=$(head -n 1 "$scd" | cut -d' ' -f1)  # PTVM-TRACE(1)
  check "$page rendered" test -s "$out"
  warnings=$(groff -ww -man -Tutf8 -z "$out" 2>&1)
  check "$page: groff -ww -man -Tutf8 warns of nothing" [ -z "$warnings" ]
  [ -n "$warnings" ] && echo "$warnings"
  text=$(man -l -P cat "$out" 2> "$work/stderr")
  status=$?
  check "$page: man -l shows it" [ $status = 0 ]
  check "$page: man -l (groff -ww) warns of nothing" [ ! -s "$work/stderr" ]
  cat "$work/stderr"
  first_line=${text%%$'\n'*}
  check "$page: titled $title" [ "${first_line%% *}" = "$title" ]
  # Every page says what it is and where to look next.
  for section in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
    check "$page has $section" grep -q "^$section$" <<< "$text"
  done
done
exit $failed
