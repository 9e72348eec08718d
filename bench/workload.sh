#!/usr/bin/env bash
# Side-by-side workload benchmark, all in one run: native vs strace vs ptvm on a file-heavy
# workload, then the seeds' headline (--naive vs default on `cp -r` with buffers decoded).
#
#   bench/workload.sh [ROUNDS]        (default 3 rounds; the best and the median are shown)
#   OLD=/path/to/old/ptvm bench/workload.sh   (adds the older ptvm's in-process rows)
#
# Prints wall time, the ratio to native, tracer system calls per intercepted call (the
# tracer itself run under `strace -c`, its syscalls divided by the calls it intercepted), and
# the CPU time of the whole tree (bench/rounds.sh: it holds up on a busy machine).
set -euo pipefail
cd "$(dirname "$0")/.."
PTVM=${PTVM:-build/ptvm}
ROUNDS=${1:-3}
TMP=$(mktemp -d)
# The headline's tree is copied in memory (tmpfs): on a disk, creating files right after the
# last round deleted them waited for the file system (a mount with `discard`: 0.03 s or 0.9 s
# for the same native copy), which measured the disk, not the tracer.
SHM=$(mktemp -d -p /dev/shm 2> /dev/null || mktemp -d)
trap 'rm -rf "$TMP" "$SHM"' EXIT
command -v strace >/dev/null || { echo "workload.sh needs strace (apt-get install strace)"; exit 1; }

# The file-heavy workload: stat/open/read of every header, and a recursive listing.
cat > "$TMP/files.sh" <<'W'
find /usr/include -type f -name '*.h' -print0 | xargs -0 cat > /dev/null
ls -lR /usr/include > /dev/null
W

# Tracer system calls per intercepted call: the tracer's own calls (strace -c on it, without
# -f: only the tracer) over the calls it intercepted (ptvm --stats; for strace, its -c count).
tracer_calls() {  # tracer_calls OUT CMD...: total syscalls of the tracer process
  strace -c -o "$1" "${@:2}" > /dev/null 2>&1 || true
  awk '/total/ {print $4}' "$1"
}

intercepted() {  # number of calls in SET made by the workload (counted by strace -c -f)
  strace -f -c -e trace="$1" -o "$TMP/count" sh "$TMP/files.sh" > /dev/null 2>&1
  awk '/total/ {print $4}' "$TMP/count"
}

# The rows, run round-robin (every command once per round, ROUNDS rounds): a machine whose
# speed drifts (a virtual CPU's neighbours) then weighs on every command alike, not on the ones
# that ran during a slow minute. LABEL, the set of calls it intercepts, the command.
labels=() sets=() cmds=()
add() { labels+=("$1"); sets+=("$2"); cmds+=("$3"); }
W="sh $TMP/files.sh"
add "native" - "$W"
add "strace -f -o /dev/null" all "strace -f -o /dev/null $W"
add "strace -f --seccomp-bpf -e trace=%file" %file \
  "strace -f --seccomp-bpf -e trace=%file -o /dev/null $W"
add "ptvm trace --backend=ptrace -o /dev/null" all "$PTVM trace --backend=ptrace -o /dev/null -- $W"
add "ptvm trace --backend=ptrace -e trace=%file" %file \
  "$PTVM trace --backend=ptrace -e trace=%file -o /dev/null -- $W"
add "ptvm trace --backend=ptrace --no-colocation" all \
  "$PTVM trace --backend=ptrace --no-colocation -o /dev/null -- $W"
add "  ... --no-colocation -e trace=%file" %file \
  "$PTVM trace --backend=ptrace --no-colocation -e trace=%file -o /dev/null -- $W"
add "ptvm trace --backend=ptrace --no-trampoline" all \
  "$PTVM trace --backend=ptrace --no-trampoline -o /dev/null -- $W"
add "  ... --no-trampoline -e trace=%file" %file \
  "$PTVM trace --backend=ptrace --no-trampoline -e trace=%file -o /dev/null -- $W"
add "ptvm trace --no-seccomp -e trace=%file" %file "$PTVM trace --no-seccomp -e trace=%file -o /dev/null -- $W"
add "ptvm run --backend=ptrace --intercept=%file" %file "$PTVM run --backend=ptrace --intercept=%file -- $W"
# In-process: the tracer is the program itself (no tracer system calls to count).
add "ptvm trace --backend=inprocess -o /dev/null" - "$PTVM trace --backend=inprocess -o /dev/null -- $W"
add "ptvm trace --backend=inprocess -e trace=%file" - \
  "$PTVM trace --backend=inprocess -e trace=%file -o /dev/null -- $W"
add "ptvm run --backend=inprocess --intercept=%file" - "$PTVM run --backend=inprocess --intercept=%file -- $W"
# Without site rewriting (runtime/rewrite): every call traps.
add "  ... -e trace=%file --no-rewrite" - \
  "$PTVM trace --backend=inprocess -e trace=%file --no-rewrite -o /dev/null -- $W"
add "  ... --intercept=%file --no-rewrite" - \
  "$PTVM run --backend=inprocess --intercept=%file --no-rewrite -- $W"
# OLD=/path/to/an/older/ptvm: its in-process rows too, for a before/after in the same run.
if [ -n "${OLD:-}" ]; then
  add "OLD trace --backend=inprocess -o /dev/null" - "$OLD trace --backend=inprocess -o /dev/null -- $W"
  add "OLD trace --backend=inprocess -e trace=%file" - \
    "$OLD trace --backend=inprocess -e trace=%file -o /dev/null -- $W"
  add "OLD run --backend=inprocess --intercept=%file" - "$OLD run --backend=inprocess --intercept=%file -- $W"
