#!/usr/bin/env bash
# attach.sh PTVM LOOP: `ptvm trace -p PID` on a running two-threaded program (LOOP is
# tests/vm/attach_loop.c built): its calls are traced, Ctrl-C (SIGINT to ptvm) detaches and the
# program goes on; attached again, its exit status becomes ptvm's; bad uses are refused.
set -u
ptvm=$1 loop=$2
work=$(mktemp -d)
source "$(dirname "$0")/lib.sh"
"$loop" 400 > "$work/ticks" &
prog=$!
trap 'kill $prog 2>/dev/null; rm -rf "$work"' EXIT
sleep 0.3
"$ptvm" trace -p "$prog" -o "$work/trace1" &
tracer=$!
for _ in $(seq 50); do [ -s "$work/trace1" ] && break; sleep 0.1; done
sleep 0.3
kill -INT "$tracer"
wait "$tracer"
check "detached on SIGINT with status 0 ($?)" [ $? = 0 ]
check "both threads traced" [ "$(grep clock_nanosleep "$work/trace1" | awk '{print $1}' | sort -u | wc -l)" = 2 ]
before=$(wc -l < "$work/ticks")
sleep 0.6
check "the program goes on after the detach" [ "$(wc -l < "$work/ticks")" -gt "$before" ]
check "the program is not stopped" grep -q "^State:.*[RS]" "/proc/$prog/status"
timeout 60 "$ptvm" trace -p "$prog" -o "$work/trace2"
status=$?
check "attached until the end: the program's status ($status)" [ $status = 3 ]
check "its exit in the trace" grep -q "+++ exited with 3 +++" "$work/trace2"
check "its last tick" grep -q "tick 400" "$work/ticks"
out=$("$ptvm" trace -p 999999999 -o /dev/null 2>&1)
check "a process that does not exist: status 1 and why ($out)" [ $? = 1 ]
"$ptvm" trace -p 1 -o /dev/null -- true > /dev/null 2>&1
check "-p with a command is a usage error" [ $? = 2 ]
"$ptvm" trace -p 1 --backend=inprocess -o /dev/null > /dev/null 2>&1
check "-p with --backend=inprocess is a usage error" [ $? = 2 ]
exit $failed
