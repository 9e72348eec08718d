#!/usr/bin/env bash
# fakeroot.sh PTVM CALLS EXPECTED: the fakeroot VM as a non-root user (made here when run as
# root), on every backend choice:
# - CALLS (fakeroot_calls.c: ids, set*id, chown/chmod/mknod families by raw system call, stat,
#   links) prints EXPECTED;
# - what LD_PRELOAD's fakeroot cannot do: a static busybox's chown/stat/id, children of `env -i`;
# - the state: -s saves (also when the program is killed), -i loads, both ways with Debian's
#   fakeroot when it is installed; a corrupt file is an error with its line number, nothing
#   run; a missing -i file a warning; a save that cannot be written an error, the old file
#   intact.
set -u
ptvm=$(readlink -f "$1") calls=$(readlink -f "$2") expected=$(readlink -f "$3")
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
as_user=()
if [ "$(id -u)" = 0 ]; then
  id ptvm-fakeroot > /dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin ptvm-fakeroot
  as_user=(runuser -u ptvm-fakeroot --)
  chown ptvm-fakeroot "$work"
fi
user() { (cd "$1" && shift && "${as_user[@]}" "$@"); }
fresh() {  # fresh NAME: an empty directory the user owns
  mkdir "$work/$1" && { [ ${#as_user[@]} = 0 ] || chown ptvm-fakeroot "$work/$1"; }
  echo "$work/$1"
}

for backend in ptrace inprocess auto; do
  d=$(fresh "calls-$backend")
  user "$d" "$ptvm" fakeroot --backend=$backend "$calls" > "$work/out-$backend" 2>&1
  check "every call, --backend=$backend" diff -u "$expected" "$work/out-$backend"

  d=$(fresh "busybox-$backend")
  out=$(user "$d" "$ptvm" fakeroot --backend=$backend -- /bin/busybox sh -c \
    '/bin/busybox touch f; /bin/busybox chown 12:34 f; /bin/busybox mknod c c 4 5;
     /bin/busybox stat -c "%u:%g %A %t,%T" f c; /bin/busybox id -u; env -i /bin/busybox stat -c %u:%g f' 2>&1)
  check "static busybox, env -i, --backend=$backend ($out)" \
    [ "$out" = $'12:34 -rw-r--r-- 0,0\n0:0 crw-r--r-- 4,5\n0\n12:34' ]

  # The run's table grows (from 768 records) while nine processes chown at once and each stats
  # first: every record is found afterwards, with its own owner (f1* by uid 1, f2* by 2...).
  d=$(fresh "grow-$backend")
  out=$(user "$d" "$ptvm" fakeroot --backend=$backend -- sh -c \
    'seq -f f%g 3000 | xargs touch
     for i in 1 2 3 4 5 6 7 8 9; do chown $i f$i* & done; wait
     stat -c "%n %u" f* | awk "substr(\$1, 2, 1) != \$2 { bad++ } END { print NR, bad + 0 }"' 2>&1)
  check "3000 records, the table grown under nine writers, --backend=$backend ($out)" \
    [ "$out" = "3000 0" ]
done

# Real packaging: dpkg-deb of a tree chowned to 0:0 and to another user, as under fakeroot;
# tar inside, listed outside.
build='mkdir -p pkg/DEBIAN pkg/usr/bin
printf "Package: p\nVersion: 1\nArchitecture: all\nMaintainer: m <m@example.org>\nDescription: d\n" > pkg/DEBIAN/control
echo x > pkg/usr/bin/tool && chmod 4755 pkg/usr/bin/tool && chown -R 0:0 pkg && chown 1:2 pkg/usr/bin/tool && chmod 4755 pkg/usr/bin/tool
dpkg-deb --build pkg p.deb > /dev/null
tar cf t.tar pkg/usr'
listing() { dpkg-deb -c "$1/p.deb" | awk '{print $1, $2, $6}'; }
if command -v dpkg-deb > /dev/null; then
  d=$(fresh pkg-ptvm)
  user "$d" "$ptvm" fakeroot -- sh -c "$build"
  check "tar inside, listed outside: the fake owner" \
    sh -c "tar --numeric-owner -tvf '$d/t.tar' | grep -q '^-rwsr-xr-x 1/2 .*pkg/usr/bin/tool'"
  if command -v fakeroot > /dev/null; then
    d2=$(fresh pkg-fakeroot)
    user "$d2" fakeroot -- sh -c "$build"
    check "dpkg-deb -c as under fakeroot" diff -u <(listing "$d2") <(listing "$d")
  fi
  check "dpkg-deb -c shows the owners" sh -c "dpkg-deb -c '$d/p.deb' | grep -qE '^-rwsr-xr-x (1/2|daemon/bin) .*tool'"
fi

# Stacked below the path VM (ptvm proot -0 / -i): it sees the host paths the path VM made.
d=$(fresh proot)
out=$(user "$d" "$ptvm" proot -0 -b "$d:/guest-dir" -w /guest-dir -- sh -c \
  'touch p; chown 3:4 p; stat -c %u:%g /guest-dir/p; id -u' 2>&1)
check "proot -0: chown in a binding, through its guest path ($out)" [ "$out" = $'3:4\n0' ]
out=$(user "$d" "$ptvm" proot -i 5:6 -- sh -c 'id -u; id -g' 2>&1)
check "proot -i 5:6 ($out)" [ "$out" = $'5\n6' ]

# The state, in fakeroot's format.
d=$(fresh state)
user "$d" "$ptvm" fakeroot -s "$d/saved" -- sh -c 'touch f; chown 5:6 f; mknod c c 1 3'
check "-s writes fakeroot's format" grep -qE '^dev=[0-9a-f]+,ino=[0-9]+,mode=100644,uid=5,gid=6,nlink=1,rdev=0$' "$d/saved"
check "-s: the device" grep -qE ',mode=20644,uid=0,gid=0,nlink=1,rdev=259$' "$d/saved"
out=$(user "$d" "$ptvm" fakeroot -i "$d/saved" -- stat -c '%u:%g %t,%T' f c)
check "-i loads it ($out)" [ "$out" = $'5:6 0,0\n0:0 1,3' ]
user "$d" "$ptvm" fakeroot -i "$d/saved" -s "$d/saved" -- chown 7 f
out=$(user "$d" "$ptvm" fakeroot -i "$d/saved" -- stat -c '%u:%g' f)
check "-i X -s X ($out)" [ "$out" = 7:6 ]
user "$d" "$ptvm" fakeroot -s "$d/killed" -- sh -c 'touch k; chown 9 k; kill -KILL $$'
check "saved when the program is killed" grep -q ',uid=9,' "$d/killed"
if command -v fakeroot > /dev/null; then
  out=$(user "$d" fakeroot -i "$d/saved" -- stat -c '%u:%g' f)
  check "Debian's fakeroot loads ptvm's state ($out)" [ "$out" = 7:6 ]
  user "$d" fakeroot -s "$d/theirs" -- sh -c 'touch g; chown 3:4 g'
  out=$(user "$d" "$ptvm" fakeroot -i "$d/theirs" -- stat -c '%u:%g' g)
  check "ptvm loads Debian fakeroot's state ($out)" [ "$out" = 3:4 ]
fi
printf 'dev=801,ino=1,mode=100644,uid=0,gid=0,nlink=1,rdev=0\ngarbage\n' > "$work/corrupt"
chmod 644 "$work/corrupt"
expect "corrupt state: error with the line number, nothing run" 1 "corrupt:2: not a fakeroot state line" -- \
  "${as_user[@]}" "$ptvm" fakeroot -i "$work/corrupt" -- sh -c 'echo ran'
expect "missing -i file: a warning, the run goes on" 0 "warning.*does not exist.*ran" -- \
  "${as_user[@]}" "$ptvm" fakeroot -i "$work/none" -- sh -c 'echo ran'
mkdir "$work/ro" && echo old > "$work/ro/state" && chmod 555 "$work/ro" && chmod 444 "$work/ro/state"
expect "unwritable -s: an error, non-zero" 1 "cannot save the state" -- \
  "${as_user[@]}" "$ptvm" fakeroot -s "$work/ro/state" -- true
check "the old file intact" [ "$(cat "$work/ro/state")" = old ]
exit $failed
