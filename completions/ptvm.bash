# bash completion for ptvm(1): the subcommands, each one's options and their values, then the
# program and its arguments (with the program's own completion where bash-completion is loaded).
# Self-contained: works with or without the bash-completion package.
# shellcheck disable=SC2086  # the option lists ($flags, $args) are split into words on purpose

# The options of subcommand $1, as `ptvm $1 --help` lists them: `flags` take no value, `args` do.
_ptvm_options() {
  local vm_flags='-h --help --no-seccomp --naive --no-colocation --no-trampoline
                  --no-syscall-info --stats --no-rewrite --no-sud'
  local vm_args='--backend --mem --module --redirect --intercept --rewrite-after
                --kernel-release'
  case $1 in
    run)
      flags=$vm_flags
      args="$vm_args -e --inject --rootfs --bind --cwd" ;;
    trace)
      flags="$vm_flags -t -tt -ttt -T -c -f --json"
      args="$vm_args -e --trace --inject -o --output -s --string-limit -p --pid --rootfs --bind
            --cwd" ;;
    proot)
      flags="$vm_flags -0 --root-id --kill-on-exit"
      args="$vm_args -i --change-id -R -S -v --verbose -r --rootfs -b -m --bind --mount -w --cwd
            --pwd -q --qemu -k" ;;
    fakeroot)
      flags="$vm_flags -u --unknown-is-real"
      args="$vm_args -s --save-file -i --load-file --rootfs --bind --cwd" ;;
    features)
      flags='-h --help --json' args='' ;;
    check-module)
      flags='-h --help' args='' ;;
    help)
      flags='-h --help' args='' ;;
    *)
      flags='' args='' ;;
  esac
}

# words/cword/starts: COMP_WORDS with the pieces that bash split at `=` and `:` glued back
# (`--backend=ptrace`, `inject=openat:error=EIO` are one word to ptvm); starts[i] is the index in
# COMP_WORDS where word i begins. Pieces are glued when COMP_LINE shows no blank between them.
_ptvm_words() {
  words=() starts=() cword=0
  local line=${COMP_LINE-} i token blank
  for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
    token=${COMP_WORDS[i]}
    blank=1
    if [[ -n ${COMP_LINE+set} ]]; then
      if [[ $line == [[:space:]]* ]]; then
        line=${line#"${line%%[![:space:]]*}"}
      elif ((i > 0)); then
        blank=0
      fi
      line=${line#"$token"}
    fi
    if ((blank)); then
      words+=("$token")
      starts+=("$i")
    else
      words[-1]+=$token
    fi
    ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
  done
}

# Completes the word being typed (`cur`, whole) with those of the candidates it begins; readline
# replaces only the text after the last `=` or `:`, so that much (`cut`) is taken off each.
_ptvm_reply() {
  local candidate
  COMPREPLY=()
  for candidate in "$@"; do
    [[ $candidate == "$cur"* ]] && COMPREPLY+=("${candidate#"$cut"}")
  done
}

_ptvm_files() {
  mapfile -t COMPREPLY < <(compgen "${1:--f}" -- "${cur#"$cut"}")
  compopt -o filenames 2>/dev/null
}

# A system call set (SYSTEM CALL SETS in ptvm-trace(1)): its last item, after `=`, `,` or `!`.
_ptvm_set() {
  local head=${cur%"${cur##*[=,!]}"} class
  local -a candidates=()
  for class in %file %process %network %net %signal %memory %desc %ipc %creds %clock %pure \
               %stat %lstat %fstat %%stat %statfs %fstatfs %%statfs all none; do
    candidates+=("$head$class")
  done
  _ptvm_reply "${candidates[@]}"
}

# A fault injection rule, `cur` ending in SET:KEY=VALUE:... (FAULT INJECTION in ptvm-trace(1)).
_ptvm_inject() {
  local rule=$1  # the rule typed so far
  if [[ $rule != *:* ]]; then
    _ptvm_set
    return
  fi
  local head=${cur%"${cur##*:}"} last=${cur##*:}
  case $last in
    error=*)
      _ptvm_reply "${head}error="{EACCES,EAGAIN,EBADF,EEXIST,EINTR,EINVAL,EIO,ENOENT,ENOMEM,ENOSPC,ENOSYS,EPERM,EROFS} ;;
    signal=*)
      local -a signals
      mapfile -t signals < <(compgen -A signal SIG)
      _ptvm_reply "${signals[@]/#/${head}signal=}" ;;
    *=*) ;;
    *)
      _ptvm_reply "$head"{error=,retval=,signal=,delay_enter=,delay_exit=,when=}
      compopt -o nospace 2>/dev/null ;;
  esac
}

