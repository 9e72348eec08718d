#!/usr/bin/env bash
# path_real.sh PTVM MODE NAME: the path VM (`ptvm proot -r`) against the kernel's chroot.
#
# Builds, in a temporary directory, a root file system from the host's own files: the programs
# case NAME needs, their shared libraries (from ldd) and the dynamic loader, a minimal /etc and a
# /dev/null made with mknod (so that both runs see the very same tree, nothing bound in). Then
# runs one script placed in that tree, /case.sh (started through its #! line, so the guest's
# /bin/sh interprets it), twice:
#   chroot ROOT /case.sh                                  (the native floor; needs root)
#   PTVM proot --backend=MODE -r ROOT /case.sh            (MODE: ptrace, auto or inprocess)
# and compares stdout and exit status. Each script is deterministic by itself (TZ=UTC, LC_ALL=C,
# fixed times, sorted listings) and starts from an empty /tmp/w, so nothing is normalised
# afterwards. NAME: sh_pipeline ls_lR tar find_exec make_j2 python3 git busybox.
# Host programs it needs (a missing one fails the test; nothing is installed here): chroot,
# mknod, ldd, and per case coreutils, grep, sed, diffutils, findutils, tar, gzip, make,
# python3.11, git, busybox-static.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: path_real.sh PTVM ptrace|auto|inprocess NAME" >&2
  exit 2
fi
ptvm=$1 mode=$2 name=$3
case $mode in ptrace | auto | inprocess) ;; *) echo "path_real.sh: unknown mode $mode (ptrace, auto or inprocess)" >&2; exit 2 ;; esac
[ -x "$ptvm" ] || { echo "path_real.sh: $ptvm is not an executable" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "path_real.sh: needs root (the native floor is chroot)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"

fail() { echo "path_real.sh: $*" >&2; exit 1; }

# A host program by absolute path, never through $PATH (a pyenv shim or a wrapper is not the
# program itself).
host() {
  local d
  for d in /usr/bin /bin /usr/sbin /sbin; do
    if [ -x "$d/$1" ] && [ ! -d "$d/$1" ]; then echo "$d/$1"; return 0; fi
  done
  return 1
}
for p in chroot mknod ldd; do host "$p" > /dev/null || fail "host program $p is missing"; done
chroot=$(host chroot)

# The host's usr-merge links (/bin -> usr/bin...) are reproduced, so that guest paths go through
# links the way they do on the host.
for d in bin sbin lib lib64; do
  if [ "$name" != busybox ] && [ -L "/$d" ]; then
    target=$(readlink "/$d")
    mkdir -p "$root/${target#/}"
    ln -s "$target" "$root/$d"
  fi
done

declare -A copied=()
# add_file PATH...: the host's file (its content, links followed) at the same path in the tree.
add_file() {
  local f
  for f; do
    [ -n "${copied[$f]:-}" ] && continue
    [ -e "$f" ] || fail "host file $f is missing"
    cp -L --parents "$f" "$root"
    copied[$f]=1
  done
}
# add_libs FILE...: the shared libraries ldd lists for each dynamic ELF file, and its loader.
add_libs() {
  local f lib out
  for f; do
    out=$(ldd "$f" 2> /dev/null) || continue # static, or not an ELF file
    for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<< "$out"); do
      add_file "$lib"
    done
  done
}
# add_prog NAME...: a host program (at its host path, e.g. /usr/bin/ls) and its libraries.
add_prog() {
  local p path
  for p; do
    path=$(host "$p") || fail "host program $p is missing (scripts/setup or apt-get install)"
    add_file "$path"
    add_libs "$path"
  done
}

