# Sourced by the workload benchmarks: every command of cmds[] once per round, ROUNDS rounds
# round-robin (a machine whose speed drifts weighs on every command alike, not on the ones that
# ran during a slow minute); the wall times go to runs[ROW], the CPU time of the command and all
# it started (user + system, from the shell's `times`) to cpus[ROW]; stat_of ROW min|median
# [cpus] reads them back; print_table TITLE RATIO_HEADER prints labels[] with best, median and
# the ratio of the best to the best of row floors[ROW] (row 0 when there is no floors[]), then
# the same for the CPU time. On a busy machine the CPU times hold up where the wall times do
# not (a command waiting for a CPU is not charged); a ptrace tracer's waits for its tracee are
# in the wall time only.
declare -A runs cpus
times_file=$(mktemp)
# User + system seconds of this shell's children so far: `times` must run in this very shell (a
# command substitution is a new process, without children), the parsing may not.
children_cpu_read() {
  awk 'NR == 2 {
    split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' \
    "$times_file"
}
run_rounds() {
  local r i s e c0 c1
  for ((r = 0; r < ROUNDS; r++)); do
    for i in "${!cmds[@]}"; do
      times > "$times_file"
      c0=$(children_cpu_read)
      s=$(date +%s.%N)
      ${cmds[$i]} > /dev/null 2>&1
      e=$(date +%s.%N)
      times > "$times_file"
      c1=$(children_cpu_read)
      runs[$i]+="$(echo "$e - $s" | bc -l) "
      cpus[$i]+="$(echo "$c1 - $c0" | bc -l) "
    done
  done
}
stat_of() {  # stat_of ROW min|median [runs|cpus]
  local -n table=${3:-runs}
  tr ' ' '\n' <<< "${table[$1]}" | grep . | sort -g |
    awk -v w="$2" '{v[NR] = $1} END {print (w == "min") ? v[1] : v[int((NR + 1) / 2)]}'
}
print_table() {  # print_table TITLE RATIO_HEADER
  local i t c floor
  printf "%-42s %8s %8s %9s %8s %9s\n" "$1" "best s" "median s" "$2" "cpu s" "(cpu)"
  for i in "${!labels[@]}"; do
    t=$(stat_of "$i" min)
    c=$(stat_of "$i" min cpus)
    floor=${floors[$i]:-0}
    printf "%-42s %8.3f %8.3f %9.2f %8.3f %9.2f\n" "${labels[$i]}" "$t" "$(stat_of "$i" median)" \
      "$(echo "$t / $(stat_of "$floor" min)" | bc -l)" "$c" \
      "$(echo "$c / $(stat_of "$floor" min cpus)" | bc -l)"
  done
}
