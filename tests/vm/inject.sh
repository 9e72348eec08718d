#!/usr/bin/env bash
# inject.sh UNAME_THRICE PTVM [backend options]: fault injection end to end, each case with a
# known outcome. UNAME_THRICE is tests/vm/uname_thrice.c built.
set -u
uname3=$1
shift
ptvm=("$@")
source "$(dirname "$0")/lib.sh"
expect "error=ENOSYS on uname" 1 "Function not implemented" -- \
  "${ptvm[@]}" -e inject=uname:error=ENOSYS -- uname
expect "retval=4242 on getppid" 0 "^4242$" -- \
  "${ptvm[@]}" -e inject=getppid:retval=4242 -- sh -c 'echo $PPID'
expect "signal=SIGUSR1 on entry kills sh" 138 "" -- \
  "${ptvm[@]}" -e inject=getppid:signal=SIGUSR1 -- sh -c 'echo $PPID'
expect "when=2: only the second call of a process" 0 "^0 -1 0 $" -- \
  "${ptvm[@]}" -e inject=uname:error=EPERM:when=2 -- "$uname3"
expect "when=2+" 0 "^0 -1 -1 $" -- "${ptvm[@]}" -e inject=uname:error=EPERM:when=2+ -- "$uname3"
expect "when=1..3+2" 0 "^-1 0 -1 $" -- "${ptvm[@]}" -e inject=uname:error=EPERM:when=1..3+2 -- "$uname3"
expect "when= counts per process (strace: per tracee)" 0 "^first ok.second ok$" -- \
  "${ptvm[@]}" -e inject=uname:error=EPERM:when=2 -- \
  sh -c 'uname >/dev/null && echo first ok; uname >/dev/null && echo second ok'
expect "delays on entry and exit, output unchanged" 0 "^hello$" -- \
  "${ptvm[@]}" -e inject=write:delay_enter=20000:delay_exit=20000 -- sh -c 'echo hello'
expect "two rules, per thread counting in a fork" 0 "^a b$" -- \
  "${ptvm[@]}" -e inject=getppid:retval=7:when=1 -e inject=uname:error=EIO -- \
  sh -c 'uname >/dev/null 2>&1 || printf "a "; (uname >/dev/null 2>&1 || echo b)'
expect "bad rule: a clear error, status 2" 2 "invalid -e inject=nosuchcall" -- \
  "${ptvm[@]}" -e inject=nosuchcall:error=EIO -- true
exit $failed
