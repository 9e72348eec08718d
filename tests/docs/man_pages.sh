#!/usr/bin/env bash
# man_pages.sh SOURCE_DIR BUILD_DIR: every man/*.scd is rendered into BUILD_DIR/man/ and formats
# without a single groff warning (groff -ww: "can't break line", "cannot adjust line", ...) at 40,
# 80 and 200 columns, both through groff itself and through man -l (MANWIDTH, MANROFFOPT=-ww); at
# 80 columns and more no line of the page is wider than the terminal, literal blocks included
# (groff warns of nothing there: a no-fill line just runs over); man -l shows it with its title.
set -u
src=$(readlink -f "$1") build=$(readlink -f "$2")
source "$src/tests/vm/lib.sh"
export MANROFFOPT=-ww LC_ALL=C.UTF-8
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The lines of stdin wider than $1 characters (not bytes: a bullet is three bytes in UTF-8).
wider_than() {
  python3 -c 'import sys
w = int(sys.argv[1])
for line in sys.stdin.read().splitlines():
    if len(line) > w: print(f"{len(line)} columns: {line}")' "$1"
}
for scd in "$src"/man/*.scd; do
  page=$(basename "$scd" .scd)  # ptvm-trace.1
  out=$build/man/$page
  title=$(head -n 1 "$scd" | cut -d' ' -f1)  # PTVM-TRACE(1)
  check "$page rendered" test -s "$out"
  for width in 40 80 200; do
    warnings=$(groff -ww -man -Tutf8 -rLL="${width}n" -z "$out" 2>&1)
    check "$page at $width columns: groff -ww -man -Tutf8 warns of nothing" [ -z "$warnings" ]
    [ -n "$warnings" ] && echo "$warnings"
    text=$(MANWIDTH=$width man -l -P cat "$out" 2> "$work/stderr")
    status=$?
    check "$page at $width columns: man -l shows it" [ $status = 0 ]
    check "$page at $width columns: man -l (groff -ww) warns of nothing" [ ! -s "$work/stderr" ]
    cat "$work/stderr"
    if [ "$width" -ge 80 ]; then
      wide=$(wider_than "$width" <<< "$text")
      check "$page at $width columns: no line is wider" [ -z "$wide" ]
      [ -n "$wide" ] && echo "$wide"
    fi
  done
  text=$(MANWIDTH=80 man -l -P cat "$out" 2> /dev/null)
  first_line=${text%%$'\n'*}
  check "$page: titled $title" [ "${first_line%% *}" = "$title" ]
  # Every page says what it is and where to look next.
  for section in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
    check "$page has $section" grep -q "^$section$" <<< "$text"
  done
done
exit $failed
