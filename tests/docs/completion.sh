#!/usr/bin/env bash
# completion.sh SOURCE_DIR PTVM: completions/ptvm.bash, sourced in a plain bash (no
# bash-completion), offers the subcommands, each one's options (the same as its --help lists) and
# their values, as bash would show them for a command line typed up to its end.
set -u
src=$(readlink -f "$1") ptvm=$2
source "$src/tests/vm/lib.sh"
source "$src/completions/ptvm.bash"

# What completing LINE (the cursor at its end) offers, one per line, sorted. COMP_WORDS is split
# as bash splits it: at blanks, and at `=` and `:` (COMP_WORDBREAKS), which are words of their own.
offers() {
  COMP_LINE=$1 COMP_POINT=${#1}
  COMP_WORDS=()
  local word
  local -a blank_words
  read -ra blank_words <<< "$1"
  [[ $1 == *' ' ]] && blank_words+=("")
  for word in "${blank_words[@]}"; do
    while [[ $word =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
      [[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
      COMP_WORDS+=("${BASH_REMATCH[2]}")
      word=${BASH_REMATCH[3]}
    done
    [[ -n $word || ${#COMP_WORDS[@]} -eq 0 || $1 == *' ' ]] && COMP_WORDS+=("$word")
  done
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _ptvm 2> /dev/null
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
offers_exactly() {  # NAME LINE WANTED...: LINE offers exactly WANTED
  local name=$1 line=$2
  shift 2
  local got want
  got=$(offers "$line")
  want=$(printf '%s\n' "$@" | sort)
  if [ "$got" = "$want" ]; then
    echo "ok   $name"
  else
    echo "FAIL $name: '$line' offers [${got//$'\n'/ }], want [${want//$'\n'/ }]"
    failed=1
  fi
}
offers_some() {  # NAME LINE WANTED...: LINE offers at least WANTED
  local name=$1 line=$2 w
  shift 2
  local got
  got=$(offers "$line")
  for w in "$@"; do
    if ! grep -qxF -- "$w" <<< "$got"; then
      echo "FAIL $name: '$line' offers [${got//$'\n'/ }], without '$w'"
      failed=1
      return
    fi
  done
  echo "ok   $name"
}

offers_exactly "the subcommands" "ptvm " run trace proot fakeroot check-module features help
offers_exactly "ptvm tr<TAB>" "ptvm tr" trace
offers_exactly "after ptvm's own -v" "ptvm -v pr" proot
offers_exactly "ptvm's own options" "ptvm --v" --version --verbose
offers_exactly "a trace option" "ptvm trace --str" --string-limit
offers_exactly "the --no-s options" "ptvm run --no-s" --no-seccomp --no-sud --no-syscall-info
offers_exactly "a proot option" "ptvm proot --kil" --kill-on-exit
offers_exactly "a fakeroot option" "ptvm fakeroot --unk" --unknown-is-real
offers_exactly "features" "ptvm features --" --help --json
offers_exactly "help topics" "ptvm help p" proot ptrace-multi
offers_exactly "check-module FILE" "ptvm check-module $src/README.m" "$src/README.md"
offers_exactly "check-module takes one file" "ptvm check-module $src/README.md $src/README.m"
offers_exactly "--backend VALUE" "ptvm trace --backend " auto inprocess ptrace
offers_exactly "--backend=VALUE" "ptvm trace --backend=in" inprocess
offers_exactly "--backend= with nothing typed" "ptvm run --backend=" auto inprocess ptrace
offers_exactly "--mem after other options" "ptvm run -e inject=getpid:error=EIO --mem p" procmem peek
offers_exactly "trace -e" "ptvm trace -e " trace= inject=
offers_exactly "run -e: inject only" "ptvm run -e " inject=
offers_exactly "a class of -e trace=" "ptvm trace -e trace=%fi" %file
offers_exactly "the next class of a set" "ptvm trace -e trace=%file,%pro" %file,%process
offers_exactly "a negated set" "ptvm trace --trace=!%ne" '!%net' '!%network'
offers_exactly "an inject key" "ptvm trace -e inject=openat:er" error=
offers_some "an inject errno" "ptvm run --inject openat:error=EAC" EACCES
offers_some "-o FILE" "ptvm trace -o $src/man/ptvm-tr" "$src/man/ptvm-trace.1.scd"
offers_exactly "-r DIR: directories" "ptvm proot -r $src/ma" "$src/man"
offers_exactly "fakeroot -s FILE" "ptvm fakeroot -s $src/README.m" "$src/README.md"
offers_some "a program after --" "ptvm run -- ech" echo
offers_some "a program after the options" "ptvm trace -f -s 64 -e trace=%file ech" echo
offers_exactly "the program's arguments are not ptvm's options" "ptvm trace ls --js"

# With bash-completion loaded, the program's words go to the program's own completion (here
# ptvm's again, through bash-completion's command offset).
bash_completion=/usr/share/bash-completion/bash_completion
if [ -r "$bash_completion" ]; then
  got=$(set +u; source "$bash_completion" 2> /dev/null; source "$src/completions/ptvm.bash"
        complete -F _ptvm ptvm; offers "ptvm run -- ptvm tr")
  check "with bash-completion, the program's own completion" [ "$got" = trace ]
else
  echo "skip with bash-completion (not installed)"
fi

# The completion knows every option --help lists, and no other (-tt and -ttt are -t given again).
help_options() {
  "$ptvm" "$@" --help | awk '/^  -/ { print $1 }' | tr ',' '\n' | sort
}
for sub in run trace proot fakeroot check-module features; do
  got=$(offers "ptvm $sub -" | grep -vxE -- '-tt|-ttt')
  want=$(help_options "$sub")
  if [ "$got" = "$want" ]; then
    echo "ok   ptvm $sub: the options of --help"
  else
    echo "FAIL ptvm $sub: the completion and --help differ:"
    diff <(echo "$want") <(echo "$got")
    failed=1
  fi
done
exit $failed
