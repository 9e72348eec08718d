#!/usr/bin/env bash
# vm_order.sh PTVM MODULE: the VMs stack in one order for every command: the tracer on top, then
# the user's modules (--module), then the path VM above the fakeroot VM, which so works on host
# paths: `ptvm fakeroot --rootfs/--bind` as `ptvm proot -0`. MODULE is tests/cli/test_module.cpp.
set -u
ptvm=$1 module=$2
. "$(dirname "$0")/../vm/lib.sh"
root=$(mktemp -d) data=$(mktemp -d)
trap 'rm -rf "$root" "$data"' EXIT
chmod 755 "$root"
mkdir -p "$root/bin"
cp /bin/busybox "$root/bin/"
touch "$root/f" "$data/g"

# The fakeroot VM below the path VM: a guest path reaches it as the host's file.
expect "fakeroot --rootfs: chown of a guest path" 0 "^5 6$" -- \
  "$ptvm" fakeroot --rootfs "$root" -- /bin/busybox sh -c \
  'chown 5:6 /f && /bin/busybox stat -c "%u %g" /f'
expect "fakeroot --bind: chown in a binding" 0 "^7 8$" -- \
  "$ptvm" fakeroot --bind "$data:/data" -- /bin/busybox sh -c \
  'chown 7:8 /data/g && /bin/busybox stat -c "%u %g" /data/g'
expect "proot -0 -r: the same" 0 "^5 6$" -- \
  "$ptvm" proot -0 -r "$root" /bin/busybox sh -c 'chown 5:6 /f && /bin/busybox stat -c "%u %g" /f'
check "... the host's file untouched" [ "$(stat -c %u:%g "$root/f")" = "$(id -u):$(id -g)" ]
expect "fakeroot --rootfs: the state saved names the host's file" 0 "" -- \
  "$ptvm" fakeroot -s "$data/state" --rootfs "$root" -- /bin/busybox chown 9:9 /f
check "... by its device and inode" \
  grep -q "ino=$(stat -c %i "$root/f"),.*uid=9,gid=9" "$data/state"

# The user's modules: above the fakeroot VM (they see the ids it answers), above the path VM
# (they see the guest's paths), below the tracer.
expect "fakeroot --module: above the fakeroot VM" 0 "module: geteuid = 0 \(emulated below\)" -- \
  "$ptvm" fakeroot --module="$module:watch" -- /bin/busybox id -u
expect "proot --module: above the path VM" 0 "module: openat /f" -- \
  "$ptvm" proot -r "$root" --module="$module:watch" /bin/busybox cat /f
expect "fakeroot --rootfs --module: above both" 0 "module: openat /f" -- \
  "$ptvm" fakeroot --rootfs "$root" --module="$module:watch" -- /bin/busybox cat /f
expect "trace --module: below the tracer" 0 'module: openat /f.*
.*openat\(AT_FDCWD, "/f"' -- \
  "$ptvm" trace -e trace=openat --rootfs "$root" --module="$module:watch" -- /bin/busybox cat /f
exit $failed
