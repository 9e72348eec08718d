#!/usr/bin/env bash
# The path VM's benchmark, all in one run: the file-heavy workload (find | xargs cat of every
# header, ls -lR) inside `-r /` and inside a copied rootfs, under chroot (the native floor of a
# rootfs), PRoot and `ptvm proot` (every backend choice: ptrace, in-process, auto). Every
# command once per round, ROUNDS rounds round-robin (a drifting machine weighs on every row alike); best and median shown,
# and the ratio of the best to the row's native floor.
#
#   bench/path_workload.sh [ROUNDS]      (default 3; run as root for the chroot rows)
set -euo pipefail
cd "$(dirname "$0")/.."
PTVM=${PTVM:-build/ptvm}
ROUNDS=${1:-3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
command -v proot > /dev/null || { echo "path_workload.sh needs proot (apt-get install proot)"; exit 1; }

# The rootfs: the headers, and the workload's programs with their libraries (from ldd).
ROOT=$TMP/rootfs
mkdir -p "$ROOT"/{usr,bin,tmp,dev}
cp -a /usr/include "$ROOT/usr/"
for p in sh find xargs cat ls; do
  exe=$(command -v "$p")
  cp "$exe" "$ROOT/bin/"
  for lib in $(ldd "$exe" | grep -o '/[^ ]*'); do
    mkdir -p "$ROOT$(dirname "$lib")"
    cp -n "$lib" "$ROOT$lib"
  done
done
[ "$(id -u)" = 0 ] && mknod -m 666 "$ROOT/dev/null" c 1 3 || touch "$ROOT/dev/null"
cat > "$ROOT/files.sh" << 'W'
find /usr/include -type f -name '*.h' -print0 | xargs -0 cat > /dev/null
ls -lR /usr/include > /dev/null
W
cp "$ROOT/files.sh" "$TMP/files.sh"

labels=() floors=() cmds=()
add() { labels+=("$1"); floors+=("$2"); cmds+=("$3"); }
add "native (host tree)" 0 "sh $TMP/files.sh"
add "proot -r /" 0 "proot -r / sh $TMP/files.sh"
add "ptvm proot -r / --backend=ptrace" 0 "$PTVM proot --backend=ptrace -r / sh $TMP/files.sh"
add "ptvm proot -r / --backend=inprocess" 0 "$PTVM proot --backend=inprocess -r / sh $TMP/files.sh"
add "ptvm proot -r / --backend=auto" 0 "$PTVM proot -r / sh $TMP/files.sh"
if [ "$(id -u)" = 0 ]; then
  floor=${#labels[@]}
  add "chroot ROOTFS (native floor)" "$floor" "chroot $ROOT /bin/sh /files.sh"
else
  floor=0
fi
add "proot -r ROOTFS" "$floor" "proot -r $ROOT /bin/sh /files.sh"
add "ptvm proot -r ROOTFS --backend=ptrace" "$floor" "$PTVM proot --backend=ptrace -r $ROOT /bin/sh /files.sh"
add "ptvm proot -r ROOTFS --backend=inprocess" "$floor" "$PTVM proot --backend=inprocess -r $ROOT /bin/sh /files.sh"
add "ptvm proot -r ROOTFS --backend=auto" "$floor" "$PTVM proot -r $ROOT /bin/sh /files.sh"
add "ptvm proot -r ROOTFS --no-trampoline" "$floor" "$PTVM proot --no-trampoline -r $ROOT /bin/sh /files.sh"

source bench/rounds.sh
run_rounds
print_table "find|xargs cat, ls -lR of /usr/include" "x floor"
echo "(x floor: the best time over the native row of the same tree: the host's, or chroot's)"
