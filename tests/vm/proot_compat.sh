#!/usr/bin/env bash
# proot_compat.sh PTVM BACKEND: what `ptvm proot` does as PRoot does it, beyond paths.
#   - The exit status is the last process's to end (PRoot's rule), not the program's; with
#     --kill-on-exit, the program's; `ptvm run` keeps the program's.
set -u
ptvm=$1 backend=$2
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
proot=("$ptvm" proot "--backend=$backend")

# The exit status.
expect status_of_last_process 3 "^$" -- "${proot[@]}" sh -c '(sleep 1; exit 3) & exit 1'
expect status_of_program_when_last 5 "^$" -- "${proot[@]}" sh -c '(exit 3) & wait; exit 5'
expect status_of_program_with_kill_on_exit 1 "^$" -- \
  "${proot[@]}" --kill-on-exit sh -c '(sleep 5; exit 3) & exit 1'
expect status_of_last_killed 137 "^$" -- "${proot[@]}" sh -c 'sh -c "sleep 1; kill -9 \$\$" & exit 1'
expect run_keeps_program_status 1 "^$" -- \
  "$ptvm" run "--backend=$backend" sh -c '(sleep 1; exit 3) & exit 1'

exit $failed
