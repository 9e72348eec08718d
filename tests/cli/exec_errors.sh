#!/usr/bin/env bash
# exec_errors.sh PTVM: a program the kernel will not run gets the kernel's reason and a shell's
# status (126: found but not runnable; 127: not found), with no module as under any module and
# backend.
set -u
ptvm=$1
. "$(dirname "$0")/../vm/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'not a program\n' > "$dir/garbage"
chmod 755 "$dir/garbage"
printf '#!/bin/sh\necho hi\n' > "$dir/not_executable"
chmod 644 "$dir/not_executable"
printf '#!/nonexistent/interpreter\n' > "$dir/no_interpreter"
chmod 755 "$dir/no_interpreter"
for mode in "" --intercept=uname "--intercept=uname --backend=ptrace" \
            "-e inject=uname:error=EIO"; do
  name="ptvm run ${mode:-(no module)}"
  expect "$name: exec format error" 126 "cannot run '$dir/garbage': .*Exec format error" -- \
    "$ptvm" run $mode "$dir/garbage"
  expect "$name: not executable" 126 "cannot run '$dir/not_executable': .*Permission denied" -- \
    "$ptvm" run $mode "$dir/not_executable"
  expect "$name: a directory" 126 "cannot run '$dir': .*Permission denied" -- \
    "$ptvm" run $mode "$dir"
  expect "$name: no such file" 127 "cannot run '$dir/nothere': .*No such file" -- \
    "$ptvm" run $mode "$dir/nothere"
  expect "$name: no such program on PATH" 127 "cannot run 'no-such-program-here': .*No such file" -- \
    "$ptvm" run $mode no-such-program-here
done
# The interpreter of a script is missing: the kernel says ENOENT, as a shell does (127).
for mode in "" "--intercept=uname --backend=ptrace"; do
  expect "ptvm run ${mode:-(no module)}: a missing interpreter" 127 \
    "cannot run '$dir/no_interpreter': .*No such file" -- "$ptvm" run $mode "$dir/no_interpreter"
done
exit $failed
