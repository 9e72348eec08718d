#!/usr/bin/env bash
# Start-up cost of a program under ptvm, all in one run (hyperfine): /bin/true and a static
# busybox natively, in-process (ptvm's loader), under ptrace; and, given an older ptvm as OLD
# (e.g. one built before the loader, when the in-process backend used LD_PRELOAD), in-process
# with it too.
#
#   bench/startup.sh [RUNS]           (default 300 runs each)
#   OLD=/path/to/old/ptvm bench/startup.sh
#
# Each ptvm runs the null module on every call (--intercept=all), so every call of the program
# traps: the cost of starting, not of tracing.
set -euo pipefail
cd "$(dirname "$0")/.."
PTVM=${PTVM:-build/ptvm}
RUNS=${1:-300}
command -v hyperfine >/dev/null || { echo "startup.sh needs hyperfine (apt-get install hyperfine)"; exit 1; }
cmds=(-n native /bin/true
      -n inprocess "$PTVM run --backend=inprocess --intercept=all -- /bin/true"
      -n ptrace "$PTVM run --backend=ptrace --intercept=all -- /bin/true")
if [ -n "${OLD:-}" ]; then
  cmds+=(-n inprocess-old "$OLD run --backend=inprocess --intercept=all -- /bin/true")
fi
if [ -x /bin/busybox ]; then
  cmds+=(-n busybox-native "/bin/busybox true"
         -n busybox-inprocess "$PTVM run --backend=inprocess --intercept=all -- /bin/busybox true"
         -n busybox-ptrace "$PTVM run --backend=ptrace --intercept=all -- /bin/busybox true")
fi
hyperfine -N --warmup 20 --runs "$RUNS" --export-markdown /dev/stdout "${cmds[@]}" 2>/dev/null |
  grep '^|'
