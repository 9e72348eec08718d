#!/bin/sh
# The in-process runtime imports nothing: no undefined dynamic symbol, no DT_NEEDED library, no
# text relocation. Run after every link (CMake POST_BUILD); a failure fails the build.
set -eu
so=$1
undefined=$(nm -D --undefined-only "$so" | awk '{print $2}')
needed=$(readelf -d "$so" | grep -E '\(NEEDED\)|\(TEXTREL\)' || true)
if [ -n "$undefined$needed" ]; then
  echo "ptvm: $so must import nothing, but has:" >&2
  echo "$undefined" "$needed" >&2
  exit 1
fi
