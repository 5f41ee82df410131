#!/usr/bin/env bash
# tlbcheck against SPIN on the same protocol: shared/bench/shootdown.pml and its
# twin examples/bench/shootdown.tlb (same step granularity). Never part of CI.
#
# For each N it runs SPIN 6.5.2 (exact storage, -DSAFETY, with and without
# -DNOREDUCE; -w26 from N=10 on so the hash table is not overloaded) and
# tlbcheck (steps compiled, --engine native, and interpreted; 1 and 2 threads;
# full and --compact storage), and prints one table: states, transitions,
# seconds, states/s, peak RSS, bytes/state, tlbcheck's time relative to
# SPIN -DNOREDUCE and where tlbcheck's time went. Both tools' times leave out compiling the model (spin -a and
# gcc for pan.c; the C of tlbcheck's native steps): the "compile" rows give those.
# Then the buggy variant (-DBUGGY / -D buggy=true): time to the first
# counterexample and its length.
#
#   tests/bench/compare_spin.sh [path/to/tlbcheck]
#   NS="7 8 9 10" THREADS="1 2" ENGINES="native interpreter" STORES="full compact"
#   SPIN_MODES="NOREDUCE POR" REPEAT=1 by default (REPEAT=3: each tlbcheck row
#   is the median of three runs, the thread counts taking turns)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-build/tlbcheck}")
pml=$(realpath "${PML:-../shared/bench/shootdown.pml}")
twin=$(realpath examples/bench/shootdown.tlb)
NS=${NS:-"7 8 9 10"}
THREADS=${THREADS:-"1 2"}
ENGINES=${ENGINES:-"native interpreter"}
STORES=${STORES:-"full compact"}
SPIN_MODES=${SPIN_MODES:-"NOREDUCE POR"}
REPEAT=${REPEAT:-1}
if ! command -v spin >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq spin >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$pml" "$work/shootdown.pml"
export TLBCHECK_CACHE="$work/cache"  # compiled steps: a fresh cache, so the compile row is real

. "$(dirname "$0")/steal.sh"

timed() {  # timed OUT CMD... : runs CMD, output to OUT; prints "seconds peak_kb steal_percent"
  local out=$1; shift
  local t0 s0 t1 s1
  read -r t0 s0 < <(cpu_ticks)
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$out" 2>&1 || true
  read -r t1 s1 < <(cpu_ticks)
  echo "$(tail -n 1 "$work/time") $(steal_percent "$t0" "$s0" "$t1" "$s1")"
}

row() {  # tool N mode states transitions seconds rss_kb spin_seconds steal_percent [phases]
  awk -v tool="$1" -v n="$2" -v mode="$3" -v st="$4" -v tr="$5" -v s="$6" -v kb="$7" -v ref="$8" -v steal="$9" -v phases="${10:--}" 'BEGIN {
    rate = s > 0 ? st / s : 0; bps = st > 0 ? kb * 1024 / st : 0; ratio = ref > 0 ? s / ref : 0
    printf "%-9s %3s %-20s %12s %13s %9.2f %12.0f %9.0f %9.1f %8.2f %6s  %s\n", tool, n, mode, st, tr, s, rate, kb / 1024, bps, ratio, steal "%", phases }'
}

phases() {  # phases JSON: "expand/seal/grow" seconds from tlbcheck's report
  sed -n 's/^ *"\(expand\|seal\|grow\)": \([0-9.e+-]*\),*$/\1 \2/p' "$1" |
    awk '{ t[$1] = $2 } END { printf "%.1f/%.1f/%.1f", t["expand"], t["seal"], t["grow"] }'
}

