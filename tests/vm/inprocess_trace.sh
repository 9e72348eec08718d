#!/usr/bin/env bash
# inprocess_trace.sh PTVM HANDLER_CALLS: what the in-process tracer shows of tests/vm/
# handler_calls.c: the calls of signal handlers (also after a siglongjmp and after the program
# tried to switch dispatch off), one line per fork (the parent's), -c counting it once; and
# ptvm's output descriptor kept out of the program's sight.
set -u
ptvm=$1 prog=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
timeout 60 "$ptvm" trace --backend=inprocess -o "$work/t" -- "$prog" > /dev/null
check "the handler's getppid" grep -q '^[0-9]*  getppid() = ' "$work/t"
opens=$(grep -c 'openat(AT_FDCWD, "/etc/hostname"' "$work/t")
check "every open of the program, in handlers and after siglongjmp and prctl ($opens of 4)" \
  [ "$opens" = 4 ]
check "no line for the fork child's side of clone" \
  [ "$(grep -cE '  clone\(.*\) = 0$' "$work/t")" = 0 ]
check "the parent's clone line" grep -qE '  clone\(.*\) = [1-9][0-9]*$' "$work/t"
timeout 60 "$ptvm" trace --backend=inprocess -c -e trace=clone -o "$work/c" -- "$prog" > /dev/null
calls=$(awk '$NF == "clone" {print $(NF-1)}' "$work/c")
check "-c counts the fork once ($calls)" [ "$calls" = 1 ]
# ptvm's own descriptor for the output is not the program's.
native=$(ls /proc/self/fd | tr '\n' ' ')
under=$(timeout 60 "$ptvm" trace --backend=inprocess -o "$work/l" -- ls /proc/self/fd | tr '\n' ' ')
check "the program lists its descriptors as natively ($under)" [ "$native" = "$under" ]
timeout 60 "$ptvm" trace --backend=inprocess -o "$work/d" -- bash -c \
  "exec 700>'$work/mine'; echo data >&700; exec 700>&-; cat /proc/self/status > /dev/null"
check "a program's own descriptor 700 gets only its data" [ "$(cat "$work/mine")" = data ]
check "and the trace goes on after it" grep -q 'openat(AT_FDCWD, "/proc/self/status"' "$work/d"
exit $failed
