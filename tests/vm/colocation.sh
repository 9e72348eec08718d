#!/usr/bin/env bash
# colocation.sh PTVM: the ptrace backend's CPU placement (backend/ptrace/cpu_placement.h) is
# real and invisible. While a traced shell waits on a FIFO, /proc shows it and ptvm on one and
# the same CPU, while the shell's own nproc prints the native count; --no-colocation leaves
# both masks alone; -p never pins the program; a program in a PID namespace of its own sees
# its native mask. With a single usable CPU nothing is pinned.
set -u
ptvm=$1
work=$(mktemp -d)
source "$(dirname "$0")/lib.sh"
trap 'rm -rf "$work"' EXIT
allowed() { awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$1/status"; }
own=$(allowed $$)
native_nproc=$(nproc)

# run_case NAME OPTIONS...: starts the shell under ptvm, fills $pinned_prog, $pinned_ptvm, $seen.
run_case() {
  rm -f "$work/pid" "$work/nproc" "$work/fifo"
  mkfifo "$work/fifo"
  "$ptvm" trace --backend=ptrace "$@" -o /dev/null -- \
    sh -c "nproc > $work/nproc; echo \$\$ > $work/pid; read x < $work/fifo" &
  local tracer=$!
  for _ in $(seq 100); do [ -s "$work/pid" ] && break; sleep 0.1; done
  local prog
  prog=$(cat "$work/pid")
  sleep 0.2  # the shell is blocked in open() of the FIFO
  prog_mask=$(allowed "$prog")
  ptvm_mask=$(allowed "$tracer")
  seen=$(cat "$work/nproc")
  echo > "$work/fifo"
  wait "$tracer"
  status=$?
}

run_case
check "the program's status (0: $status)" [ "$status" = 0 ]
check "the program sees its native mask (nproc $seen, natively $native_nproc)" \
  [ "$seen" = "$native_nproc" ]
if [ "$native_nproc" -ge 2 ]; then
  check "the busiest tracee on one CPU (Cpus_allowed_list $prog_mask)" grep -Eqx '[0-9]+' <<< "$prog_mask"
  check "ptvm on the same CPU ($ptvm_mask)" [ "$ptvm_mask" = "$prog_mask" ]
else
  check "one CPU: nothing pinned ($prog_mask, own $own)" [ "$prog_mask" = "$own" ]
fi

run_case --no-colocation
check "--no-colocation: the program's status (0: $status)" [ "$status" = 0 ]
check "--no-colocation: the program's mask untouched ($prog_mask, own $own)" [ "$prog_mask" = "$own" ]
check "--no-colocation: ptvm's mask untouched ($ptvm_mask)" [ "$ptvm_mask" = "$own" ]
check "--no-colocation: nproc $seen" [ "$seen" = "$native_nproc" ]

# -p: a pin could outlive ptvm (no EXITKILL), so there is none.
sh -c "echo \$\$ > $work/pid2; exec sleep 3" &
prog=$!
for _ in $(seq 50); do [ -s "$work/pid2" ] && break; sleep 0.1; done
"$ptvm" trace -p "$prog" -o /dev/null &
tracer=$!
sleep 0.5
check "-p: the program's mask untouched ($(allowed "$prog"))" [ "$(allowed "$prog")" = "$own" ]
kill -INT "$tracer"
wait "$tracer"
kill "$prog" 2>/dev/null
wait "$prog" 2>/dev/null

# About once a second ptvm tries another CPU, with the tracee pinned to it: a busy program that
# reads its own mask all along sees the native one every time.
if [ "$native_nproc" -ge 2 ]; then
  out=$("$ptvm" trace --backend=ptrace --stats -o /dev/null -- python3 -c "
import os, time
native = os.sched_getaffinity(0)
end = time.monotonic() + 2.5
n = same = 0
while time.monotonic() < end:
    n += 1
    same += os.sched_getaffinity(0) == native
print('same' if same == n else 'DIFFERENT %d of %d' % (n - same, n))
" 2>"$work/stats")
  moves=$(grep -o '[0-9]* moves' "$work/stats" | grep -o '[0-9]*')
  check "a busy program's mask while ptvm tries other CPUs ($out)" [ "$out" = same ]
  check "ptvm tried another CPU (${moves:-?} moves)" [ "${moves:-0}" -ge 1 ]
fi

# A PID namespace of its own: its pids are not ptvm's, placement stops; masks stay native.
if unshare -pf true 2>/dev/null; then
  check "nproc in a new PID namespace ($(unshare -pf nproc))" \
    [ "$("$ptvm" trace --backend=ptrace -o /dev/null -- unshare -pf nproc)" = "$native_nproc" ]
else
  echo "ok   (no PID namespaces here: unshare -p refused)"
fi

expect "--no-colocation belongs to the ptrace backend" 2 "belong to --backend=ptrace" -- \
  "$ptvm" run --backend=inprocess --no-colocation -- true
exit $failed
