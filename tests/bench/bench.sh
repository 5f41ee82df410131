#!/usr/bin/env bash
# Explorer benchmark: a textbook model scaled up, at 1 and 2 threads (or the
# thread counts in $THREADS). Prints states, states/s, bytes per state (peak
# RSS and store) and the speed-up over one thread. Not a test: timings vary
# with the machine; the steal column says how much of the CPU time the
# hypervisor gave to other guests during the run (compare only runs with
# little). The steps run as check runs them by default (native when a C
# compiler is found; ENGINE=interpreter or native to choose); the seconds are
# the search's, without a compile. Usage: tests/bench/bench.sh [path/to/tlbcheck]
#   MODELS="examples/textbook/ticket_lock.tlb:cpus=4 ..." THREADS="1 2 4" ENGINE=native tests/bench/bench.sh
set -euo pipefail
. "$(dirname "$0")/steal.sh"
cd "$(dirname "$0")/../.."
bin=${1:-build/tlbcheck}
models=${MODELS:-"examples/textbook/ticket_lock.tlb:cpus=4 examples/textbook/ticket_lock.tlb:cpus=5 examples/textbook/ticket_lock.tlb:cpus=6"}
threads=${THREADS:-"1 2"}
engine=()
[ -n "${ENGINE:-}" ] && engine=(--engine "$ENGINE")

field() { sed -n "s/^  \"$1\": \([0-9.e+-]*\),\{0,1\}$/\1/p" "$2" | head -n 1; }

printf '%-34s %7s %12s %13s %9s %12s %10s %10s %8s %6s\n' model threads states transitions seconds states/s rss/state store/state speed-up steal
for m in $models; do
  file=${m%%:*}
  defines=()
  if [[ "$m" == *:* ]]; then
    IFS=',' read -ra opts <<<"${m#*:}"
    for o in "${opts[@]}"; do defines+=(-D "$o"); done
  fi
  base=""
  for t in $threads; do
    out=$(mktemp)
    read -r t0 s0 < <(cpu_ticks)
    set +e
    "$bin" check "$file" "${defines[@]}" "${engine[@]}" --threads "$t" --format json --quiet >"$out"
    status=$?
    set -e
    read -r t1 s1 < <(cpu_ticks)
    if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then echo "tlbcheck exited $status on $m" >&2; exit 1; fi
    states=$(field states "$out"); trans=$(field transitions "$out"); secs=$(field seconds "$out")
    rss=$(field peak_rss_bytes "$out"); store=$(field store_bytes "$out")
    rate=$(awk -v s="$states" -v t="$secs" 'BEGIN { printf "%.0f", (t > 0 ? s / t : 0) }')
    [ -z "$base" ] && base=$secs
    speed=$(awk -v b="$base" -v t="$secs" 'BEGIN { printf "%.2fx", (t > 0 ? b / t : 0) }')
    printf '%-34s %7s %12s %13s %9.3f %12s %10.1f %10.1f %8s %5s%%\n' "$(basename "$file" .tlb) ${m#*:}" "$t" "$states" "$trans" "$secs" "$rate" \
      "$(awk -v r="$rss" -v s="$states" 'BEGIN { print r / s }')" "$(awk -v r="$store" -v s="$states" 'BEGIN { print r / s }')" "$speed" \
      "$(steal_percent "$t0" "$s0" "$t1" "$s1")"
    rm -f "$out"
  done
done
