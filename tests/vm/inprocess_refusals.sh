#!/usr/bin/env bash
# inprocess_refusals.sh PTVM: --backend=inprocess refuses, with the reason and exit status 126,
# a program that cannot host the runtime (static, setuid); --backend=auto runs it under ptrace.
set -u
ptvm=$1
source "$(dirname "$0")/lib.sh"
expect "static refused" 126 "cannot run '/bin/busybox'.*statically linked" -- \
  "$ptvm" trace --backend=inprocess -o /dev/null -- /bin/busybox true
expect "static under auto" 0 "exited with 0" -- \
  "$ptvm" trace -- /bin/busybox true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp /bin/true "$work/suid_true" && chmod u+s "$work/suid_true"
expect "setuid refused" 126 "setuid" -- \
  "$ptvm" run --backend=inprocess --intercept=all -- "$work/suid_true"
expect "ptrace options refused" 2 "belong to --backend=ptrace" -- \
  "$ptvm" run --backend=inprocess --no-seccomp -- true
expect "--no-trampoline refused" 2 "belong to --backend=ptrace" -- \
  "$ptvm" trace --backend=inprocess --no-trampoline -o /dev/null -- true
expect "--no-syscall-info refused" 2 "belong to --backend=ptrace" -- \
  "$ptvm" run --backend=inprocess --no-syscall-info --intercept=all -- true
expect "unknown backend" 2 "backend" -- "$ptvm" run --backend=bogus -- true
exit $failed
