#!/usr/bin/env bash
# Side-by-side workload benchmark, all in one run: native vs strace vs ptvm on a file-heavy
# workload, then the seeds' headline (--naive vs default on `cp -r` with buffers decoded).
#
#   bench/workload.sh [ROUNDS]        (default 3 rounds; the best round of each is kept)
#
# Prints wall time, the ratio to native, and tracer system calls per intercepted call (the
# tracer itself run under `strace -c`, its syscalls divided by the calls it intercepted).
set -euo pipefail
cd "$(dirname "$0")/.."
PTVM=${PTVM:-build/ptvm}
ROUNDS=${1:-3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
command -v strace >/dev/null || { echo "workload.sh needs strace (apt-get install strace)"; exit 1; }

# The file-heavy workload: stat/open/read of every header, and a recursive listing.
cat > "$TMP/files.sh" <<'W'
find /usr/include -type f -name '*.h' -print0 | xargs -0 cat > /dev/null
ls -lR /usr/include > /dev/null
W

best() {  # best wall time in seconds of ROUNDS runs of "$@"
  local best=999999 t
  for ((i = 0; i < ROUNDS; i++)); do
    local s e
    s=$(date +%s.%N)
    "$@" > /dev/null 2>&1
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if (($(echo "$t < $best" | bc -l))); then best=$t; fi
  done
  echo "$best"
}

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

native=$(best sh "$TMP/files.sh")
printf "%-44s %9s %8s %14s\n" "file workload (find|cat, ls -lR)" "seconds" "x native" "tracer sc/call"
printf "%-44s %9.3f %8s %14s\n" "native" "$native" "1.00" "-"
n_all=$(intercepted all)
n_file=$(intercepted %file)
declare -A took  # seconds by label, for the overhead comparison at the end
row() {  # row LABEL INTERCEPTED CMD...
  local label=$1 n=$2
  shift 2
  local t calls
  t=$(best "$@")
  took[$label]=$t
  calls=$(tracer_calls "$TMP/tc" "$@")
  printf "%-44s %9.3f %8.2f %14.2f\n" "$label" "$t" "$(echo "$t / $native" | bc -l)" \
    "$(echo "$calls / $n" | bc -l)"
}
row "strace -f -o /dev/null" "$n_all" strace -f -o /dev/null sh "$TMP/files.sh"
row "strace -f --seccomp-bpf -e trace=%file" "$n_file" \
  strace -f --seccomp-bpf -e trace=%file -o /dev/null sh "$TMP/files.sh"
row "ptvm trace --backend=ptrace -o /dev/null" "$n_all" \
  "$PTVM" trace --backend=ptrace -o /dev/null -- sh "$TMP/files.sh"
row "ptvm trace --backend=ptrace -e trace=%file" "$n_file" \
  "$PTVM" trace --backend=ptrace -e trace=%file -o /dev/null -- sh "$TMP/files.sh"
row "ptvm trace --backend=ptrace --no-colocation" "$n_all" \
  "$PTVM" trace --backend=ptrace --no-colocation -o /dev/null -- sh "$TMP/files.sh"
row "  ... --no-colocation -e trace=%file" "$n_file" \
  "$PTVM" trace --backend=ptrace --no-colocation -e trace=%file -o /dev/null -- sh "$TMP/files.sh"
row "ptvm trace --backend=ptrace --no-trampoline" "$n_all" \
  "$PTVM" trace --backend=ptrace --no-trampoline -o /dev/null -- sh "$TMP/files.sh"
row "  ... --no-trampoline -e trace=%file" "$n_file" \
  "$PTVM" trace --backend=ptrace --no-trampoline -e trace=%file -o /dev/null -- sh "$TMP/files.sh"
row "ptvm trace --no-seccomp -e trace=%file" "$n_file" \
  "$PTVM" trace --no-seccomp -e trace=%file -o /dev/null -- sh "$TMP/files.sh"
row "ptvm run --backend=ptrace --intercept=%file" "$n_file" \
  "$PTVM" run --backend=ptrace --intercept=%file -- sh "$TMP/files.sh"
# In-process: the tracer is the program itself (no tracer system calls to count).
row_inprocess() {  # row_inprocess LABEL CMD...
  local label=$1
  shift
  local t
  t=$(best "$@")
  printf "%-44s %9.3f %8.2f %14s\n" "$label" "$t" "$(echo "$t / $native" | bc -l)" "-"
}
row_inprocess "ptvm trace --backend=inprocess -o /dev/null" \
  "$PTVM" trace --backend=inprocess -o /dev/null -- sh "$TMP/files.sh"
row_inprocess "ptvm trace --backend=inprocess -e trace=%file" \
  "$PTVM" trace --backend=inprocess -e trace=%file -o /dev/null -- sh "$TMP/files.sh"
row_inprocess "ptvm run --backend=inprocess --intercept=%file" \
  "$PTVM" run --backend=inprocess --intercept=%file -- sh "$TMP/files.sh"

overhead() {  # overhead LABEL STRACE_LABEL: ptvm's time over native as a share of strace's
  printf "  %-42s %5.0f%% of strace's\n" "$1" \
    "$(echo "100 * (${took[$1]} - $native) / (${took[$2]} - $native)" | bc -l)"
}
echo "overhead over native, ptrace backend vs strace (goal: at most 50%):"
overhead "ptvm trace --backend=ptrace -o /dev/null" "strace -f -o /dev/null"
overhead "ptvm trace --backend=ptrace -e trace=%file" "strace -f --seccomp-bpf -e trace=%file"
overhead "ptvm trace --backend=ptrace --no-colocation" "strace -f -o /dev/null"
overhead "  ... --no-colocation -e trace=%file" "strace -f --seccomp-bpf -e trace=%file"
overhead "ptvm trace --backend=ptrace --no-trampoline" "strace -f -o /dev/null"
overhead "  ... --no-trampoline -e trace=%file" "strace -f --seccomp-bpf -e trace=%file"

# The seeds' headline: a VM that moves every read/write buffer (umview did), copying a tree.
# Through tar, not `cp -r`: coreutils 9 copies with copy_file_range, which moves no buffer.
echo
mkdir -p "$TMP/src"
cp -r /usr/include/linux "$TMP/src/"
copy() {
  rm -rf "$TMP/dst" && mkdir "$TMP/dst" &&
    "$@" sh -c "tar cf - -C '$TMP' src | tar xf - -C '$TMP/dst'"
}
plain=$(best copy)
naive=$(best copy "$PTVM" trace -s 4096 -e trace=read,write -o /dev/null --naive --)
fast=$(best copy "$PTVM" trace --backend=ptrace -s 4096 -e trace=read,write -o /dev/null --)
inproc=$(best copy "$PTVM" trace --backend=inprocess -s 4096 -e trace=read,write -o /dev/null --)
st=$(best copy strace -f -s 4096 -e trace=read,write -o /dev/null)
printf "%-44s %9s %8s\n" "tar c | tar x of /usr/include/linux, -s 4096" "seconds" "x native"
printf "%-44s %9.3f %8s\n" "native" "$plain" "1.00"
printf "%-44s %9.3f %8.2f\n" "strace -f -s 4096 -e trace=read,write" "$st" "$(echo "$st / $plain" | bc -l)"
printf "%-44s %9.3f %8.2f\n" "ptvm trace --naive (before the seeds)" "$naive" "$(echo "$naive / $plain" | bc -l)"
printf "%-44s %9.3f %8.2f\n" "ptvm trace (PTRACE_MULTI + PTRACE_VM)" "$fast" "$(echo "$fast / $plain" | bc -l)"
printf "%-44s %9.3f %8.2f\n" "ptvm trace --backend=inprocess (self_ptrace)" "$inproc" "$(echo "$inproc / $plain" | bc -l)"
printf "speed-up of the seeds' mechanisms: %.1fx (the seed measured 18x)\n" "$(echo "$naive / $fast" | bc -l)"