# What every tree has: a minimal /etc, /tmp, /dev/null, /dev/zero and /dev/urandom (git's
# temporary files want random bytes); then (not busybox) a shell, coreutils and the loader.
base_tree() {
  mkdir -p "$root/etc" "$root/dev" "$root/tmp" "$root/root"
  chmod 1777 "$root/tmp"
  mknod -m 666 "$root/dev/null" c 1 3
  mknod -m 666 "$root/dev/zero" c 1 5
  mknod -m 666 "$root/dev/urandom" c 1 9
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' \
    > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
}
base_tree
if [ "$name" != busybox ]; then
  add_prog sh cat echo ls mkdir rm sort uniq wc head tr chmod ln touch grep sed
  if [ -e /lib64/ld-linux-x86-64.so.2 ]; then add_file /lib64/ld-linux-x86-64.so.2; fi
fi

# The script, run with #!/bin/sh; every case starts from an empty /tmp/w.
prologue='#!/bin/sh
set -u
export PATH=/usr/bin:/bin:/usr/sbin:/sbin LC_ALL=C TZ=UTC HOME=/root
rm -rf /tmp/w
mkdir /tmp/w
'
script() { { printf '%s' "$prologue"; cat; } > "$root/case.sh"; chmod 755 "$root/case.sh"; }

case $name in
  sh_pipeline)
    add_prog seq paste cut
    printf 'alpha 1\nbeta 2\ngamma 3\n' > "$root/etc/data"
    script << 'EOF'
seq 1 2000 | grep 7 | sort -r | uniq | wc -l
x=$(echo abc | tr a-z A-Z); echo "x=$x nested=$(echo $(echo in $(echo deep)))"
(cd /tmp/w && pwd && echo sub > sub.txt); pwd; cat /tmp/w/sub.txt
cd /tmp/w && pwd && cd .. && pwd && cd / && pwd
cat << HERE | while read -r a b; do echo "$b:$a"; done
one 1
two 2
$x
HERE
n=0; while read -r w v; do n=$((n + v)); echo "read $w"; done < /etc/data; echo "sum=$n"
{ echo b; echo a; echo c; } | sort -r | paste -sd, -
seq 1 100 | paste -sd+ - | sed 's/+/ + /g' | cut -c1-20
echo "$(( $(seq 1 100 | paste -sd+ -) ))"
false || echo or; true && echo and; ! false && echo not
( exit 5 ); echo "subshell status $?"
sh -c 'exit 9'; echo "child status $?"
for f in /etc/*; do echo "glob $f"; done
echo data > /tmp/w/f; exec 3< /tmp/w/f; read -r line <&3; exec 3<&-; echo "fd3 $line"
printf '#!/bin/sh -e\necho "script $0 $1"\n' > /tmp/w/s1 && chmod +x /tmp/w/s1 && /tmp/w/s1 a
(cd /tmp/w && ./s1 b && printf '#!/tmp/w/s1\n' > s2 && chmod +x s2 && ./s2 c)
printf 'echo "no #! line $0"\n' > /tmp/w/s3 && chmod +x /tmp/w/s3 && /tmp/w/s3
printf '#!/nonexistent\n' > /tmp/w/s4 && chmod +x /tmp/w/s4; /tmp/w/s4 2>/dev/null; echo "bad interpreter $?"
(cd /usr/bin && ./echo relative exec && ../../bin/echo up exec)
/lib64/ld-linux-x86-64.so.2 /bin/echo through the loader
echo err >&2
exit 3
EOF
    ;;
  ls_lR)
    mkdir -p "$root/data/sub dir/deeper"
    echo hello > "$root/data/file"
    echo world > "$root/data/sub dir/deeper/x"
    ln -s file "$root/data/rel"
    ln -s /etc/passwd "$root/data/abs"
    ln -s /nonexistent "$root/data/dangling"
    ln -s .. "$root/data/sub dir/up"
    ln "$root/data/file" "$root/data/hard"
    mkfifo "$root/data/fifo"
    chmod 4711 "$root/data/file"
    touch -h -d @1000000000 "$root/data/rel" "$root/data/abs"
    script << 'EOF'
cd /
ls -lR --time-style=+%s $(ls / | grep -v -x -e proc -e dev -e tmp)
echo ---
ls -ldi --time-style=+%s / /.. /../.. /usr/.. /data/.. /tmp/..
echo --- followed
ls -lL --time-style=+%s /data /data/abs /bin/sh 2>&1
ls -la --time-style=+%s /data/sub\ dir/up/
cd /data/sub\ dir/up && pwd && ls -la --time-style=+%s . | head -3
cd /lib64 && pwd && pwd -P && cd .. && pwd -P
ls -ld /etc/passwd/. /etc/passwd/.. /etc/passwd/ /dev/null/ 2>&1
EOF
    ;;
  tar)
    add_prog tar gzip diff cmp cksum find seq
    script << 'EOF'
cd /tmp/w
mkdir -p src/a/b src/c
echo hello > src/a/f; echo world > src/a/b/g; seq 1 3000 > src/c/big
ln -s f src/a/l; ln -s /etc/passwd src/abs; ln src/a/f src/a/h
chmod 640 src/a/b/g; chmod 755 src/c
find src -exec touch -h -d @1234567890 {} +
tar --sort=name -cf x.tar src
tar --numeric-owner -tvf x.tar
tar --sort=name -czf x.tgz src
gzip -dc x.tgz | cmp - x.tar && echo same archive
cksum < x.tar
mkdir out && tar -xf x.tar -C out && diff -r src out/src && echo extracted same
tar -cf - src | (mkdir out2 && cd out2 && tar -xpf -)
diff -r src out2/src && echo piped same
ls -l --time-style=+%s out/src/a out2/src/a | sort
cat out/src/abs | head -1
tar -tf missing.tar; echo "missing status $?"
EOF
    ;;
  find_exec)
    add_prog find cut
    printf 'one\n' > "$root/etc/one.conf"
    mkdir -p "$root/etc/sub"
    printf 'two\n' > "$root/etc/sub/two.conf"
    ln -s /etc/one.conf "$root/etc/link.conf"
    script << 'EOF'
find / -xdev -name '*.so*' -exec ls -lL {} + | sed 's/  */ /g' | cut -d' ' -f1,5,9 | sort
echo ---
find /etc -type f -exec cat {} \; | sort
echo ---
find / -xdev -type l | sort
echo ---
find /etc -name '*.conf' -exec sh -c 'for f; do echo "$f: $(cat "$f")"; done' sh {} + | sort
find -L /etc -name link.conf -type f
find /etc -newer /etc/passwd -type f -name nothing
cd /etc && find . -type f | sort && find sub -type f -exec grep -l two {} +
mkdir -p /tmp/w/d/e/f && touch /tmp/w/d/e/f/x /tmp/w/d/y && find /tmp/w/d -depth -delete && ls /tmp/w
find /nonexistent; echo "status $?"
EOF
    ;;
  make_j2)
    add_prog make sleep basename
    script << 'EOF'
