#!/usr/bin/env bash
# man_examples.sh SOURCE_DIR BUILD_DIR: the C programs in the EXAMPLES of the section 3 pages
# build against the build tree's libptvm and print what the page says they print.
set -u
src=$(readlink -f "$1") build=$(readlink -f "$2")
source "$src/tests/vm/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The first ``` block after "# EXAMPLES" (scdoc's literal blocks: `\\` stands for `\`).
example() {
  awk '/^# EXAMPLES/ { in_examples = 1 }
       in_examples && /^```/ { if (inside) exit; inside = 1; next }
       inside { print }' "$1" | sed 's/\\\\/\\/g'
}
build_and_run() {  # NAME PAGE EXPECTED-REGEX
  example "$src/man/$2" > "$work/$1.c"
  if cc -Wall -Werror -o "$work/$1" "$work/$1.c" -I"$src/include" -L"$build" -lptvm \
       -Wl,-rpath,"$build" 2> "$work/$1.log"; then
    expect "$2: the example runs" 0 "$3" -- "$work/$1"
  else
    echo "FAIL $2: the example does not build:"; cat "$work/$1.log"
    failed=1
  fi
}
build_and_run self ptvm-self.3.scd "^getpid\(\) = 4242
[0-9]+ calls interposed; getpid\(\) = [0-9]+ now$"
build_and_run multi ptvm-ptrace-multi.3.scd '^ret=0 string="hello from the tracee" \(22 bytes\) rip=0x'
exit $failed
