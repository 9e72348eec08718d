#!/usr/bin/env bash
# path_escape.sh PTVM ESCAPE_PROGRAM REGISTERS_PROGRAM OPTION...: the path VM's escape battery
# (path_escape.c) and its register check (path_registers.c) in a rootfs of their own, under
# `ptvm proot` with the given options: the lines must be path_escape.expected's and
# path_registers.expected's. As root, the same program also runs in a real chroot of the same tree:
# every line without /proc must be the chroot's, but a socket name that fits the guest's sun_path
# but not the host's (ENAMETOOLONG under the path VM), a 32-bit open (which the path VM
# refuses: it cannot read a foreign ABI's arguments) and io_uring (refused, with a message).
set -u
ptvm=$1 escape=$2 registers=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
make_root() {
  rm -rf "$root"
  mkdir -p "$root"/{etc,tmp,bin,proc}
  echo guest > "$root/etc/marker"
  cp /bin/busybox "$root/bin/"
  ln -s busybox "$root/bin/sh"
  ln -s busybox "$root/bin/echo"
  cp "$escape" "$root/bin/path_escape"
  cp "$registers" "$root/bin/path_registers"
}
# A host file where the guest's would be, were a path not translated.
status=0
make_root
timeout 60 "$ptvm" proot "$@" -r "$root" -b /proc /bin/path_escape proc > "$work/ptvm" 2> "$work/err"
if ! diff -u "$here/path_escape.expected" "$work/ptvm"; then
  echo "FAIL: ptvm proot $* differs from path_escape.expected"
  status=1
fi
if ! grep -q "^ptvm: path VM refuses system call io_uring_setup" "$work/err"; then
  echo "FAIL: no message for the refused io_uring_setup; stderr:"
  cat "$work/err"
  status=1
fi
timeout 60 "$ptvm" proot "$@" -r "$root" /bin/path_registers > "$work/registers" 2>&1
if ! diff -u "$here/path_registers.expected" "$work/registers"; then
  echo "FAIL: path_registers under ptvm proot $* differs from path_registers.expected"
  status=1
fi
if [ "$(id -u)" = 0 ] && command -v chroot > /dev/null; then
  if ! timeout 60 chroot "$root" /bin/path_registers | diff -u "$here/path_registers.expected" -; then
    echo "FAIL: path_registers in a real chroot differs from path_registers.expected"
    status=1
  fi
  make_root
  chroot "$root" /bin/path_escape > "$work/chroot" 2>&1
  grep -v -e '^proc_' -e '^unix_bind_long' -e '^abi_i386' -e '^io_uring' "$work/ptvm" > "$work/ptvm.noproc"
  grep -v -e '^unix_bind_long' -e '^abi_i386' -e '^io_uring' "$work/chroot" > "$work/chroot.cut"
  if ! diff -u "$work/chroot.cut" "$work/ptvm.noproc"; then
    echo "FAIL: ptvm proot $* differs from a real chroot"
    status=1
  fi
fi
[ $status = 0 ] && echo "ok   path_escape $*"
exit $status
