#!/usr/bin/env bash
# fakeroot_case.sh PTVM PROGRAM EXPECTED: PROGRAM run under `ptvm fakeroot -s STATE` by a
# non-root user (made here when run as root), in an empty directory, on every backend choice:
# it prints EXPECTED (what root gets natively) and exits 0, and ptvm saves the state, all within
# the time limit (a hung lock shows as a timeout).
set -u
ptvm=$(readlink -f "$1") program=$(readlink -f "$2") expected=$(readlink -f "$3")
source "$(dirname "$0")/lib.sh"
name=$(basename "$program")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
as_user=()
if [ "$(id -u)" = 0 ]; then
  # Another test may be adding the same user at the same time.
  id ptvm-fakeroot > /dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin ptvm-fakeroot 2> /dev/null ||
    id ptvm-fakeroot > /dev/null
  as_user=(runuser -u ptvm-fakeroot --)
  chown ptvm-fakeroot "$work"
fi

for backend in ptrace inprocess auto; do
  d="$work/$backend"
  mkdir "$d" && { [ ${#as_user[@]} = 0 ] || chown ptvm-fakeroot "$d"; }
  (cd "$d" && timeout 300 "${as_user[@]}" "$ptvm" fakeroot --backend=$backend -s "$d/state" -- \
    "$program") > "$work/out-$backend" 2>&1
  status=$?
  check "$name, --backend=$backend: exit status $status" [ $status = 0 ]
  check "$name, --backend=$backend: the output" diff -u "$expected" "$work/out-$backend"
  check "$name, --backend=$backend: -s saved the state" [ -f "$d/state" ]
done
exit $failed
