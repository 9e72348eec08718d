#!/usr/bin/env bash
# rewrite.sh PTVM PROGRAM EFAULT_PATHS: site rewriting (runtime/rewrite) as the program sees it. PROGRAM
# (rewrite_sites.c) prints the same natively, with rewriting and without; --stats says that
# sites were patched and calls made through them (none with --no-rewrite), and that the
# JIT-like code's site (an anonymous page) was refused, so that its calls still trap; a read site
# in glibc's form gets the near patch.
set -u
ptvm=$1
program=$2
efault_paths=$3
source "$(dirname "$0")/lib.sh"
native=$("$program")
# The program's own checks warm their sites up with a few calls: the sites are rewritten after
# two traps (--rewrite-after=2) except where the default (16) is what is tested.
expect "rewriting: runs to its end" 0 "JIT code: 1" -- \
  "$ptvm" run --backend=inprocess --rewrite-after=2 --intercept=openat -- "$program"
got=$("$ptvm" run --backend=inprocess --rewrite-after=2 --intercept=openat -- "$program" \
  2>/dev/null)
if [ "$got" != "$native" ]; then
  echo "FAIL: output differs with rewriting"; diff <(echo "$native") <(echo "$got"); failed=1
fi
# Without rewriting a handler that interrupts a blocking call sees the runtime's code, which made
# the call for the trapped site (a limit of the SIGSYS path: runtime/main/README.md).
got=$("$ptvm" run --backend=inprocess --intercept=openat --no-rewrite -- "$program" 2>/dev/null |
  grep -v '^handler context')
if [ "$got" != "$(grep -v '^handler context' <<<"$native")" ]; then
  echo "FAIL: output differs without rewriting"; diff <(echo "$native") <(echo "$got"); failed=1
fi
# Wanted calls through rewritten sites (into the module stack without a signal): the same, but
# for the context of handlers that interrupt a wanted blocking call (the runtime's code, as on
# the SIGSYS path).
got=$("$ptvm" run --backend=inprocess --rewrite-after=2 --intercept=getppid,read -- \
  "$program" 2>/dev/null | grep -v '^handler context')
if [ "$got" != "$(grep -v '^handler context' <<<"$native")" ]; then
  echo "FAIL: output differs with wanted calls rewritten"
  diff <(grep -v '^handler context' <<<"$native") <(echo "$got"); failed=1
fi
expect "--stats: wanted sites patched" 0 \
  "[1-9][0-9]{5,} through patched sites; [1-9][0-9]* sites patched" -- \
  "$ptvm" run --backend=inprocess --rewrite-after=2 --intercept=getppid,read --stats -- "$program"
expect "--stats: sites patched, calls through them" 0 \
  "[1-9][0-9]* through patched sites; [1-9][0-9]* sites patched" -- \
  "$ptvm" run --backend=inprocess --intercept=openat --stats -- "$program"
expect "--stats: the JIT page refused" 0 "not a file's text: [1-9]" -- \
  "$ptvm" run --backend=inprocess --rewrite-after=2 --intercept=openat --stats -- "$program"
expect "--rewrite-after=0 is refused" 2 "rewrite-after" -- \
  "$ptvm" run --backend=inprocess --intercept=openat --rewrite-after=0 -- "$program"
expect "--no-rewrite: nothing patched" 0 " 0 through patched sites; 0 sites patched, 0 refused" -- \
  "$ptvm" run --backend=inprocess --intercept=openat --no-rewrite --stats -- "$program"
# The modules' reads of the program's memory fault only on the program's bad pointers (each
# fault costs a signal): none for stat calls that do not follow links (the runtime once read a
# name at a[-1] for those), some for efault_paths' bad names.
expect "--stats: no memory fault for lstat-like calls" 0 "; 0 memory copies faulted" -- \
  "$ptvm" trace --backend=inprocess -e trace=%file -o /dev/null --stats -- ls -lR /usr/include/linux
expect "--stats: bad pointers fault" 0 "; [1-9][0-9]* memory copies faulted" -- \
  "$ptvm" trace --backend=inprocess -e trace=%file -o /dev/null --stats -- "$efault_paths"
# glibc's form of read (`xor %eax,%eax; syscall`): the syscall instruction becomes a short jump
# into the padding after the wrapper's ret, wanted or not; never with --no-rewrite.
expect "near patch: read in glibc's form" 0 "near site: 1, its syscall instruction still there: 0" \
  -- "$ptvm" run --backend=inprocess --rewrite-after=2 --intercept=openat -- "$program" near-bytes
expect "near patch: the same, read wanted" 0 "near site: 1, its syscall instruction still there: 0" \
  -- "$ptvm" run --backend=inprocess --rewrite-after=2 --intercept=read -- "$program" near-bytes
expect "near patch: none with --no-rewrite" 0 "near site: 1, its syscall instruction still there: 1" \
  -- "$ptvm" run --backend=inprocess --intercept=openat --no-rewrite -- "$program" near-bytes
# A wanted call through a rewritten site still reaches the modules: every getppid of the
# program reaches the tracer, as many as the ptrace backend sees.
count() {
  "$ptvm" trace --backend="$1" -f -e trace=getppid -o /dev/stdout -- "$program" |
    grep -c 'getppid()'
}
inprocess=$(count inprocess)
ptrace=$(count ptrace)
if [ "$inprocess" = "$ptrace" ] && [ "$inprocess" -gt 160000 ]; then
  echo "ok   wanted calls reach the modules ($inprocess getppid lines on both backends)"
else
  echo "FAIL wanted calls reach the modules: $inprocess getppid lines in-process, $ptrace ptrace"
  failed=1
fi
exit $failed
