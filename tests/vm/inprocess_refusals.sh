#!/usr/bin/env bash
# inprocess_refusals.sh PTVM: --backend=inprocess refuses, with the reason and exit status 126,
# a program that cannot host the runtime (static, setuid); --backend=auto runs it under ptrace.
set -u
ptvm=$1
failed=0
expect() {  # expect NAME STATUS REGEX -- CMD...
  local name=$1 want_status=$2 want=$3
  shift 4
  local out status
  out=$(timeout 30 "$@" 2>&1)
  status=$?
  if [ "$status" = "$want_status" ] && [[ $out =~ $want ]]; then
    echo "ok   $name"
  else
    echo "FAIL $name: status $status (want $want_status), output: $out"
    failed=1
  fi
}
expect "static refused" 126 "cannot run '/bin/busybox'.*statically linked" -- \
  "$ptvm" trace --backend=inprocess -o /dev/null -- /bin/busybox true
expect "static under auto" 0 "exited with 0" -- \
  "$ptvm" trace -- /bin/busybox true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp /bin/true "$work/suid_true" && chmod u+s "$work/suid_true"
expect "setuid refused" 126 "setuid" -- \
  "$ptvm" run --backend=inprocess --intercept=all -- "$work/suid_true"
expect "ptrace options refused" 2 "belong to --backend=ptrace" -- \
  "$ptvm" run --backend=inprocess --no-seccomp -- true
expect "unknown backend" 2 "backend" -- "$ptvm" run --backend=bogus -- true
exit $failed
