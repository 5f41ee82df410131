# Sourced by the benchmark scripts: how much CPU time the hypervisor gave to
# other guests while a command ran. On a shared VM a run with more than a
# few percent stolen is not comparable with one without.

cpu_ticks() {  # all CPUs' ticks so far and those stolen ("0 0" without /proc/stat)
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; ++i) t += $i; print t, $9; found = 1; exit } END { if (!found) print 0, 0 }' /proc/stat 2>/dev/null || echo "0 0"
}

steal_percent() {  # steal_percent T0 S0 T1 S1: the stolen share between two cpu_ticks readings
  awk -v t=$(($3 - $1)) -v s=$(($4 - $2)) 'BEGIN { printf "%.0f", (t > 0 ? 100 * s / t : 0) }'
}
