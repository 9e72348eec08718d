#!/usr/bin/env bash
# clone_vm_exit.sh PTVM BACKEND CLONE_VM_EXIT: ptvm trace of tests/vm/clone_vm_exit.c (a
# clone(CLONE_VM | SIGCHLD) child that exits with 7, then its parent's last calls) names every
# process by its own pid: the child's calls and its `+++ exited with 7 +++` by the child's, the
# parent's calls after the child is gone and its `+++ exited with 3 +++` by the parent's.
set -u
ptvm=$1 backend=$2 prog=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
timeout 60 "$ptvm" trace --backend="$backend" -o "$work/t" -- "$prog" > "$work/out"
status=$?
check "the program's status (3, got $status)" [ "$status" = 3 ]
child=$(sed -n 's/^child \([0-9]*\)$/\1/p' "$work/out")
read -r parent cloned child_status < <(sed -n 's/^parent \([0-9]*\) child \([0-9]*\) status \([0-9]*\)$/\1 \2 \3/p' "$work/out")
check "the child's getpid is clone's result ($child, $cloned)" [ -n "$child" ] && [ "$child" = "$cloned" ]
check "the child's status (7, got $child_status)" [ "$child_status" = 7 ]
check "the child's write, by the child" grep -q "^$child  write(1, \"child $child" "$work/t"
check "the child's exit_group, by the child" grep -q "^$child  exit_group(7)" "$work/t"
check "the child's end, by the child" grep -qx "$child  +++ exited with 7 +++" "$work/t"
check "the parent's wait, by the parent" grep -q "^$parent  wait4($child, " "$work/t"
check "the parent's write after the child's end, by the parent" \
  grep -q "^$parent  write(1, \"parent $parent" "$work/t"
check "the parent's getppid, by the parent" grep -q "^$parent  getppid() = " "$work/t"
check "the parent's end, by the parent" grep -qx "$parent  +++ exited with 3 +++" "$work/t"
check "two ends in all" [ "$(grep -c '+++ exited' "$work/t")" = 2 ]
[ $failed = 0 ] || cat "$work/t"
exit $failed
