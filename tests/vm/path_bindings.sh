#!/usr/bin/env bash
# path_bindings.sh PTVM BACKEND: bindings and links under `ptvm proot` on the host's tree, as a
# real bind mount shows them.
#   - A link reached through the rootfs whose target is a binding's guest path enters the
#     binding, also when the link's host file lies inside the binding's host directory (that
#     link is not in the binding: PRoot's rule for links inside a binding does not apply).
#   - A link reached through a binding with an absolute target in the same binding's host
#     directory names the target through the deepest binding of the target (PRoot's rule).
#   - A directory with two guest names (two bindings of one host directory) is named as the
#     process entered it (-w, chdir; a child inherits it), as the kernel names a bind mount's
#     directory by the mount it was reached through: getcwd and `..` agree with it.
# And the program's start, as PRoot's (execvp): a file the kernel will not run (ENOEXEC) is run by
# the guest's /bin/sh; without one, the kernel's reason. A dynamic program in a rootfs maps the
# rootfs's loader and libc (its /proc/self/maps, whose paths stay the host's, says which), and
# sees its guest name in /proc/self/exe and, in-process, in AT_EXECFN.
set -u
ptvm=$1 backend=$2
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/a/b/m" "$w/x"
echo inside > "$w/x/F"
ln -s "$w/x/F" "$w/x/L"
ln -s "$w/a/b/m" "$w/a/b/L"
proot=("$ptvm" proot "--backend=$backend")

# mount --bind $w/a $w/a/b/m; ls $w/a/b/L/ lists $w/a: "b".
expect link_through_rootfs_into_binding 0 "^b$" -- \
  "${proot[@]}" -b "$w/a:$w/a/b/m" ls "$w/a/b/L/"
expect link_through_rootfs_into_binding_stat 0 "^directory$" -- \
  "${proot[@]}" -b "$w/a:$w/a/b/m" stat -L -c %F "$w/a/b/L"
expect link_inside_binding_read 0 "^inside$" -- "${proot[@]}" -b "$w/x:/ced" cat /ced/L
expect link_inside_binding_text 0 "^/ced/F$" -- "${proot[@]}" -b "$w/x:/ced" readlink /ced/L
expect link_inside_second_binding_of_one_dir 0 "^/a/F$" -- \
  "${proot[@]}" -b "$w/x:/a" -b "$w/x:/b" readlink /a/L
# Reached through a binding of the whole host tree, the link is $w/x's: named through the deepest
# binding of its target; a target outside $w/x is the guest's own path.
ln -s /ced/G "$w/x/M"
expect link_in_deepest_binding 0 "^/ced/F$" -- \
  "${proot[@]}" -b /:/host -b "$w/x:/ced" readlink "/host$w/x/L"
expect link_outside_deepest_binding 0 "^/ced/G$" -- \
  "${proot[@]}" -b /:/host -b "$w/x:/ced" readlink "/host$w/x/M"

c=$w/cwdroot
mkdir -p "$c/bin" "$c/x" "$c/y" "$w/shared"
touch "$c/y/ymark"
cp /bin/busybox "$c/bin/"
bb=/bin/busybox
for order in "/a /b" "/b /a"; do
  set -- $order
  for at in /a /b; do
    expect "cwd_named_as_given_${at#/}_binds_${1#/}${2#/}" 0 "^$at$" -- \
      "${proot[@]}" -r "$c" -b "$w/shared:$1" -b "$w/shared:$2" -w "$at" $bb pwd -P
  done
done
expect cwd_named_after_chdir 0 "^/b
/a
/b$" -- "${proot[@]}" -r "$c" -b "$w/shared:/b" -b "$w/shared:/a" -w /a $bb sh -c \
  "cd /b; $bb pwd -P; cd /a; $bb pwd -P; cd /b; $bb sh -c '$bb pwd -P'"
expect cwd_dotdot_as_entered 0 "^/x$" -- \
  "${proot[@]}" -r "$c" -b "$w/shared:/x/a" -b "$w/shared:/y/b" -w /x/a $bb sh -c "cd ..; $bb pwd -P"
expect cwd_relative_dotdot_as_entered 0 "^ymark$" -- \
  "${proot[@]}" -r "$c" -b "$w/shared:/y/b" -b "$w/shared:/x/a" -w /y/b $bb ls ..

r=$w/root
mkdir -p "$r/bin"
cp /bin/busybox "$r/bin/"
ln -s busybox "$r/bin/sh"
printf 'echo no line: $0 "$@"\n' > "$r/bin/plain"
printf '#!   \necho blank line: $0 "$@"\n' > "$r/bin/blank"
printf '#!\necho bare\n' > "$r/bin/bare"
# busybox sh says where it runs from: the guest's /bin/sh, seen as /bin/busybox.
printf 'echo $(/bin/busybox readlink /proc/$$/exe)\n' > "$r/bin/which_sh"
chmod 755 "$r/bin/plain" "$r/bin/blank" "$r/bin/bare" "$r/bin/which_sh"
expect enoexec_runs_guest_shell 0 "^no line: /bin/plain a b$" -- \
  "${proot[@]}" -r "$r" /bin/plain a b
expect enoexec_found_on_path 0 "^no line: /bin/plain$" -- \
  env PATH=/bin "${proot[@]}" -r "$r" plain
expect enoexec_blank_interpreter 0 "^blank line: /bin/blank x$" -- \
  "${proot[@]}" -r "$r" /bin/blank x
expect enoexec_bare_line 0 "^bare$" -- "${proot[@]}" -r "$r" /bin/bare
expect enoexec_shell_is_the_guests 0 "^/bin/busybox$" -- \
  "${proot[@]}" -r "$r" -b /proc /bin/which_sh
rm "$r/bin/sh"
expect enoexec_without_guest_shell 126 "cannot run '/bin/plain': ENOEXEC" -- \
  "${proot[@]}" -r "$r" /bin/plain

# A dynamic program and its libraries (ldd's) copied into a tree of its own.
d=$w/dyn
mkdir -p "$d/bin" "$d/proc"
cp /bin/cat /bin/readlink "$d/bin/"
for lib in $( (ldd /bin/cat; ldd /bin/readlink) | grep -o '/[^ ]*' | sort -u); do
  mkdir -p "$d$(dirname "$lib")"
  cp "$lib" "$d$lib"
done
expect dynamic_maps_guest_libc 0 "$d/[^ ]*libc\.so" -- \
  "${proot[@]}" -r "$d" -b /proc /bin/cat /proc/self/maps
expect dynamic_maps_guest_loader 0 "$d/[^ ]*ld-linux" -- \
  "${proot[@]}" -r "$d" -b /proc /bin/cat /proc/self/maps
expect dynamic_self_exe 0 "^/bin/readlink$" -- \
  "${proot[@]}" -r "$d" -b /proc /bin/readlink /proc/self/exe
if [ "$backend" = inprocess ]; then  # the ptrace backend runs the guest's loader: its AT_EXECFN
  expect dynamic_execfn 0 "AT_EXECFN: +/bin/cat" -- \
    env LD_SHOW_AUXV=1 "${proot[@]}" -r "$d" -b /dev /bin/cat /dev/null
fi
exit $failed
