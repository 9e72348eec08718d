#!/usr/bin/env bash
# path_bindings.sh PTVM BACKEND: bindings and links under `ptvm proot` on the host's tree, as a
# real bind mount shows them.
#   - A link reached through the rootfs whose target is a binding's guest path enters the
#     binding, also when the link's host file lies inside the binding's host directory (that
#     link is not in the binding: PRoot's rule for links inside a binding does not apply).
#   - A link reached through a binding with an absolute target in the same binding's host
#     directory names the target through the binding (PRoot's rule).
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
exit $failed
