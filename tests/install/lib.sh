# Sourced by the install tests (install.sh, vms_use_api.sh) with SOURCE_DIR BUILD_DIR as $1 $2:
# tests/vm/lib.sh's checks, and the build installed into a fresh temporary prefix ($prefix, in
# $work, removed at exit). A failed install ends the test with its log.
src=$(readlink -f "$1") build=$(readlink -f "$2")
source "$src/tests/vm/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
if ! cmake --install "$build" --prefix "$prefix" > "$work/install.log" 2>&1; then
  echo "FAIL cmake --install into a fresh prefix:"; cat "$work/install.log"
  exit 1
fi
