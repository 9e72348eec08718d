#!/usr/bin/env bash
# The fakeroot VM's benchmark, all in one run: a packaging-like workload (300 files created,
# chowned, chmodded and listed, 30 device nodes, the tree tarred, untarred and listed) natively
# (as root: the floor), under Debian's fakeroot (LD_PRELOAD), PRoot -0, and `ptvm fakeroot` on
# both backends. Every command once per round, ROUNDS rounds round-robin; best and median
# shown, and the ratio of the best to native's best.
#
#   bench/fakeroot_workload.sh [ROUNDS]      (default 5; as root, for the native row)
set -euo pipefail
cd "$(dirname "$0")/.."
PTVM=$(readlink -f "${PTVM:-build/ptvm}")
ROUNDS=${1:-5}
[ "$(id -u)" = 0 ] || { echo "fakeroot_workload.sh: run it as root (the native row chowns)"; exit 1; }
for tool in fakeroot proot bc; do
  command -v "$tool" > /dev/null || { echo "fakeroot_workload.sh needs $tool"; exit 1; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Relative paths, no cd: each row starts in its own directory (env -C), as PRoot 5.1 loses a
# directory that was created and entered inside it (its "." then stats as the parent's).
cat > "$TMP/work.sh" << 'W'
set -e
rm -rf tree x t.tar && mkdir -p tree/pkg/usr/bin tree/pkg/nodes
seq -f 'tree/pkg/usr/bin/f%g' 300 | xargs touch
chown -R 0:0 tree
chown 1:2 tree/pkg/usr/bin/f1*
chmod 4755 tree/pkg/usr/bin/f2*
chmod 640 tree/pkg/usr/bin/f3*
for i in $(seq 30); do mknod "tree/pkg/nodes/d$i" c 1 "$i"; done
ls -ln tree/pkg/usr/bin tree/pkg/nodes > /dev/null
tar cf t.tar -C tree pkg
mkdir x && tar xf t.tar -C x && tar tvf t.tar > /dev/null
find x -type f -exec stat -c '%u:%g %a' {} + > /dev/null
W

labels=() cmds=()
add() { labels+=("$1"); cmds+=("$2"); }
add "native (root)" "env -C $TMP/n sh $TMP/work.sh"
add "fakeroot" "env -C $TMP/f fakeroot sh $TMP/work.sh"
add "proot -0" "env -C $TMP/p proot -0 sh $TMP/work.sh"
add "ptvm fakeroot --backend=ptrace" "env -C $TMP/t $PTVM fakeroot --backend=ptrace sh $TMP/work.sh"
add "ptvm fakeroot --backend=inprocess" "env -C $TMP/i $PTVM fakeroot --backend=inprocess sh $TMP/work.sh"
# The in-process floor: the runtime in every process (a module on one call nobody makes), no
# VM. Not a fake root: it runs as root, like the native row.
add "ptvm run --backend=inprocess (floor)" \
  "env -C $TMP/r $PTVM run --backend=inprocess --intercept=vhangup sh $TMP/work.sh"
mkdir -p "$TMP"/{n,f,p,t,i,r}
for i in "${!cmds[@]}"; do  # each row must do the work (and not fail half-way) before it is timed
  ${cmds[$i]} > /dev/null 2>&1 || { echo "fakeroot_workload.sh: '${labels[$i]}' fails"; exit 1; }
done

source bench/rounds.sh
run_rounds
print_table "300 files, 30 nodes, tar c/x" "x native"