# The value of option $1 of subcommand `sub`: `cur` is `$2$3`, $2 being `--option=` or empty.
_ptvm_value() {
  local option=$1 value=$3
  case $sub:$option in
    *:--backend) _ptvm_reply "$2"{auto,inprocess,ptrace} ;;
    *:--mem) _ptvm_reply "$2"{auto,vm,procmem,peek} ;;
    *:--trace | *:--intercept) _ptvm_set ;;
    *:--inject) _ptvm_inject "$value" ;;
    trace:-e | run:-e)
      case $value in
        trace=*) _ptvm_set ;;
        inject=*) _ptvm_inject "${value#inject=}" ;;
        *)
          if [[ $sub == trace ]]; then _ptvm_reply trace= inject=; else _ptvm_reply inject=; fi
          compopt -o nospace 2>/dev/null ;;
      esac ;;
    *:--rootfs | proot:-r | proot:-R | proot:-S | *:--cwd | proot:-w | proot:--pwd) _ptvm_files -d ;;
    *:--module | *:--bind | proot:-b | proot:-m | proot:--mount | *:--redirect | trace:-o | \
      trace:--output | fakeroot:-s | fakeroot:--save-file | fakeroot:-i | fakeroot:--load-file)
      _ptvm_files -f ;;
    trace:-p | trace:--pid)
      local -a pids=(/proc/[0-9]*)
      _ptvm_reply "${pids[@]#/proc/}" ;;
  esac
}

# The program, from word $1 on: its name, then its own completion.
_ptvm_program() {
  local start=$1
  if declare -F _comp_command_offset >/dev/null; then  # bash-completion 2.12 and later
    _comp_command_offset "${starts[start]}"
  elif declare -F _command_offset >/dev/null; then
    _command_offset "${starts[start]}"
  elif ((cword == start)) && [[ $cur != */* ]]; then
    mapfile -t COMPREPLY < <(compgen -c -- "$cur")
  else
    _ptvm_files -f
  fi
}

_ptvm() {
  local -a words starts
  local cword
  _ptvm_words
  local cur=${words[cword]} token=${COMP_WORDS[COMP_CWORD]} cut=''
  # What readline replaces is the last piece of the word (nothing if it ends in `=` or `:`).
  if [[ $token == *[!=:]* ]]; then cut=${cur%"$token"}; else cut=$cur; fi

  local i sub='' subi=0
  for ((i = 1; i < cword; i++)); do
    if [[ ${words[i]} != -* ]]; then  # ptvm's own options (-v, --verbose) take no value
      sub=${words[i]} subi=$i
      break
    fi
  done
  if [[ -z $sub ]]; then
    if [[ $cur == -* ]]; then
      _ptvm_reply -h --help --version -v --verbose
    else
      _ptvm_reply run trace proot fakeroot check-module features help
    fi
    return
  fi

  local flags args
  _ptvm_options "$sub"
  case $sub in
    run | trace | proot | fakeroot) ;;
    help)
      if [[ $cur == -* ]]; then
        _ptvm_reply $flags
      elif ((cword == subi + 1)); then
        _ptvm_reply run trace proot fakeroot check-module features help self ptrace-multi
      fi
      return ;;
    check-module)  # one module's file
      if [[ $cur == -* ]]; then
        _ptvm_reply $flags
      elif ((cword == subi + 1)); then
        _ptvm_files -f
      fi
      return ;;
    *)
      _ptvm_reply $flags
      return ;;
  esac

  # The options before the word being typed; the program starts after `--`, or at the first word
  # that is neither an option nor an option's value.
  local word
  for ((i = subi + 1; i < cword; i++)); do
    word=${words[i]}
    if [[ $word == -- ]]; then
      _ptvm_program $((i + 1))
      return
    elif [[ $word != -* ]]; then
      _ptvm_program "$i"
      return
    elif [[ $word != *=* && " ${args//$'\n'/ } " == *" $word "* ]]; then
      if ((i + 1 == cword)); then
        _ptvm_value "$word" "" "$cur"
        return
      fi
      ((i++))
    fi
  done

  if [[ $cur == -*=* && " ${args//$'\n'/ } " == *" ${cur%%=*} "* ]]; then
    _ptvm_value "${cur%%=*}" "${cur%%=*}=" "${cur#*=}"
  elif [[ $cur == -* ]]; then
    _ptvm_reply $flags $args
  else
    _ptvm_program "$cword"
  fi
}

complete -F _ptvm ptvm
