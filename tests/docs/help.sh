#!/usr/bin/env bash
# help.sh SOURCE_DIR PTVM: `ptvm help TOPIC` shows the manual page of TOPIC (man prints the text
# when its output is not a terminal), an unknown topic is a usage error.
set -u
src=$(readlink -f "$1") ptvm=$2
source "$src/tests/vm/lib.sh"
export MANPAGER=cat MANWIDTH=80
expect "ptvm help trace" 0 "^PTVM-TRACE\(1\).*ptvm-trace - trace system calls" -- "$ptvm" help trace
expect "ptvm help proot" 0 "^PTVM-PROOT\(1\)" -- "$ptvm" help proot
expect "ptvm help fakeroot" 0 "^PTVM-FAKEROOT\(1\)" -- "$ptvm" help fakeroot
expect "ptvm help self" 0 "^PTVM-SELF\(3\).*ptvm_self_init" -- "$ptvm" help self
expect "ptvm help ptrace-multi" 0 "^PTVM-PTRACE-MULTI\(3\)" -- "$ptvm" help ptrace-multi
expect "ptvm help run: ptvm(1)" 0 "^PTVM\(1\)" -- "$ptvm" help run
expect "ptvm help: ptvm(1)" 0 "^PTVM\(1\)" -- "$ptvm" help
expect "ptvm help with an unknown topic" 2 "no subcommand or page 'nothing'" -- "$ptvm" help nothing
# Without the pages (ptvm copied away from them): the command line's own help, named as ptvm's.
alone=$(mktemp -d)
trap 'rm -rf "$alone"' EXIT
cp "$ptvm" "$alone/ptvm"
expect "no pages: ptvm help trace is trace --help" 0 \
  "Usage: .*ptvm trace \[OPTIONS\].*not installed beside this ptvm" -- "$alone/ptvm" help trace
expect "no pages: ptvm help is ptvm --help" 0 \
  "Usage: .*ptvm \[OPTIONS\] SUBCOMMAND.*not installed beside this ptvm" -- "$alone/ptvm" help
exit $failed