# steal: the share of all CPUs' time the hypervisor gave to other guests
# during the run; timings with more than a few percent are not comparable.
# expand/seal/grow: tlbcheck's seconds expanding levels, sealing them and
# growing its table (the JSON report's phase_seconds).
printf '%-9s %3s %-20s %12s %13s %9s %12s %9s %9s %8s %6s  %s\n' tool N mode states transitions seconds states/s "RSS MiB" bytes/st "vs SPIN" steal expand/seal/grow
for N in $NS; do
  w=""; [ "$N" -ge 10 ] && w="-w26"
  spin_ref=0
  for mode in $SPIN_MODES; do
    flags="-DSAFETY"; [ $mode = NOREDUCE ] && flags="$flags -DNOREDUCE"
    read -r secs kb _ < <(cd "$work" && timed "$work/compile.out" sh -c "spin -a -DN=$N -DROUNDS=2 shootdown.pml && gcc -O2 -w $flags -o pan pan.c")
    printf '%-9s %3s %-20s %12s %13s %9.2f\n' spin "$N" "compile" - - "$secs"
    read -r secs kb steal < <(cd "$work" && timed "$work/pan.out" ./pan $w)
    states=$(sed -n 's/^ *\([0-9e+.]*\) states, stored.*/\1/p' "$work/pan.out" | head -n 1)
    trans=$(sed -n 's/^ *\([0-9e+.]*\) transitions.*/\1/p' "$work/pan.out" | head -n 1)
    [ $mode = NOREDUCE ] && spin_ref=$secs
    row spin "$N" "$mode" "$states" "$trans" "$secs" "$kb" "$spin_ref" "$steal"
  done
  for engine in $ENGINES; do
    eflag="--engine $engine"
    if [ "$engine" = native ]; then
      read -r secs kb _ < <(timed "$work/tlb.json" "$bin" check "$twin" -D cpus="$N" --engine native --max-states 1 --quiet)
      printf '%-9s %3s %-20s %12s %13s %9.2f\n' tlbcheck "$N" "compile" - - "$secs"
    fi
    for store in $STORES; do
      flag=""; [ "$store" = compact ] && flag="--compact"
      # REPEAT rounds, the thread counts taking turns within each, so that
      # a noisy spell falls on all of them; the row is the median run
      for r in $(seq "$REPEAT"); do
        for t in $THREADS; do
          read -r secs kb steal < <(timed "$work/tlb.json" "$bin" check "$twin" -D cpus="$N" --threads "$t" $flag $eflag --format json --quiet)
          states=$(sed -n 's/^  "states": \([0-9]*\),*/\1/p' "$work/tlb.json")
          trans=$(sed -n 's/^  "transitions": \([0-9]*\),*/\1/p' "$work/tlb.json")
          echo "$secs $states $trans $kb $steal $(phases "$work/tlb.json")" >>"$work/runs.$t"
        done
      done
      for t in $THREADS; do
        read -r secs states trans kb steal phase < <(sort -n "$work/runs.$t" | sed -n "$(((REPEAT + 1) / 2))p")
        rm -f "$work/runs.$t"
        row tlbcheck "$N" "${engine:0:6},$store,t=$t" "$states" "$trans" "$secs" "$kb" "$spin_ref" "$steal" "$phase"
      done
    done
  done
done

echo
echo "buggy variant: time to the first counterexample and its length"
printf '%-9s %3s %-14s %9s %12s\n' tool N mode seconds "trace steps"
for N in $NS; do
  (cd "$work" && spin -a -DN="$N" -DROUNDS=2 -DBUGGY shootdown.pml >/dev/null && gcc -O2 -w -DSAFETY -DNOREDUCE -o pan pan.c)
  read -r secs kb _ < <(cd "$work" && timed "$work/pan.out" ./pan)
  depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$work/pan.out" | head -n 1)
  printf '%-9s %3s %-14s %9.2f %12s\n' spin "$N" "DFS, NOREDUCE" "$secs" "${depth:-?} (depth)"
  "$bin" check "$twin" -D cpus="$N" -D buggy=true --engine native --max-states 1 --quiet >/dev/null 2>&1 || true  # compile apart, as for SPIN
  read -r secs kb _ < <(timed "$work/tlb.json" "$bin" check "$twin" -D cpus="$N" -D buggy=true --engine native --format json --quiet)
  depth=$(sed -n 's/^  "depth": \([0-9]*\),*/\1/p' "$work/tlb.json")
  printf '%-9s %3s %-14s %9.2f %12s\n' tlbcheck "$N" "BFS, shortest" "$secs" "$depth"
done
