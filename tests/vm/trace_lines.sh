#!/usr/bin/env bash
# trace_lines.sh TRACER_CMD... : runs tests/vm/trace_lines under the tracer (`ptvm trace` or
# strace, with its options) and checks that every line the program says must appear does.
set -u
prog=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/d"
"$@" -o "$work/trace" -- "$prog" "$work/d" > "$work/expected" || { echo "tracer failed"; exit 1; }
# Drop the "PID  " prefix; strace pads before " = " to a column: squeeze that.
sed -E 's/^[0-9]+ +//; s/\) +=/) =/' "$work/trace" > "$work/lines"
missing=0
while IFS= read -r line; do
  grep -qxF -- "$line" "$work/lines" || { echo "missing: $line"; missing=$((missing + 1)); }
done < "$work/expected"
echo "$(wc -l < "$work/expected") expected lines, $missing missing"
[ $missing = 0 ]