cd /tmp/w
cat > Makefile << 'MK'
TARGETS = out/a out/b out/c out/d out/e out/f
all: out/all
out/all: $(TARGETS)
	cat $(TARGETS) | sort > $@
out/%: | out
	sleep 0.05; echo "$* made by $$(basename $(SHELL))" > $@
out:
	mkdir -p out
fail:
	exit 4
.PHONY: all fail
MK
make -s -j2 > make.out; echo "make status $?"
cat make.out
cat out/all
ls out | sort
make -s -j2; echo "again status $?"
make -s fail 2>/dev/null; echo "fail status $?"
make -s -C /tmp/w -j2 -B out/a out/b; cat out/a out/b
EOF
    ;;
  python3)
    add_prog python3.11
    ln -s python3.11 "$root/usr/bin/python3"
    [ -d /usr/lib/python3.11 ] || fail "host /usr/lib/python3.11 is missing"
    mkdir -p "$root/usr/lib"
    cp -a /usr/lib/python3.11 "$root/usr/lib/"
    rm -rf "$root/usr/lib/python3.11/test"
    if [ -d /etc/python3.11 ]; then cp -a /etc/python3.11 "$root/etc/"; fi
    add_libs /usr/lib/python3.11/lib-dynload/*.so
    cat > "$root/usr/bin/case.py" << 'EOF'
#!/usr/bin/python3
import os, subprocess, sys, threading
os.makedirs('/tmp/w/py')
def work(i):
    with open('/tmp/w/py/t%d' % i, 'w') as f:
        f.write('thread %d\n' % i)
    r = subprocess.run(['/bin/sh', '-c', 'echo child %d' % i], capture_output=True, text=True)
    with open('/tmp/w/py/s%d' % i, 'w') as f:
        f.write(r.stdout)
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print(sorted(os.listdir('/tmp/w/py')))
for n in sorted(os.listdir('/tmp/w/py')):
    print(n, open('/tmp/w/py/' + n).read().strip())
r = subprocess.run(['/bin/sh', '-c', 'echo sub; exit 7'], capture_output=True, text=True)
print(r.stdout.strip(), r.returncode)
print(subprocess.check_output('ls /tmp/w/py | wc -l', shell=True, text=True).strip())
os.chdir('/tmp/w/py')
print(os.getcwd(), os.path.abspath('..'))
print(sys.executable, sys.prefix, os.path.realpath(sys.executable))
print(os.path.realpath('/bin/sh'), os.path.realpath('/lib64/..'))
os.symlink('/etc/passwd', '/tmp/w/ln')
print(os.readlink('/tmp/w/ln'), open('/tmp/w/ln').read() == open('/etc/passwd').read())
print(os.stat('/').st_ino == os.stat('/..').st_ino, os.path.samefile('/', '/..'))
print(os.path.exists('/usr/lib/python3.11/os.py'), os.path.isdir('/home'))
import socket
srv = socket.socket(socket.AF_UNIX)
srv.bind('/tmp/w/sock')
srv.listen(1)
def serve():
    c, _ = srv.accept()
    c.sendall(b'hello ' + c.recv(10))
    c.close()
t = threading.Thread(target=serve)
t.start()
cli = socket.socket(socket.AF_UNIX)
cli.connect('/tmp/w/sock')
cli.sendall(b'unix')
print(cli.recv(100), cli.getpeername(), srv.getsockname(), os.path.exists('/tmp/w/sock'))
t.join()
dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
dgram.bind('rel.sock')  # relative to /tmp/w/py: the kernel keeps the name as given
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'dgram', 'rel.sock')
print(dgram.getsockname(), dgram.recv(10), os.path.exists('/tmp/w/py/rel.sock'))
import json, tempfile
with tempfile.TemporaryDirectory(dir='/tmp/w') as d:
    p = os.path.join(d, 'x.json')
    json.dump({'a': [1, 2]}, open(p, 'w'))
    print(os.path.dirname(p).startswith('/tmp/w/'), json.load(open(p)))
sys.exit(5)
EOF
    chmod 755 "$root/usr/bin/case.py"
    script << 'EOF'
export PYTHONDONTWRITEBYTECODE=1
/usr/bin/case.py; echo "python status $?"
python3 -c 'import sys; print(sys.version_info[:2], sys.path[1:])'
echo 'print("stdin", 6 * 7)' | python3 -
EOF
    ;;
  git)
    add_prog git basename
    [ -d /usr/lib/git-core ] || fail "host /usr/lib/git-core is missing"
    mkdir -p "$root/usr/lib"
    cp -a /usr/lib/git-core "$root/usr/lib/"
    if [ -d /usr/share/git-core/templates ]; then
      mkdir -p "$root/usr/share/git-core"
      cp -a /usr/share/git-core/templates "$root/usr/share/git-core/"
    fi
    script << 'EOF'
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Tester GIT_AUTHOR_EMAIL=t@example.org
export GIT_COMMITTER_NAME=Tester GIT_COMMITTER_EMAIL=t@example.org
export GIT_AUTHOR_DATE='2001-02-03T04:05:06Z' GIT_COMMITTER_DATE='2001-02-03T04:05:06Z'
cd /tmp/w
git -c init.defaultBranch=main init -q repo && cd repo
echo a > a; git add a; git commit -q -m first
echo b > b; mkdir d; echo c > d/c; ln -s a link; git add .
git -c user.name=Other -c user.email=o@example.org commit -q -m second
echo mod >> a; echo new > untracked
git log --format='%H %s %an %ad' --date=iso-strict
git status --porcelain
git diff --stat
git ls-files -s
git rev-parse HEAD HEAD~1 HEAD:d
git stash -q && git status --porcelain && git stash pop -q && git status --porcelain
git checkout -q -b topic && git commit -q -am third && git checkout -q main
git merge -q --ff-only topic && git log --format=%s
git repack -a -d -q && git count-objects -v | grep -v size
git fsck --no-progress 2>&1; echo "fsck $?"
git cat-file -p HEAD^{tree}
git -C /tmp/w/repo rev-parse --show-toplevel
cd d && git rev-parse --show-prefix --show-cdup
git nosuchcommand 2>/dev/null; echo "unknown status $?"
EOF
    ;;
  busybox)
    bb=/bin/busybox
    [ -x $bb ] || fail "$bb is missing (busybox-static)"
    if ldd $bb > /dev/null 2>&1; then fail "$bb is not static (busybox-static)"; fi
    # Only busybox and its applet links: no libc, no loader. /bin is a real directory here.
    rm -f "$root/bin" "$root/sbin" "$root/lib" "$root/lib64"
    mkdir -p "$root/bin"
    cp $bb "$root/bin/busybox"
    for a in $($bb --list); do
      [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
    done
    prologue=${prologue//\/usr\/bin:\/bin:\/usr\/sbin:\/sbin/\/bin}
    script << 'EOF'
ls /
echo hi | busybox wc -c
touch /tmp/w/x && mkdir -p /tmp/w/d/x && busybox find / -name x | sort
readlink /bin/sh; ls -ld /bin/sh | awk '{print $1, $NF}'
stat -c '%n %F %s' / /.. /bin/busybox /dev/null /tmp
cd /tmp/w && pwd && cd d/x && pwd && cd ../.. && pwd -P
seq 1 100 | awk '{s += $1} END {print s}'
printf 'b\na\nc\n' | sort | tr '\n' ' '; echo
echo data > f && tar cf t.tar f d && tar tf t.tar | sort && mkdir o && tar xf t.tar -C o && cmp f o/f && echo tar ok
sh -c 'echo sub $0 $1; exit 6' zero one; echo "status $?"
(sleep 0.1; echo bg) & wait; echo waited
echo "$(cat /etc/passwd | cut -d: -f1 | sort | tr '\n' ,)"
which sh ls
find / -xdev -type f | sort
EOF
    ;;
  *) fail "unknown case $name (sh_pipeline ls_lR tar find_exec make_j2 python3 git busybox)" ;;
esac

# The two runs, from a directory outside the tree, with a clean environment.
cd "$work"
cleanenv=(env -i PATH=/usr/bin:/bin TERM=dumb)
set +e
timeout 120 "${cleanenv[@]}" "$chroot" "$root" /case.sh > native.out 2> native.err
native=$?
timeout 120 "${cleanenv[@]}" "$ptvm" proot --backend="$mode" -r "$root" /case.sh > vm.out 2> vm.err
vm=$?
set -e

if [ ! -s native.out ] || [ "$native" -ge 124 ]; then
  echo "path_real.sh: the native run (chroot) failed: status $native" >&2
  cat native.out native.err >&2
  exit 1
fi
if [ "$native" != "$vm" ] || ! cmp -s native.out vm.out; then
  echo "FAIL path.real.$name.$mode: chroot exited $native, ptvm proot exited $vm"
  echo "--- diff chroot ptvm"
  diff native.out vm.out || true
  echo "--- chroot stdout"; cat native.out
  echo "--- chroot stderr"; cat native.err
  echo "--- ptvm stdout"; cat vm.out
  echo "--- ptvm stderr"; cat vm.err
  exit 1
fi
echo "ok   path.real.$name.$mode (status $native, $(wc -l < native.out) lines)"
