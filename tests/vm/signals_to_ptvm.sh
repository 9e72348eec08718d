#!/usr/bin/env bash
# signals_to_ptvm.sh PTVM: SIGTERM and SIGHUP sent to ptvm by the program it runs (its parent,
# its `kill 0`) do not end ptvm, which goes on to the program's own end; the same signals from
# anybody else end ptvm, and with it the program (its status is the signal's, like a shell's).
set -u
ptvm=$1
. "$(dirname "$0")/lib.sh"
for mode in --backend=ptrace --no-trampoline --no-seccomp; do
  expect "program_kills_ptvm $mode" 0 "survived" -- \
    "$ptvm" run $mode --intercept=%file -- sh -c 'kill -TERM $PPID; kill -HUP $PPID; echo survived'
  expect "proot_program_kills_ptvm $mode" 0 "survived" -- \
    "$ptvm" proot $mode -b /tmp:/mnt -- sh -c 'kill -TERM $PPID; echo survived'
  "$ptvm" run $mode --intercept=%file -- sleep 20 &
  pid=$!
  sleep 0.5
  kill -TERM $pid
  wait $pid
  status=$?
  check "others_kill_ptvm $mode (status $status)" [ $status = 143 ]
done
exit $failed
