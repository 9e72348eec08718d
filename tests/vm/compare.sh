#!/usr/bin/env bash
# compare.sh PTVM MODE PROGRAM [ARGS...]: runs PROGRAM natively and under ptvm in MODE; the
# stdout and the exit status must be the same. Prints a diff on mismatch.
set -u
ptvm=$1 mode=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vm_env=()
case $mode in
  # ptrace backend (and its forced fallbacks)
  run) vm=("$ptvm" run --backend=ptrace --intercept=all) ;;
  run_plain) vm=("$ptvm" run) ;;
  # every entry's registers through PTRACE_GETREGS (a kernel before PTRACE_GET_SYSCALL_INFO)
  run_getregs) vm=("$ptvm" run --backend=ptrace --intercept=all --no-syscall-info) ;;
  trace) vm=("$ptvm" trace --backend=ptrace -o "$tmp/trace") ;;
  trace_notrampoline) vm=("$ptvm" trace --backend=ptrace --no-trampoline -o "$tmp/trace") ;;
  # the longest copies the trampoline makes (see_exit_copy(): 432 bytes of a read)
  trace_s432) vm=("$ptvm" trace --backend=ptrace -s 432 -o "$tmp/trace") ;;
  run_noseccomp) vm=("$ptvm" run --no-seccomp --intercept=all) ;;
  trace_noseccomp) vm=("$ptvm" trace --no-seccomp -o "$tmp/trace") ;;
  trace_naive) vm=("$ptvm" trace --naive -o "$tmp/trace") ;;
  run_procmem) vm=("$ptvm" trace --mem=procmem -o "$tmp/trace") ;;
  run_peek) vm=("$ptvm" trace --mem=peek -o "$tmp/trace") ;;
  # in-process backend, and auto (the default: in-process where the program can host it)
  run_inprocess) vm=("$ptvm" run --backend=inprocess --intercept=all) ;;
  trace_inprocess) vm=("$ptvm" trace --backend=inprocess -o "$tmp/trace") ;;
  # Site rewriting (runtime/rewrite): a module that wants one call, every site rewritten at its
  # first trap (the most patched code: by default after 16); and the same with every call
  # trapping.
  run_rewrite) vm=("$ptvm" run --backend=inprocess --intercept=openat --rewrite-after=1) ;;
  run_norewrite) vm=("$ptvm" run --backend=inprocess --intercept=openat --no-rewrite) ;;
  trace_rewrite)
    vm=("$ptvm" trace --backend=inprocess -e trace=%file --rewrite-after=1 -o "$tmp/trace")
    ;;
  trace_auto) vm=("$ptvm" trace -o "$tmp/trace") ;;
  redirect | redirect_noseccomp | redirect_peek | redirect_inprocess | redirect_getregs)
    vm=("$ptvm" run --redirect /ptvm-redirect=/etc)
    [ "$mode" = redirect ] && vm+=(--backend=ptrace)
    [ "$mode" = redirect_getregs ] && vm+=(--no-syscall-info)
    [ "$mode" = redirect_noseccomp ] && vm+=(--no-seccomp)
    [ "$mode" = redirect_peek ] && vm+=(--mem=peek)
    [ "$mode" = redirect_inprocess ] && vm+=(--backend=inprocess)
    vm_env=(PTVM_TEST_PREFIX=/ptvm-redirect) ;;
  *) echo "compare.sh: unknown mode $mode"; exit 2 ;;
esac
timeout 60 "$@" > "$tmp/native" 2> "$tmp/native.err"
native=$?
timeout 60 env "${vm_env[@]}" "${vm[@]}" -- "$@" > "$tmp/vm" 2> "$tmp/vm.err"
got=$?
status=0
if ! diff -u "$tmp/native" "$tmp/vm"; then
  echo "stdout differs under: ${vm[*]} -- $*"
  status=1
fi
if [ "$native" != "$got" ]; then
  echo "exit status: native $native, under ptvm $got (${vm[*]} -- $*)"
  status=1
fi
if [ $status != 0 ]; then
  echo "--- ptvm's stderr:"; head -20 "$tmp/vm.err"
fi
[ $status = 0 ] && echo "same stdout ($(wc -l < "$tmp/native") lines) and status ($native): ${vm[*]} -- $*"
exit $status
