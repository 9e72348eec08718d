#!/usr/bin/env bash
# path_stack.sh PTVM BACKEND: the path VM under the tracer (which shows the guest's paths) and
# with fault injection, through `ptvm run|trace --rootfs`; -0; bad options and missing programs get
# a message and a non-zero status (2: usage, 127: no such program), never a crash; on the backend
# given (auto, ptrace or inprocess), and which one -v says runs the program.
set -u
ptvm=$1 backend=$2
B=--backend=$backend
. "$(dirname "$0")/lib.sh"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"  # a guest with other ids (-i) checks the modes itself
mkdir -p "$root/bin" "$root/etc"
cp /bin/busybox "$root/bin/"
echo guest > "$root/etc/marker"

expect trace_shows_guest_paths 0 'openat\(AT_FDCWD, "/etc/marker", O_RDONLY\) = [0-9]+' -- \
  "$ptvm" trace $B --rootfs "$root" -e trace=openat -- /bin/busybox cat /etc/marker
expect trace_getcwd_is_the_guests 0 'getcwd\("/etc", [0-9]+\) = 5' -- \
  "$ptvm" trace $B --rootfs "$root" --cwd /etc -e trace=getcwd -- /bin/busybox pwd -P
expect inject_over_path 1 "Permission denied" -- \
  "$ptvm" run $B --rootfs "$root" -e inject=openat:error=EACCES -- /bin/busybox cat /etc/marker
expect root_id 0 "^0 0$" -- "$ptvm" proot $B -0 -r "$root" /bin/busybox sh -c 'echo $(/bin/busybox id -u) $(/bin/busybox id -g)'
expect change_id 0 "^123 456$" -- "$ptvm" proot $B -i 123:456 -r "$root" /bin/busybox sh -c 'echo $(/bin/busybox id -u) $(/bin/busybox id -g)'
# PRoot's -0/-i: the runner's own files show the ids given, other files their real owner.
expect change_id_owns_runners_files 0 "^123:456$" -- \
  "$ptvm" proot $B -i 123:456 -r "$root" /bin/busybox stat -c %u:%g /etc/marker
expect root_id_owns_runners_files 0 "^0:0$" -- \
  "$ptvm" proot $B -0 -r "$root" /bin/busybox stat -c %u:%g /etc/marker
if [ "$(id -u)" = 0 ]; then
  echo other > "$root/etc/other" && chown 4321:8765 "$root/etc/other"
  expect root_id_shows_other_owners 0 "^4321:8765$" -- \
    "$ptvm" proot $B -0 -r "$root" /bin/busybox stat -c %u:%g /etc/other
fi
# Of -0 and -i, the last given wins (PRoot's rule); of two -i, the last.
bb=/bin/busybox
expect root_id_after_change_id 0 "^0$" -- "$ptvm" proot $B -i 5:6 -0 -r "$root" $bb id -u
expect change_id_after_root_id 0 "^5 6$" -- \
  "$ptvm" proot $B -0 -i 5:6 -r "$root" $bb sh -c "echo \$($bb id -u) \$($bb id -g)"
expect root_id_last_of_three 0 "^0$" -- "$ptvm" proot $B -0 -i 5:6 -0 -r "$root" $bb id -u
expect change_id_twice 0 "^7$" -- "$ptvm" proot $B -i 5:6 -i 7:8 -r "$root" $bb id -u
# A device needs CAP_MKNOD: the fake root has it, a fake user (-i) not (the kernel's EPERM).
expect change_id_mknod_device 1 "Operation not permitted" -- \
  "$ptvm" proot $B -i 123:456 -r "$root" $bb mknod /etc/dev b 1 1
expect root_id_mknod_device 0 "^b$" -- \
  "$ptvm" proot $B -0 -r "$root" $bb sh -c "$bb mknod /etc/dev b 1 1 && $bb stat -c %A /etc/dev | $bb cut -c1"
expect change_id_mknod_existing 1 "File exists" -- \
  "$ptvm" proot $B -i 123:456 -r "$root" $bb mknod /etc/dev b 1 1
expect bad_change_id 2 "invalid -i 12x: expected UID:GID" -- "$ptvm" proot $B -i 12x -r "$root" /bin/busybox true
expect kill_on_exit 0 "started" -- \
  "$ptvm" proot $B --kill-on-exit -r "$root" /bin/busybox sh -c '/bin/busybox sleep 100 & echo started'
expect no_command_runs_guest_shell 127 "cannot run '/bin/sh'" -- "$ptvm" proot $B -r "$root"
expect missing_rootfs 2 "rootfs /nonexistent: No such file or directory" -- \
  "$ptvm" proot $B -r /nonexistent true
expect file_as_rootfs 2 "not a directory" -- "$ptvm" proot $B -r "$root/etc/marker" true
expect missing_binding 2 "host path /nonexistent: No such file or directory" -- \
  "$ptvm" proot $B -r "$root" -b /nonexistent:/x /bin/busybox true
expect relative_guest_binding 2 "the guest path must be absolute" -- \
  "$ptvm" proot $B -r "$root" -b /tmp:relative /bin/busybox true
expect missing_program 127 "cannot run '/bin/nothere' in the guest" -- \
  "$ptvm" proot $B -r "$root" /bin/nothere
# --backend=auto: in-process, but for what the runtime cannot host (a setuid program); -v says so.
case $backend in
  ptrace) says="backend ptrace for /bin/busybox: --backend=ptrace" ;;
  *) says="backend inprocess for /bin/busybox" ;;
esac
expect backend_said 0 "$says" -- "$ptvm" proot $B -v 1 -r "$root" /bin/busybox true
mkdir "$root/setuid"
cp "$root/bin/busybox" "$root/setuid/true"  # busybox's applet by its name
chmod u+s "$root/setuid/true"
case $backend in
  inprocess) expect setuid_refused 126 "/setuid/true is setuid" -- \
    "$ptvm" proot $B -r "$root" /setuid/true ;;
  *) expect setuid_on_ptrace 0 "backend ptrace for /setuid/true" -- \
    "$ptvm" proot $B -v 1 -r "$root" /setuid/true ;;
esac
expect cwd_fallback 0 "warning: cannot enter the guest's directory /nothere.*
/" -- "$ptvm" proot $B -r "$root" -w /nothere /bin/busybox pwd
exit $failed
