#!/usr/bin/env bash
# parity.sh PTVM PROGRAM [@DIR@]: `ptvm trace` of PROGRAM prints the same lines under
# --backend=inprocess as under --backend=ptrace. The in-process runtime starts after the dynamic
# loader has run, so its trace is the ptrace one without the loader's lines: the execve line
# first, then (the loader's calls missing) the rest, which must be equal (as sorted lists:
# threads interleave differently each run).
# Values that differ from run to run anyway are normalised: thread ids, pointers, getrandom bytes.
# @DIR@ as an argument becomes a fresh empty directory (the same path for both runs).
set -u
ptvm=$1 prog=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace() {  # trace BACKEND OUT ARGS...
  local backend=$1 out=$2
  shift 2
  rm -rf "$work/dir" && mkdir "$work/dir"
  local args=()
  for a in "$@"; do if [ "$a" = @DIR@ ]; then args+=("$work/dir"); else args+=("$a"); fi; done
  timeout 60 "$ptvm" trace --backend="$backend" -o "$out.raw" -- "$prog" "${args[@]}" > /dev/null
  # The thread and process ids of the run: the first column.
  local ids
  ids=$(awk '{print $1}' "$out.raw" | sort -u | paste -sd'|')
  sed -E "s/^[0-9]+ +//; s/\\b($ids)\\b/ID/g; s/0x[0-9a-f]+/0xX/g; s/getrandom\\(\"[^\"]*\"/getrandom(\"R\"/" \
    "$out.raw" > "$out"
}
trace ptrace "$work/p" "$@"
trace inprocess "$work/i" "$@"
np=$(wc -l < "$work/p") ni=$(wc -l < "$work/i")
if [ "$ni" -lt 10 ] || [ "$ni" -gt "$np" ]; then
  echo "in-process trace has $ni lines, ptrace $np"; head -5 "$work/i"; exit 1
fi
check_first() {
  if [ "$(head -1 "$work/p")" != "$(head -1 "$work/i")" ]; then
    echo "first lines differ:"; head -1 "$work/p" "$work/i"; exit 1
  fi
}
check_first
tail -n $((ni - 1)) "$work/p" | sort > "$work/p.tail"
tail -n $((ni - 1)) "$work/i" | sort > "$work/i.sorted"
if ! diff -u "$work/p.tail" "$work/i.sorted"; then
  echo "the in-process trace differs from the ptrace one (after the loader's $((np - ni)) lines)"
  exit 1
fi
echo "same $ni lines under both backends (ptrace adds the loader's $((np - ni)) lines)"
