#!/usr/bin/env bash
# vms_use_api.sh SOURCE_DIR BUILD_DIR: the built-in VMs are written against the public API only.
# Installs the build into a temporary prefix, then every #include of every file under vms/ must
# name either a header installed under <prefix>/include/ptvm (the module API: "core/module.h" is
# <prefix>/include/ptvm/core/module.h, <ptvm/module.h> is <prefix>/include/ptvm/module.h) or a
# file of that VM's own folder (vms/trace/... from vms/trace). A system header (<cstdint>,
# <sys/stat.h>) is neither and is fine; a project header that is not installed (mem/, backend/,
# runtime/, cli/, another VM's) fails, named with the file and line that includes it. The
# installed headers themselves include nothing but installed headers.
set -u
source "$(dirname "$0")/lib.sh"
api=$prefix/include/ptvm
check "the module API is installed" test -f "$api/module.h" -a -f "$api/core/module.h"

# The project's own top-level folders: an include naming one of them is the project's header.
project_dirs=$(cd "$src" && find . -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n')
is_project() {  # INCLUDE: whether it names a file of the project (not a system header)
  local top=${1%%/*}
  [ "$top" = ptvm ] || grep -qxF -- "$top" <<< "$project_dirs"
}

# FILE INCLUDE OWN_DIR: whether FILE's #include of INCLUDE is allowed (OWN_DIR: the folder whose
# files it may include besides the API, relative to SOURCE_DIR; empty: none).
allowed() {
  local file=$1 inc=$2 own=$3
  [ -f "$api/$inc" ] && return 0                        # "core/x.h": include/ptvm/core/x.h
  [ "${inc%%/*}" = ptvm ] && [ -f "$prefix/include/$inc" ] && return 0  # <ptvm/x.h>
  if [ -n "$own" ]; then
    [[ $inc == "$own"/* && -f $src/$inc ]] && return 0  # "vms/trace/decode.h"
    local here
    here=$(dirname "$file")
    [[ -f $here/$inc && $(realpath -m "$here/$inc") == "$src/$own"/* ]] && return 0
  fi
  return 1
}

# Prints "FILE:LINE: INCLUDE" for every include of FILE that is not allowed.
bad_includes() {  # FILE OWN_DIR SHOWN_AS
  local file=$1 own=$2 shown=$3 line n=0 inc quoted
  while IFS= read -r line; do
    n=$((n + 1))
    if [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
      inc=${BASH_REMATCH[1]} quoted=1
    elif [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
      inc=${BASH_REMATCH[1]} quoted=0
      is_project "$inc" || continue  # a system header
    else
      continue
    fi
    allowed "$file" "$inc" "$own" && continue
    if ((quoted)) || is_project "$inc"; then echo "$shown:$n: $inc"; fi
  done < "$file"
}

# The VMs.
files=0 bad=""
while IFS= read -r -d '' file; do
  rel=${file#"$src"/}              # vms/trace/decode.cpp
  own=$(cut -d/ -f1-2 <<< "$rel")  # vms/trace
  files=$((files + 1))
  bad+=$(bad_includes "$file" "$own" "$rel")$'\n'
done < <(find "$src/vms" -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.c' \) -print0 | sort -z)
bad=$(sed '/^$/d' <<< "$bad")
check "vms/ has source files ($files)" [ "$files" -gt 10 ]
check "every include of vms/ is the installed API's or the VM's own" [ -z "$bad" ]
[ -n "$bad" ] && sed 's/^/    not public, not the VM'\''s own: /' <<< "$bad"

# The installed headers themselves: what they include is installed too.
bad=""
while IFS= read -r -d '' file; do
  bad+=$(bad_includes "$file" "" "${file#"$prefix"/}")$'\n'
done < <(find "$api" -type f -name '*.h' -print0 | sort -z)
bad=$(sed '/^$/d' <<< "$bad")
check "the installed headers include only installed headers" [ -z "$bad" ]
[ -n "$bad" ] && sed 's/^/    not installed: /' <<< "$bad"

# The check itself finds what it must (a private header, another VM's, a missing one).
mkdir -p "$work/vms/demo"
printf '#include <cstdint>\n#include "core/module.h"\n#include "vms/demo/own.h"\n#include "mem/remote_memory.h"\n#include "vms/path/resolve.h"\n#include <backend/run.h>\n' \
  > "$work/vms/demo/demo.cpp"
touch "$work/vms/demo/own.h"
got=$(src=$work bad_includes "$work/vms/demo/demo.cpp" vms/demo demo.cpp)
want=$'demo.cpp:4: mem/remote_memory.h\ndemo.cpp:5: vms/path/resolve.h\ndemo.cpp:6: backend/run.h'
check "the scan names a private header, another VM's header and a backend's" [ "$got" = "$want" ]
[ "$got" = "$want" ] || echo "$got"
exit $failed
