#!/usr/bin/env bash
# parity.sh PTVM WHAT PROGRAM [ARGS...]: `ptvm trace` of PROGRAM prints the same lines two ways.
#   inprocess:  --backend=inprocess as --backend=ptrace, every line from the first execve on
#               (the dynamic loader's calls included: ptvm's own loader arms the runtime before
#               the program's loader runs), and the `--- SIGxxx ---` lines of every signal the
#               in-process run reported: the runtime reports a signal when a handler runs (the
#               program's, through ptvm's wrapper, or ptvm's own for SIGSEGV, SIGBUS, SIGSYS);
#               a signal whose default action runs, or that is ignored, reaches no code of
#               ptvm's in the program, and only the ptrace backend reports it
#               (runtime/main/README.md, Limits). Such signals are left out of the comparison
#               by name: a signal reported in-process must have every line the ptrace run has.
#   inprocess_signals: the same, every signal line included (a program whose signals all run
#               handlers: tests/vm/signal_lines.c).
#   trampoline: the ptrace backend with its return trampoline as with --no-trampoline (an exit
#               stop for every call): every line, but for the calls whose lines depend on
#               timing (futex, sleeps, waits, restarts and the signals that cause them, calls
#               cut short by the end of their thread: `= ?`) or on the memory map (reads: of
#               /proc/self/maps, which shows the trampoline; munmap: a program that unmaps what
#               it finds there).
#   copy:       the same, for every line, of a program whose reads do not depend on timing or
#               on the memory map (tests/vm/copy_out.c), with -s 0, 4, 32, 300, 432 (buffers the
#               trampoline copies out) and 433, 4096 (longer: exit stops).
# Equal as sorted lists: threads interleave differently each run. Values that differ from run to
# run anyway are normalised: thread ids, pointers, getrandom bytes, ptvm's pid (getppid), and
# what rt_sigreturn returns (the register the signal interrupted: timing), a child's CPU times in
# SIGCHLD's siginfo, the process group (ptvm's, new each run) and sysinfo's figures.
# @DIR@ as an argument becomes a fresh empty directory (the same path for both runs).
set -u
ptvm=$1 what=$2 prog=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace() {  # trace OUT PTVM_OPTIONS...
  local out=$1
  shift
  rm -rf "$work/dir" && mkdir "$work/dir"
  local args=()
  for a in "${prog_args[@]}"; do
    if [ "$a" = @DIR@ ]; then args+=("$work/dir"); else args+=("$a"); fi
  done
  timeout 60 "$ptvm" trace "$@" -o "$out.raw" -- "$prog" "${args[@]}" > /dev/null
}
normalise() {  # normalise OUT...: thread and process ids (the first column of both runs: a
  # number that is an id in one run is one in the other's lines too), pointers, random bytes
  local ids
  ids=$(for out in "$@"; do awk '{print $1}' "$out.raw"; done | sort -u | paste -sd'|')
  for out in "$@"; do
    sed -E "s/^[0-9]+ +//; s/\\b($ids)\\b/ID/g; s/^getppid\\(\\) = [0-9]+/getppid() = ID/; s/^(rt_sigreturn\\(.*\\)) = .*/\\1 = R/; s/0x[0-9a-f]+/0xX/g; s/getrandom\\(\"[^\"]*\"/getrandom(\"R\"/; s/si_utime=[0-9]+, si_stime=[0-9]+/si_utime=T, si_stime=T/; s/^getpgrp\\(\\) = [0-9]+/getpgrp() = ID/; s/^sysinfo\\(.*\\) = 0$/sysinfo(...) = 0/" \
      "$out.raw" > "$out"
  done
}
prog_args=("$@")
case $what in
  inprocess | inprocess_signals)
    trace "$work/a" --backend=ptrace
    trace "$work/b" --backend=inprocess
    normalise "$work/a" "$work/b"
    # The signals each run reported, by name.
    signals() { grep -o '^--- SIG[A-Z0-9]*' "$1" | cut -c5- | sort -u | paste -sd' '; }
    reported=$(signals "$work/b")
    if [ "$what" = inprocess_signals ]; then
      cp "$work/a" "$work/a.kept"
    else
      pattern=$(tr ' ' '|' <<< "$reported")
      grep -Ev "^--- SIG" "$work/a" > "$work/a.kept"
      [ -n "$reported" ] && grep -E "^--- ($pattern) " "$work/a" >> "$work/a.kept"
    fi
    sort "$work/a.kept" > "$work/a.sorted"
    sort "$work/b" > "$work/b.sorted"
    nb=$(wc -l < "$work/b.sorted")
    if [ "$nb" -lt 10 ]; then echo "only $nb lines to compare"; exit 1; fi
    if [ "$(head -1 "$work/a")" != "$(head -1 "$work/b")" ]; then
      echo "first lines differ:"; head -1 "$work/a" "$work/b"; exit 1
    fi
    ns=$(grep -c '^--- SIG' "$work/b.sorted")
    ok="same $nb lines under both backends, the dynamic loader's included, $ns of signals (${reported:-none})"
    [ "$what" = inprocess ] && ok+="; ptrace's signals left out: $(comm -23 <(signals "$work/a" | tr ' ' '\n') <(tr ' ' '\n' <<< "$reported") | paste -sd' ')" ;;
  trampoline)
    trace "$work/a" --backend=ptrace
    trace "$work/b" --backend=ptrace --no-trampoline
    normalise "$work/a" "$work/b"
    timing='^(futex|read|munmap|wait4|nanosleep|clock_nanosleep|restart_syscall)\(|ERESTART|^--- SIG| = \?$'
    grep -Ev "$timing" "$work/a" | sort > "$work/a.sorted"
    grep -Ev "$timing" "$work/b" | sort > "$work/b.sorted"
    nb=$(wc -l < "$work/b.sorted")
    if [ "$nb" -lt 10 ]; then echo "only $nb lines to compare"; exit 1; fi
    ok="same $nb lines with the return trampoline as with --no-trampoline" ;;
  copy)
    for s in 0 4 32 300 432 433 4096; do
      trace "$work/a" --backend=ptrace -s $s
      trace "$work/b" --backend=ptrace --no-trampoline -s $s
      normalise "$work/a" "$work/b"
      sort "$work/a" > "$work/a.sorted"
      sort "$work/b" > "$work/b.sorted"
      if ! diff -u "$work/a.sorted" "$work/b.sorted"; then
        echo "the traces differ (-s $s)"
        exit 1
      fi
    done
    nb=$(wc -l < "$work/b.sorted")
    if [ "$nb" -lt 50 ]; then echo "only $nb lines to compare"; exit 1; fi
    ok="same $nb lines with the return trampoline's copies as with exit stops, for 7 -s values" ;;
  *) echo "parity.sh: unknown comparison $what"; exit 2 ;;
esac
if ! diff -u "$work/a.sorted" "$work/b.sorted"; then
  echo "the traces differ ($what)"
  exit 1
fi
echo "$ok"
