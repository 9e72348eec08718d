# Sourced by the workload benchmarks: every command of cmds[] once per round, ROUNDS rounds
# round-robin (a machine whose speed drifts weighs on every command alike, not on the ones that
# ran during a slow minute); the wall times go to runs[ROW], and stat_of ROW min|median reads
# them back; print_table TITLE RATIO_HEADER prints labels[] with best, median and the ratio of
# the best to the best of row floors[ROW] (row 0 when there is no floors[]).
declare -A runs
run_rounds() {
  local r i s e
  for ((r = 0; r < ROUNDS; r++)); do
    for i in "${!cmds[@]}"; do
      s=$(date +%s.%N)
      ${cmds[$i]} > /dev/null 2>&1
      e=$(date +%s.%N)
      runs[$i]+="$(echo "$e - $s" | bc -l) "
    done
  done
}
stat_of() {  # stat_of ROW min|median
  tr ' ' '\n' <<< "${runs[$1]}" | grep . | sort -g |
    awk -v w="$2" '{v[NR] = $1} END {print (w == "min") ? v[1] : v[int((NR + 1) / 2)]}'
}
print_table() {  # print_table TITLE RATIO_HEADER
  local i t floor
  printf "%-42s %8s %8s %9s\n" "$1" "best s" "median s" "$2"
  for i in "${!labels[@]}"; do
    t=$(stat_of "$i" min)
    floor=${floors[$i]:-0}
    printf "%-42s %8.3f %8.3f %9.2f\n" "${labels[$i]}" "$t" "$(stat_of "$i" median)" \
      "$(echo "$t / $(stat_of "$floor" min)" | bc -l)"
  done
}
