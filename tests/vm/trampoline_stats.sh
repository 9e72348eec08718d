#!/usr/bin/env bash
# trampoline_stats.sh PTVM: the ptrace backend maps its return trampoline only into processes
# whose modules ask for a result alone (--stats counts them): none for a module that passes
# every call, one for the tracer (and the results come back through it), none with
# --no-trampoline.
set -u
ptvm=$1
source "$(dirname "$0")/lib.sh"
expect "null module: no trampoline" 0 " 0 results through 0 trampolines" -- \
  "$ptvm" run --backend=ptrace --intercept=all --stats -- true
expect "tracer: one trampoline" 0 " [1-9][0-9]* results through 1 trampolines" -- \
  "$ptvm" trace --backend=ptrace --stats -o /dev/null -- true
expect "--no-trampoline: none" 0 " 0 results through 0 trampolines" -- \
  "$ptvm" trace --backend=ptrace --no-trampoline --stats -o /dev/null -- true
exit $failed