fi

source bench/rounds.sh
run_rounds
n_all=$(intercepted all)
n_file=$(intercepted %file)
native=$(stat_of 0 min)
native_med=$(stat_of 0 median)
native_cpu=$(stat_of 0 min cpus)
printf "%-46s %8s %8s %8s %14s %8s %8s\n" "file workload (find|cat, ls -lR)" "best s" "median s" \
  "x native" "tracer sc/call" "cpu s" "(cpu)"
declare -A best med  # seconds by label, for the overhead comparison at the end
for i in "${!labels[@]}"; do
  t=$(stat_of "$i" min)
  m=$(stat_of "$i" median)
  best[${labels[$i]}]=$t
  med[${labels[$i]}]=$m
  per_call="-"
  if [ "${sets[$i]}" != - ]; then
    n=$n_all
    [ "${sets[$i]}" = %file ] && n=$n_file
    per_call=$(printf "%.2f" "$(echo "$(tracer_calls "$TMP/tc" ${cmds[$i]}) / $n" | bc -l)")
  fi
  c=$(stat_of "$i" min cpus)
  printf "%-46s %8.3f %8.3f %8.2f %14s %8.3f %8.2f\n" "${labels[$i]}" "$t" "$m" \
    "$(echo "$t / $native" | bc -l)" "$per_call" "$c" "$(echo "$c / $native_cpu" | bc -l)"
done

overhead() {  # overhead LABEL STRACE_LABEL: ptvm's time over native as a share of strace's
  printf "  %-42s %5.0f%% %5.0f%%\n" "$1" \
    "$(echo "100 * (${best[$1]} - $native) / (${best[$2]} - $native)" | bc -l)" \
    "$(echo "100 * (${med[$1]} - $native_med) / (${med[$2]} - $native_med)" | bc -l)"
}
echo "overhead over native as a share of strace's, ptrace backend (goal: at most 50%):"
printf "  %-42s %6s %6s\n" "" "best" "median"
overhead "ptvm trace --backend=ptrace -o /dev/null" "strace -f -o /dev/null"
overhead "ptvm trace --backend=ptrace -e trace=%file" "strace -f --seccomp-bpf -e trace=%file"
overhead "ptvm trace --backend=ptrace --no-colocation" "strace -f -o /dev/null"
overhead "  ... --no-colocation -e trace=%file" "strace -f --seccomp-bpf -e trace=%file"
overhead "ptvm trace --backend=ptrace --no-trampoline" "strace -f -o /dev/null"
overhead "  ... --no-trampoline -e trace=%file" "strace -f --seccomp-bpf -e trace=%file"
echo "in-process overhead over native as a share of the ptrace backend's (goal: at most 20%):"
overhead "ptvm trace --backend=inprocess -e trace=%file" "ptvm trace --backend=ptrace -e trace=%file"
overhead "  ... -e trace=%file --no-rewrite" "ptvm trace --backend=ptrace -e trace=%file"
overhead "ptvm trace --backend=inprocess -o /dev/null" "ptvm trace --backend=ptrace -o /dev/null"

# The seeds' headline: a VM that moves every read/write buffer (umview did), copying a tree.
# Through tar, not `cp -r`: coreutils 9 copies with copy_file_range, which moves no buffer.
echo
mkdir -p "$SHM/src"
cp -r /usr/include/linux "$SHM/src/"
copy_best() {  # best wall time in seconds of ROUNDS copies under "$@", each into an empty tree
  local best=999999 t s e
  for ((i = 0; i < ROUNDS; i++)); do
    rm -rf "$SHM/dst" && mkdir "$SHM/dst"
    s=$(date +%s.%N)
    "$@" sh -c "tar cf - -C '$SHM' src | tar xf - -C '$SHM/dst'" > /dev/null 2>&1
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if (($(echo "$t < $best" | bc -l))); then best=$t; fi
  done
  echo "$best"
}
plain=$(copy_best)
naive=$(copy_best "$PTVM" trace -s 4096 -e trace=read,write -o /dev/null --naive --)
fast=$(copy_best "$PTVM" trace --backend=ptrace -s 4096 -e trace=read,write -o /dev/null --)
inproc=$(copy_best "$PTVM" trace --backend=inprocess -s 4096 -e trace=read,write -o /dev/null --)
st=$(copy_best strace -f -s 4096 -e trace=read,write -o /dev/null)
printf "%-44s %9s %8s\n" "tar c | tar x of /usr/include/linux, -s 4096" "seconds" "x native"
printf "%-44s %9.3f %8s\n" "native" "$plain" "1.00"
printf "%-44s %9.3f %8.2f\n" "strace -f -s 4096 -e trace=read,write" "$st" "$(echo "$st / $plain" | bc -l)"
printf "%-44s %9.3f %8.2f\n" "ptvm trace --naive (before the seeds)" "$naive" "$(echo "$naive / $plain" | bc -l)"
printf "%-44s %9.3f %8.2f\n" "ptvm trace (PTRACE_MULTI + PTRACE_VM)" "$fast" "$(echo "$fast / $plain" | bc -l)"
printf "%-44s %9.3f %8.2f\n" "ptvm trace --backend=inprocess (self_ptrace)" "$inproc" "$(echo "$inproc / $plain" | bc -l)"
printf "speed-up of the seeds' mechanisms: %.1fx (the seed measured 18x)\n" "$(echo "$naive / $fast" | bc -l)"
