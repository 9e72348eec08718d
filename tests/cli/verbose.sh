#!/usr/bin/env bash
# verbose.sh PTVM: what -v and -vv say about the backends (ptvm(1), GLOBAL OPTIONS). -v: the
# program's backend and why; a process handed from the in-process runtime to the ptrace backend,
# by pid, program and reason (a setuid program, one executable but not readable); a process that
# runs such a program without ptvm under --backend=inprocess. -vv adds every program each
# process runs, with its backend; -v alone says none of those. The pids are the processes' own
# ($$ of the shell that runs the program).
set -u
ptvm=$1
. "$(dirname "$0")/../vm/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cd "$dir" || exit 1
# A setuid shell (as root the shell keeps its ids, as any setuid program of root's would).
cp "$(readlink -f /bin/sh)" suid-sh
chmod 4755 suid-sh
sh_exe=$(readlink -f /bin/sh)
# The setuid shell prints its pid; `-v` must name that process, with the program and the reason.
run_family='./suid-sh -c "echo handed \$\$"; echo back'

out=$("$ptvm" -v run --intercept=getppid -- sh -c "$run_family" 2>&1)
pid=$(sed -n 's/^handed //p' <<< "$out")
check "-v auto: the program in-process" grep -q "^ptvm: backend inprocess for /[^ ]*/sh (" <<< "$out"
check "-v auto: the setuid program handed to ptrace, by pid, program and reason" grep -qxF \
  "ptvm: process $pid (./suid-sh) goes from in-process to ptrace: it is setuid/setgid (a userland exec grants no privilege)" \
  <<< "$out"
check "-v auto: the program's output" grep -qx back <<< "$out"
check "-v alone: no line per exec" eval '! grep -q "runs in-process\|runs on ptrace" <<< "$out"'
[ "$failed" = 0 ] || echo "$out"

out=$("$ptvm" -vv run --intercept=getppid -- sh -c "$run_family" 2>&1)
pid=$(sed -n 's/^handed //p' <<< "$out")
check "-vv auto: the hand-over" grep -q "^ptvm: process $pid (./suid-sh) goes from in-process to ptrace: it is setuid" <<< "$out"
check "-vv auto: the first program runs in-process" grep -qE \
  "^ptvm: process [0-9]+ \($sh_exe\) runs in-process$" <<< "$out"
check "-vv auto: the setuid program's exec, on ptrace" grep -qxF \
  "ptvm: process $pid ($dir/suid-sh) runs on ptrace" <<< "$out"
[ "$failed" = 0 ] || echo "$out"

# A static program (Debian's busybox-static) runs in-process: ptvm's loader maps it.
if [ -x /bin/busybox ]; then
  out=$("$ptvm" -vv run --intercept=getppid -- sh -c 'busybox sh -c "echo static \$\$"' 2>&1)
  pid=$(sed -n 's/^static //p' <<< "$out")
  check "-vv: a static program, in-process" grep -qE \
    "^ptvm: process $pid \(/[^ ]*busybox\) runs in-process$" <<< "$out"
  [ "$failed" = 0 ] || echo "$out"
else
  echo "skip -vv of a static program (no /bin/busybox)"
fi

# --backend=inprocess: nothing to hand it to; the runtime says that the program runs unwatched.
out=$("$ptvm" -v run --backend=inprocess --intercept=getppid -- sh -c "$run_family" 2>&1)
pid=$(sed -n 's/^handed //p' <<< "$out")
check "-v inprocess: the program in-process" grep -q "^ptvm: backend inprocess for /[^ ]*/sh$" <<< "$out"
check "-v inprocess: a setuid program runs without ptvm, by pid, program and reason" grep -qF \
  "ptvm: process $pid (./suid-sh) runs without ptvm (--backend=inprocess has no ptrace backend to hand it to): it is setuid/setgid" \
  <<< "$out"
[ "$failed" = 0 ] || echo "$out"

# --backend=ptrace: said with its reason; at -vv every exec on ptrace.
out=$("$ptvm" -vv run --backend=ptrace --intercept=getppid -- sh -c 'sh -c "echo child \$\$"' 2>&1)
pid=$(sed -n 's/^child //p' <<< "$out")
check "-vv ptrace: the backend and why" grep -qx "ptvm: backend ptrace for sh: --backend=ptrace" <<< "$out"
check "-vv ptrace: the child's exec" grep -qxF "ptvm: process $pid ($sh_exe) runs on ptrace" <<< "$out"
check "-vv ptrace: two execs said" [ "$(grep -c "runs on ptrace$" <<< "$out")" = 2 ]
[ "$failed" = 0 ] || echo "$out"

# The program itself setuid: ptrace for everything, said with the reason; its execs at -vv.
out=$("$ptvm" -vv run --intercept=getppid -- ./suid-sh -c 'echo first $$; sh -c "echo child \$\$"' 2>&1)
pid=$(sed -n 's/^first //p' <<< "$out")
child=$(sed -n 's/^child //p' <<< "$out")
check "-vv auto, a setuid program: ptrace and why" grep -qxF \
  "ptvm: backend ptrace for ./suid-sh: ./suid-sh is setuid/setgid (a userland exec grants no privilege)" \
  <<< "$out"
check "-vv auto, a setuid program: its exec on ptrace" grep -qxF \
  "ptvm: process $pid ($dir/suid-sh) runs on ptrace" <<< "$out"
check "-vv auto, a setuid program: its child's exec on ptrace" grep -qxF \
  "ptvm: process $child ($sh_exe) runs on ptrace" <<< "$out"
[ "$failed" = 0 ] || echo "$out"

# A program that may be executed but not read (only root reads it anyway): as another user.
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
if [ "$(id -u)" = 0 ] && "${as_nobody[@]}" test -x "$ptvm" 2> /dev/null; then
  cp "$sh_exe" exec-only-sh
  chmod 711 exec-only-sh
  out=$("${as_nobody[@]}" "$ptvm" -v run --intercept=getppid -- \
        sh -c './exec-only-sh -c "echo handed \$\$"' 2>&1)
  pid=$(sed -n 's/^handed //p' <<< "$out")
  check "-v auto: an unreadable program handed to ptrace, by pid, program and reason" grep -qxF \
    "ptvm: process $pid (./exec-only-sh) goes from in-process to ptrace: it is executable but not readable (ptvm's loader reads what it maps)" \
    <<< "$out"
  [ "$failed" = 0 ] || echo "$out"
else
  echo "skip -v of an executable, unreadable program (not root, or nobody cannot run $ptvm)"
fi
exit $failed
