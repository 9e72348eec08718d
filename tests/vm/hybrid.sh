#!/usr/bin/env bash
# hybrid.sh PTVM: --backend=auto runs both backends in one run. A dynamic shell runs in-process;
# the setuid busybox it executes cannot host the runtime (a userland exec grants no privilege)
# and is handed to the ptrace supervisor (with everything it starts); the output is the native
# one, the trace has the lines of both, and no program sees a variable of ptvm's.
set -u
ptvm=$1
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
bb=$work/busybox
cp /bin/busybox "$bb" && chmod u+s "$bb"
script="echo start; $bb echo from-busybox; $bb sh -c \"echo nested; ls /nonexistent-ptvm 2>&1\"; echo end"
native=$(sh -c "$script" 2>&1; echo "status $?")
got=$(timeout 60 "$ptvm" trace -o "$work/trace" -- sh -c "$script" 2>&1; echo "status $?")
check "same output and status as native" [ "$native" = "$got" ]
has() { grep -qF -- "$1" "$work/trace"; }
check "the shell's own call, in-process" has 'write(1, "start\n", 6) = 6'
check "busybox's execve, from the ptrace supervisor" \
  has "execve(\"$bb\", [\"$bb\", \"echo\", \"from-busybox\"]"
check "busybox's write" has 'write(1, "from-busybox\n", 13) = 13'
check "busybox sh's child, followed by ptrace" has 'write(1, "nested\n", 7) = 7'
check "the shell goes on in-process" has 'write(1, "end\n", 4) = 4'
check "a +++ line per process" [ "$(grep -c '+++ exited with' "$work/trace")" = 3 ]
# One file, written by ptvm and by every in-process program: in the order things happened.
order=$(grep -oE 'write\(1, "(start|from-busybox|nested|end)' "$work/trace" | cut -d'"' -f2 | tr '\n' ' ')
check "lines of both backends in order ($order)" [ "$order" = "start from-busybox nested end " ]
# No variable of ptvm's in any environment (none is ever set: the loader's handoff is a
# descriptor), of a dynamic, a static and a handed-over program.
env_script="env | grep -c PTVM; /bin/busybox env | grep -c PTVM; $bb env | grep -c PTVM"
seen=$(timeout 60 "$ptvm" trace -o /dev/null -- sh -c "$env_script" | tr '\n' ' ')
check "no ptvm variable in any environment ($seen)" [ "$seen" = "0 0 0 " ]
# The user's own LD_PRELOAD survives, for both kinds of program.
preload=$(LD_PRELOAD=/nonexistent-lib.so timeout 60 "$ptvm" run --intercept=all -- sh -c \
  "echo \"\$LD_PRELOAD\"; /bin/busybox sh -c 'echo \$LD_PRELOAD'; $bb sh -c 'echo \$LD_PRELOAD'" 2>/dev/null | tr '\n' ' ')
check "the program's own LD_PRELOAD is kept ($preload)" \
  [ "$preload" = "/nonexistent-lib.so /nonexistent-lib.so /nonexistent-lib.so " ]
exit $failed
