#!/bin/sh
# The in-process runtime is a static-pie that imports nothing and relocates itself: no
# interpreter, no DT_NEEDED library, no undefined symbol, no TLS segment (it has no thread
# pointer of its own), no text relocation, no relocation but R_X86_64_RELATIVE (the only kind
# runtime/loader's relocate_self applies), no constructor but .init_array's (which the loader's
# entry runs). Run after every
# link (CMake POST_BUILD); a failure fails the build.
set -eu
exe=$1
problems=""
readelf -lW "$exe" | grep -qE '^ +(INTERP|TLS) ' && problems="$problems interpreter-or-TLS"
readelf -dW "$exe" | grep -qE '\((NEEDED|TEXTREL|INIT|PREINIT_ARRAY)\)' &&
  problems="$problems needed-textrel-or-constructors"
undefined=$(nm --undefined-only "$exe" | awk '$1 != "w" {print $2}')
[ -n "$undefined" ] && problems="$problems undefined:$undefined"
other=$(readelf -rW "$exe" | awk '/^ *[0-9a-f]+ +[0-9a-f]+ +R_X86_64_/ && $3 != "R_X86_64_RELATIVE" {print $3}' | sort -u)
[ -n "$other" ] && problems="$problems relocations:$other"
if [ -n "$problems" ]; then
  echo "ptvm: $exe must be a self-contained static-pie, but has:$problems" >&2
  exit 1
fi
exit 0
