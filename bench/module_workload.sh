#!/usr/bin/env bash
# A user's module (--module) on each backend, round-robin (rounds.sh): N intercepted getppid
# calls (tests/tracees/getppid_loop.c) under tests/cli/freestanding_module.cpp (getppid reports
# 4242: an entry and an exit per call), against native and the built-in null module
# (--intercept, compiled into ptvm-rt); then what linking the module costs each exec'd image:
# 100 execs of /bin/true by a shell, with the module or the null module, in-process, and the
# system calls of one such process (strace -f).
#   bench/module_workload.sh [BUILD_DIR] [ROUNDS] [N]
set -eu
build=$(readlink -f "${1:-build}") ROUNDS=${2:-5} n=${3:-200000}
source "$(dirname "$0")/rounds.sh"
ptvm=$build/ptvm loop=$build/bench/getppid_loop
module=$build/tests/cli/libcli_freestanding_module_plain.so
for f in "$ptvm" "$loop" "$module"; do
  [ -e "$f" ] || { echo "missing $f: ninja -C $build ptvm_cli bench/all tests/cli/all" >&2; exit 2; }
done
"$ptvm" check-module "$module" > /dev/null
labels=("native" "ptrace, --module" "inprocess, --module" "inprocess, --intercept (built-in)")
cmds=("$loop $n"
      "$ptvm run --backend=ptrace --module=$module -- $loop $n"
      "$ptvm run --backend=inprocess --module=$module -- $loop $n"
      "$ptvm run --backend=inprocess --intercept=getppid -- $loop $n")
run_rounds
print_table "$n getppid, each intercepted" "x native"
echo
execs=$(mktemp)
trap 'rm -f "$execs"' EXIT
echo 'for i in $(seq 100); do /bin/true; done' > "$execs"
unset runs
declare -A runs
labels=("inprocess, --intercept (built-in)" "inprocess, --module (linked per image)")
cmds=("$ptvm run --backend=inprocess --intercept=getppid -- sh $execs"
      "$ptvm run --backend=inprocess --module=$module -- sh $execs")
run_rounds
print_table "100 execs of /bin/true" "x built-in"
echo
# What a module adds to each image, counted rather than timed: the system calls of /bin/true's
# process in-process (strace -f on ptvm), with the null module and with the user's module.
if command -v strace > /dev/null; then
  trace=$(mktemp)
  for v in --intercept=getppid --module="$module"; do
    strace -f -qq -o "$trace" "$ptvm" run --backend=inprocess "$v" -- /bin/true
    pid=$(grep -m1 execveat "$trace" | awk '{print $1}')
    printf "%-42s %4d system calls in /bin/true's process\n" "inprocess, ${v%%=*}" \
      "$(grep -c "^$pid " "$trace")"
  done
  rm -f "$trace"
fi
