#!/usr/bin/env bash
# options.sh PTVM: what comes before the program is ptvm's (an option it does not know is a usage
# error that names it, never the program), what comes after the program's name is the program's
# (`--` included); the help texts say what the options do, in lower case.
set -u
ptvm=$1
. "$(dirname "$0")/../vm/lib.sh"

for command in run trace proot fakeroot; do
  expect "$command: an unknown option is a usage error" 2 \
    "^ptvm $command: unknown option '--bogus'" -- "$ptvm" "$command" --bogus true
done
expect "an unknown short option, after known ones" 2 "unknown option '-Z'" -- \
  "$ptvm" run --backend=ptrace -Z true
expect "options after the program's name are the program's" 0 "^/$" -- "$ptvm" run ls -d /
expect "... also under a module" 0 "^/$" -- "$ptvm" run --intercept=uname ls -d /
expect "a program whose name starts with '-', after --" 127 "cannot run '-weird-prog'" -- \
  "$ptvm" run -- -weird-prog
expect "a -- after the program's name is the program's" 0 "^-- -n x$" -- \
  "$ptvm" run echo -- -n x
expect "... and the first -- is ptvm's" 0 "^-- x$" -- "$ptvm" run -- echo -- x

# Help texts.
proot_help=$("$ptvm" proot --help)
check "proot -0: not 'ids only'" eval '! grep -q "ids only" <<< "$proot_help"'
check "proot -0: the fakeroot VM below the path VM" \
  eval 'grep -- "-0,--root-id" <<< "$proot_help" | grep -q "fakeroot VM below the path VM"'
check "proot -i: as -0" eval 'grep -- "-i,--change-id" <<< "$proot_help" | grep -q "as -0"'
module_help() { "$ptvm" "$1" --help | grep -- "--module"; }
check "trace --module: below the tracer" eval 'module_help trace | grep -q "below the tracer"'
check "fakeroot --module: above the fakeroot VM" \
  eval 'module_help fakeroot | grep -q "above the fakeroot VM"'
check "proot --module: above the path VM" eval 'module_help proot | grep -q "above the path VM"'
check "run --module: above the other modules" \
  eval 'module_help run | grep -q "above the other modules"'
for command in "" run trace proot fakeroot features help; do
  # An option's line: the option, two blanks or more, its text; a text may start with a
  # placeholder in capitals (DIR, FROM=TO), never with a capitalised word.
  capitalised=$("$ptvm" $command --help | grep -E '^  -' | grep -E '^  \S.*  [A-Z][a-z]')
  check "ptvm $command --help: every option's text in lower case" [ -z "$capitalised" ]
  [ -n "$capitalised" ] && echo "$capitalised"
done
exit $failed
