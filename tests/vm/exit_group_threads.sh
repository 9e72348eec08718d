#!/usr/bin/env bash
# exit_group_threads.sh PTVM BACKEND EXIT_GROUP_THREADS: ptvm trace of tests/vm/
# exit_group_threads.c (two threads blocked, then exit(4) from the main thread, from the second
# thread, or from the second thread after the main one ended by pthread_exit) prints one
# `TID +++ exited with 4 +++` for every thread of the process, each by its own id, and no other
# end.
set -u
ptvm=$1 backend=$2 prog=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
for who in main thread leader; do
  args=()
  [ $who != main ] && args=($who)
  timeout 60 "$ptvm" trace --backend="$backend" -o "$work/t" -- "$prog" "${args[@]}" > "$work/out"
  status=$?
  check "$who: the program's status (4, got $status)" [ "$status" = 4 ]
  ids=$(awk '{print $2}' "$work/out" | sort | paste -sd' ')
  ends=$(sed -n 's/^\([0-9]*\)  +++ exited with 4 +++$/\1/p' "$work/t" | sort | paste -sd' ')
  check "$who calls exit: every thread's end, once each (threads $ids, ends $ends)" \
    [ -n "$ids" ] && [ "$ids" = "$ends" ]
  check "$who calls exit: no other end" [ "$(grep -c '+++' "$work/t")" = 3 ]
done
exit $failed
