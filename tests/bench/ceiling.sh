#!/usr/bin/env bash
# What a second thread can give on this machine, against what it gives.
# For one configuration (default: the SPIN twin at N=9, as compare_spin.sh
# runs it) and REPEAT rounds, it times the search (the report's "seconds":
# no loading, no compiling) of
#   alone  one run, one thread, nothing else running;
#   pair   two runs of one thread each, started together: no shared table,
#          no barrier, no shared work -- only the machine is shared (memory
#          bandwidth, caches, the hypervisor's scheduling of the two vCPUs);
#   two    one run of two threads;
# and prints, per round and as medians, the speed-up of two threads
# (alone / two) next to the ceiling the machine allows (2 x alone / the
# slower of the pair): what the explorer loses to its own synchronisation is
# the gap between the two; a last line compares the fastest run of each
# kind. Never part of CI; run it on an otherwise idle machine.
#   tests/bench/ceiling.sh [path/to/tlbcheck]
#   MODEL=file.tlb ARGS="-D cpus=9" REPEAT=3 by default
set -euo pipefail
bin=$(realpath "${1:-$(dirname "$0")/../../build/tlbcheck}")
cd "$(dirname "$0")/../.."
model=${MODEL:-examples/bench/shootdown.tlb}
read -r -a args <<< "${ARGS:--D cpus=9}"
repeat=${REPEAT:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seconds() {  # seconds FILE: the search time of a JSON report
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$1"
}
run() {  # run THREADS OUT
  "$bin" check "$model" "${args[@]}" --threads "$1" --format json --quiet > "$2" || [ $? -le 1 ]
}

run 1 "$work/warm.json"  # the native steps compiled and cached, the files in the page cache
echo "model: $model ${args[*]}; $(nproc) cores; $(seconds "$work/warm.json") s alone (warm-up)"
printf '%-6s %8s %8s %8s %8s %9s %8s\n' round alone pair-a pair-b two speed-up ceiling
for ((i = 1; i <= repeat; i++)); do
  run 1 "$work/alone.json"
  run 1 "$work/a.json" & a=$!
  run 1 "$work/b.json" & b=$!
  wait "$a"
  wait "$b"
  run 2 "$work/two.json"
  python3 - "$i" "$(seconds "$work/alone.json")" "$(seconds "$work/a.json")" "$(seconds "$work/b.json")" "$(seconds "$work/two.json")" <<'EOF' | tee -a "$work/rows"
import sys
i, alone, a, b, two = sys.argv[1], *map(float, sys.argv[2:])
print(f"{i:<6} {alone:8.2f} {a:8.2f} {b:8.2f} {two:8.2f} {alone / two:8.2f}x {2 * alone / max(a, b):7.2f}x")
EOF
done
python3 - "$work/rows" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
speed = statistics.median(float(r[5].rstrip("x")) for r in rows)
ceiling = statistics.median(float(r[6].rstrip("x")) for r in rows)
print(f"median: two threads {speed:.2f}x one; two independent one-thread runs {ceiling:.2f}x one "
      f"(the explorer reaches {100 * (speed - 1) / max(ceiling - 1, 1e-9):.0f}% of what the second core adds)")
# On a shared VM a run is now and then a third slower (another guest on the
# host's core), and a round's ratio inherits it: the fastest of each kind
# compares runs that were not slowed.
col = lambda k: [float(r[k]) for r in rows]
alone, pair, two = min(col(1)), min(max(a, b) for a, b in zip(col(2), col(3))), min(col(4))
print(f"fastest of {len(rows)}: alone {alone:.2f} s, two threads {two:.2f} s ({alone / two:.2f}x), "
      f"the slower of a pair {pair:.2f} s ({2 * alone / pair:.2f}x)")
EOF
