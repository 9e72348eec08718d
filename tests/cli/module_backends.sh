#!/usr/bin/env bash
# module_backends.sh PTVM SWAP NODENAME PLAIN VECTORS SWAP_LIBC: users' VM modules (--module) on every backend. SWAP
# (swap_module.cpp: argument rewriting, memory read and write, ARGS, a host call of its own) and
# NODENAME (examples/nodename) obey the in-process runtime's rules: the same output under
# --backend=ptrace, inprocess and auto, in a fork+exec child too, stacked in the same order; the
# runtime runs them inside the program (no tracer). PLAIN (test_module.cpp with exceptions and
# RTTI) does not: check-module says why, auto runs it on ptrace and says why with -v, inprocess
# refuses it (2). VECTORS (vectors_across_call.c): the program's vector registers survive a
# module that uses them (its site rewritten: no signal frame saves them). SWAP_LIBC: SWAP with
# one call into libc, named by check-module and by -v, run on ptrace.
set -u
ptvm=$1 swap=$2 nodename=$3 plain=$4 vectors=$5 swap_libc=$6
. "$(dirname "$0")/../vm/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
echo secret > secret.txt
echo public > public.txt

expect "check-module: the example obeys the runtime's rules" 0 "obeys the in-process runtime's rules" -- \
  "$ptvm" check-module "$nodename"
expect "check-module: the test module too" 0 "obeys the in-process runtime's rules" -- \
  "$ptvm" check-module "$swap"

# A program, a child it forks and one it executes (sh -c: a fork, then an execve).
family='uname -n; (uname -n); sh -c "uname -n; cat secret.txt"; cat secret.txt'
for backend in ptrace inprocess auto; do
  expect "$backend: the example's ARGS" 0 "^vmhost$" -- \
    "$ptvm" run --backend=$backend --module="$nodename:vmhost" -- uname -n
  expect "$backend: the example in a fork and an exec" 0 "^vmhost
vmhost
vmhost
secret
secret$" -- "$ptvm" run --backend=$backend --module="$nodename:vmhost" -- sh -c "$family"
  expect "$backend: a path rewritten, a result written, in a fork and an exec" 0 "^swapped
swapped
swapped
public
public$" -- "$ptvm" run --backend=$backend --module="$swap:secret.txt=public.txt=swapped" -- \
    sh -c "$family"
  expect "$backend: the module's own host call (TO missing: no rewrite)" 0 "^secret$" -- \
    "$ptvm" run --backend=$backend --module="$swap:secret.txt=missing.txt" -- cat secret.txt
  # The order of the stack: the first module is on top and sees the exit last.
  expect "$backend: two modules, the first on top" 0 "^top$" -- \
    "$ptvm" run --backend=$backend --module="$swap:x=y=top" --module="$nodename:bottom" uname -n
  expect "$backend: the other order" 0 "^bottom$" -- \
    "$ptvm" run --backend=$backend --module="$nodename:bottom" --module="$swap:x=y=top" uname -n
  expect "$backend: above the fakeroot VM" 0 "^0
fk$" -- "$ptvm" fakeroot --backend=$backend --module="$nodename:fk" -- sh -c 'id -u; uname -n'
  expect "$backend: the program's vector registers across a module's call" 0 "^vec xmm0 kept$" -- \
    "$ptvm" run --backend=$backend --module="$nodename:vec" "$vectors"
  expect "$backend: under the tracer, which sees the module's result" 0 \
    "uname\(\{sysname=\"Linux\", nodename=\"traced\".*\) = 0" -- \
    "$ptvm" trace --backend=$backend -e trace=uname --module="$nodename:traced" uname -n
done

# In-process means in the program: no tracer, and ptvm says so.
expect "inprocess: no tracer" 0 "backend inprocess.*TracerPid:	0$" -- \
  "$ptvm" -v run --backend=inprocess --module="$nodename:x" -- grep TracerPid /proc/self/status
expect "auto: in-process for a module that obeys the rules" 0 "backend inprocess.*TracerPid:	0$" -- \
  "$ptvm" -v run --backend=auto --module="$nodename:x" -- grep TracerPid /proc/self/status
expect "ptrace: traced" 0 "TracerPid:	[1-9]" -- \
  "$ptvm" run --backend=ptrace --module="$nodename:x" -- grep TracerPid /proc/self/status

# A module the runtime cannot run: the check names its imports, auto takes ptrace and says why,
# inprocess refuses it with the same reason.
expect "check-module: a module with RTTI and exceptions, its imports named" 1 \
  "imports [0-9]+ symbols that nothing resolves in the runtime.*_Unwind_Resume" -- \
  "$ptvm" check-module "$plain"
expect "auto: ptrace, and why" 0 \
  "backend ptrace for every process: the module $plain does not obey the in-process runtime's rules \(ptvm check-module $plain\): it imports [0-9]+ symbols .*_Unwind_Resume.*
TracerPid:	[1-9]" -- \
  "$ptvm" -v run --backend=auto --module="$plain:pass" -- grep TracerPid /proc/self/status
expect "inprocess: refused (2), the same reason" 2 \
  "^ptvm: --backend=inprocess: the module $plain does not obey the in-process runtime's rules.*_Unwind_Resume" -- \
  "$ptvm" run --backend=inprocess --module="$plain:pass" -- true
# One call into libc is enough, and named.
expect "check-module: one libc call, named" 1 \
  "imports 1 symbol that nothing resolves in the runtime \(it provides ptvm's API and no library\): faccessat
It loads into ptvm" -- \
  "$ptvm" check-module "$swap_libc"
for backend in ptrace auto; do
  expect "$backend: a module with a libc call, on ptrace" 0 "TracerPid:	[1-9][0-9]*
public$" -- "$ptvm" run --backend=$backend --module="$swap_libc:secret.txt=public.txt" -- \
    sh -c 'grep TracerPid /proc/self/status; cat secret.txt'
done
expect "auto -v: why, the symbol named" 0 "backend ptrace for every process: the module $swap_libc .*: faccessat" -- \
  "$ptvm" -v run --module="$swap_libc:secret.txt=public.txt" -- true
expect "inprocess: refused, the symbol named" 2 "^ptvm: --backend=inprocess: the module $swap_libc .*: faccessat$" -- \
  "$ptvm" run --backend=inprocess --module="$swap_libc:secret.txt=public.txt" -- true
# A module stacked with one the runtime cannot run: all of them on ptrace.
expect "auto: one module on ptrace takes the other along" 0 "^vmhost
TracerPid:	[1-9][0-9]*$" -- \
  "$ptvm" run --backend=auto --module="$nodename:vmhost" --module="$plain:pass" -- \
  sh -c 'uname -n; grep TracerPid /proc/self/status'
exit $failed
