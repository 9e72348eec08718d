# Sourced by the workload benchmarks: every command of cmds[] once per round, ROUNDS rounds
# round-robin (a machine whose speed drifts weighs on every command alike, not on the ones that
# ran during a slow minute); the wall times go to runs[ROW], and stat_of ROW min|median reads
# them back.
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
