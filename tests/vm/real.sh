#!/usr/bin/env bash
# real.sh PTVM MODE NAME: a real program nobody here wrote, natively and under ptvm in MODE
# (through compare.sh): same stdout, same exit status.
set -u
ptvm=$1 mode=$2 name=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
need() { command -v "$1" > /dev/null || { echo "real.sh: $1 is missing (scripts/setup installs it)"; exit 1; }; }
case $name in
  ls_lR) need ls; set -- sh -c 'cd /usr/include/linux && ls -lR --time-style=+ . | head -3000' ;;
  sort) need sort; seq 1 20000 | shuf --random-source=<(yes) > "$work/in"; set -- sort -n "$work/in" ;;
  tar) need tar; set -- sh -c "tar cf - -C /usr/include linux | tar tf - | sort | head -2000" ;;
  sh_pipeline) set -- sh -c 'seq 1 10000 | grep 7 | sort -r | uniq | wc -l; echo $((6*7))' ;;
  python) need python3
    set -- python3 -c '
import subprocess, threading
out = []
def work(i):
    out.append((i, subprocess.run(["sh", "-c", "echo %d" % i], capture_output=True, text=True).stdout.strip()))
ts = [threading.Thread(target=work, args=(i,)) for i in range(6)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sorted(out))' ;;
  busybox) [ -x /bin/busybox ] || { echo "real.sh: /bin/busybox (busybox-static) is missing"; exit 1; }
    file -L /bin/busybox | grep -q "statically linked" || { echo "real.sh: /bin/busybox is not static"; exit 1; }
    set -- /bin/busybox sh -c 'echo hi; /bin/busybox ls /usr/include/linux | /bin/busybox head -5; /bin/busybox wc -l /etc/passwd' ;;
  make) need make; need cc
    cp -r "$here/mini_project" "$work/p"
    set -- sh -c "make -s -j2 -C '$work/p' && '$work/p/prog' && make -s -C '$work/p' clean" ;;
  *) echo "real.sh: unknown program $name"; exit 2 ;;
esac
exec "$here/compare.sh" "$ptvm" "$mode" "$@"
