#!/usr/bin/env bash
# inprocess_refusals.sh PTVM: --backend=inprocess runs static programs too (ptvm's loader maps
# them), and refuses, with the reason and exit status 126, a program that cannot host the
# runtime (setuid: a userland exec grants no privilege); --backend=auto runs that under ptrace.
set -u
ptvm=$1
source "$(dirname "$0")/lib.sh"
expect "static in-process" 0 "exited with 0" -- \
  "$ptvm" trace --backend=inprocess -- /bin/busybox true
# In-process means untraced: no tracer in /proc/self/status, under inprocess and under auto.
expect "static in-process, untraced" 0 "^TracerPid:.0$" -- \
  "$ptvm" run --backend=inprocess --intercept=all -- /bin/busybox grep TracerPid /proc/self/status
expect "static under auto, in-process" 0 "^TracerPid:.0$" -- \
  "$ptvm" run --intercept=all -- /bin/busybox grep TracerPid /proc/self/status
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp /bin/true "$work/suid_true" && chmod u+s "$work/suid_true"
expect "setuid refused" 126 "setuid" -- \
  "$ptvm" run --backend=inprocess --intercept=all -- "$work/suid_true"
cp /bin/busybox "$work/busybox" && chmod u+s "$work/busybox"
expect "setuid under auto, on ptrace" 0 "^TracerPid:.[1-9]" -- \
  "$ptvm" run --intercept=all -- "$work/busybox" grep TracerPid /proc/self/status
expect "ptrace options refused" 2 "belong to --backend=ptrace" -- \
  "$ptvm" run --backend=inprocess --no-seccomp -- true
expect "--no-trampoline refused" 2 "belong to --backend=ptrace" -- \
  "$ptvm" trace --backend=inprocess --no-trampoline -o /dev/null -- true
expect "--no-syscall-info refused" 2 "belong to --backend=ptrace" -- \
  "$ptvm" run --backend=inprocess --no-syscall-info --intercept=all -- true
# The fallback of a kernel without Syscall User Dispatch, forced: auto on ptrace, with the reason.
expect "--no-sud: auto on ptrace" 0 "no-sud: as on a kernel without Syscall User Dispatch.*TracerPid:.[1-9]" -- \
  "$ptvm" -v run --no-sud --intercept=all -- /bin/busybox grep TracerPid /proc/self/status
expect "--no-sud: the path VM on ptrace" 0 "backend ptrace.*no-sud" -- \
  "$ptvm" proot -v 1 --no-sud -- true
expect "--no-sud: inprocess refused" 126 "cannot run.*no-sud" -- \
  "$ptvm" run --backend=inprocess --no-sud --intercept=all -- true
expect "unknown backend" 2 "backend" -- "$ptvm" run --backend=bogus -- true
exit $failed
