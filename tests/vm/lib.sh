# Sourced by the end-to-end test scripts: named checks, a failure count in $failed.
#   check NAME CMD...                        passes when CMD succeeds
#   expect NAME STATUS REGEX -- CMD...       passes when CMD exits STATUS, its output matching REGEX
failed=0
check() {
  local name=$1
  shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; failed=1; fi
}
expect() {
  local name=$1 want_status=$2 want=$3
  shift 4
  local out status
  out=$(timeout 30 "$@" 2>&1)
  status=$?
  if [ "$status" = "$want_status" ] && [[ $out =~ $want ]]; then
    echo "ok   $name"
  else
    echo "FAIL $name: status $status (want $want_status), output: $out"
    failed=1
  fi
}
