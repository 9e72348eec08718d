#!/usr/bin/env bash
# guest_ptrace.sh PTVM BACKEND PROGRAM: the guest's own ptrace under `ptvm proot` (PRoot
# emulates a tracer inside the guest; ptvm does too, backend/ptrace/guest_ptrace.h).
#   - PROGRAM (guest_ptrace.c) traces with TRACEME, PTRACE_SYSCALL steps, PEEK/POKE, GET/SETREGS,
#     ATTACH and SEIZE + INTERRUPT of a sibling, a tracer exiting with its tracee stopped (with and
#     without PTRACE_O_EXITKILL), PTRACE_O_TRACEFORK: the same output and status as natively;
#   - strace -f of a program that forks: the same calls as natively;
#   - gdb runs a program to a breakpoint, reads an argument, runs it to its end;
#   - ptvm inside ptvm proot (without its seccomp filter);
#   - `ptvm trace` (no path VM) keeps the kernel's answer: EPERM.
set -u
ptvm=$1 backend=$2 program=$3
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
proot=("$ptvm" proot "--backend=$backend")

same_as_native() {
  "$program" >"$w/native" 2>&1
  echo "status $?" >>"$w/native"
  timeout 60 "${proot[@]}" "$@" "$program" >"$w/guest" 2>&1
  echo "status $?" >>"$w/guest"
  diff -u "$w/native" "$w/guest"
}
check program_as_natively same_as_native
check program_as_natively_no_trampoline same_as_native --no-trampoline
check program_as_natively_rootfs same_as_native -r /

# A small program that forks, to trace with strace and gdb.
cat >"$w/forks.c" <<'C'
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int add(int a, int b) { return a + b; }
int main(void) {
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) return add(2, 3);
  int st;
  waitpid(p, &st, 0);
  printf("child said %d\n", WEXITSTATUS(st));
  return add(1, 1);
}
C
cc -g -O0 -o "$w/forks" "$w/forks.c" || exit 1

# The calls strace shows, pids and addresses aside.
strace_calls() {
  local out=$1
  shift
  mkdir "$w/$out"
  # One file per process (-ff): no call split by another process's line.
  timeout 60 "$@" strace -ff -qq -e trace=clone,wait4,exit_group,getpid -o "$w/$out/t" \
    "$w/forks" >/dev/null
  echo "status $?"
  cat "$w/$out"/t.* | sed -E 's/0x[0-9a-f]+/ADDR/g; s/\b[0-9]{2,}\b/N/g' | sort
}
if command -v strace >/dev/null; then
  check strace_f_as_natively diff -u <(strace_calls strace-native) <(strace_calls strace-guest "${proot[@]}")
fi
if command -v gdb >/dev/null; then
  expect gdb_breakpoint 0 "hit Breakpoint 1, add \(a=2, b=3\).*exited with code 05.*Breakpoint 1, add \(a=1, b=1\).*[$]1 = 1.*exited with code 02" -- \
    "${proot[@]}" gdb -q -batch -ex 'set follow-fork-mode child' -ex 'break add' -ex run \
    -ex continue -ex 'set follow-fork-mode parent' -ex 'set detach-on-fork on' -ex run \
    -ex 'print a' -ex continue "$w/forks"
fi

# ptvm inside ptvm proot: on ptrace, refused PTRACE_O_TRACESECCOMP, the inner one runs without
# its filter (as --no-seccomp), its own path VM in effect; on auto, in-process.
expect ptvm_inside_ptvm 0 "no seccomp filter.*#include <stdio.h>" -- \
  "${proot[@]}" "$ptvm" proot --backend=ptrace -v 1 -b "$w:/mnt" head -1 /mnt/forks.c
expect ptvm_inside_ptvm_auto 0 "#include <stdio.h>" -- \
  "${proot[@]}" "$ptvm" proot -b "$w:/mnt" head -1 /mnt/forks.c

# A static tracer (no dynamic symbols: its symbol table names ptrace) goes there too under auto.
if cc -static -O1 -o "$w/static_tracer" "$(dirname "$0")/guest_ptrace.c" 2>/dev/null; then
  program_saved=$program program=$w/static_tracer
  check static_tracer_as_natively same_as_native
  program=$program_saved
fi

# With auto, a tracer goes to the ptrace backend (it imports ptrace), and -v says so.
if [ "$backend" = auto ]; then
  expect tracer_to_ptrace_said 0 "is a tracer \(it imports ptrace\)" -- \
    "${proot[@]}" -v 1 "$program"
  expect tracer_handed_over_said 0 "process [0-9]+ \($program\) goes from in-process to ptrace: it is a tracer \(it imports ptrace\)" -- \
    "${proot[@]}" -v 1 sh -c "\"$program\" >/dev/null"
fi

# Without the path VM, nothing is emulated: the kernel's EPERM (ptvm is the tracer).
expect trace_keeps_eperm 0 "traceme child: exited 100.*attach: Operation not permitted" -- \
  "$ptvm" trace --backend=ptrace -o /dev/null "$program"
# In-process, ptvm cannot hide the runtime's SIGSYS from a tracer: becoming a tracer or a tracee
# fails with EPERM (as on the ptrace backend above), said once per process, and nothing hangs.
if [ "$backend" = auto ]; then
  expect inprocess_keeps_eperm 0 "traceme child: exited 100.*attach: Operation not permitted" -- \
    "$ptvm" trace --backend=inprocess -o /dev/null "$program"
  expect inprocess_proot_refuses 0 "ptrace refused \(EPERM\).*--backend=ptrace emulates" -- \
    timeout 60 "$ptvm" proot --backend=inprocess "$program"
fi
exit $failed
