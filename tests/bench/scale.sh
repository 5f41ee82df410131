#!/usr/bin/env bash
# Scaling benchmark: how a protocol's state space grows with the number of
# CPUs, with and without the reductions. For each model, each CPU count from
# 2 to $MAX_CPUS and each flag set of $VARIANTS it runs
#   tlbcheck check FILE -D OPTION... -D cpus=N FLAGS --format json --quiet --time-limit $TIME_LIMIT
# and prints the verdict, states, the reduction factor (the first variant's
# states over this one's, at the same CPU count), seconds (the search, not
# loading or compiling), peak RSS and the engine that ran the steps. Not a
# test: timings vary with the machine (the steal column says how much of the
# CPU time the hypervisor gave to other guests during the run).
#
# A run stopped by the time limit (or another limit: exit 3) prints
# "incomplete" with what it had stored; the larger CPU counts of that model
# and variant are not run then (they would only stop at the same limit). A
# run that fails (exit 2: a flag this tlbcheck does not know, a model too
# small) prints "error" and its first message; the script goes on and exits 1
# at the end.
#
# Usage: tests/bench/scale.sh [path/to/tlbcheck]
#   MODELS="protocols/lazy_tlb_2_4.tlb:fix=upstream protocols/mmu_gather_nested.tlb:fix=upstream"
#   MAX_CPUS=4
#   VARIANTS="--no-symmetry --keep-dead|"  flag sets separated by '|' (here: no
#            reductions, then the defaults); the first is the reference of the
#            factor column; VARIANTS="" is one run per CPU count with the defaults
#   TIME_LIMIT=600s  each run's --time-limit
#   THREADS=N        --threads N (default: tlbcheck's, all cores)
#   EXTRA="..."      flags for every run (e.g. "--engine interpreter")
set -uo pipefail
. "$(dirname "$0")/steal.sh"
cd "$(dirname "$0")/../.."
bin=${1:-build/tlbcheck}
models=${MODELS:-"protocols/lazy_tlb_2_4.tlb:fix=upstream protocols/mmu_gather_nested.tlb:fix=upstream"}
max_cpus=${MAX_CPUS:-4}
variants_text=${VARIANTS-"--no-symmetry --keep-dead|"}
time_limit=${TIME_LIMIT:-600s}
read -ra extra <<<"${EXTRA:-}"
threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
if ! [[ "$max_cpus" =~ ^[0-9]+$ ]] || [ "$max_cpus" -lt 2 ]; then
  echo "scale.sh: MAX_CPUS must be a number of at least 2 (not '$max_cpus')" >&2
  exit 2
fi

# the flag sets, split at '|' keeping empty ones ("a|" is "a" and the defaults)
variants=()
rest=$variants_text
while :; do
  variants+=("${rest%%|*}")
  [[ "$rest" == *"|"* ]] || break
  rest=${rest#*|}
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

number() { sed -n "s/^  \"$1\": \([0-9.e+-]*\),\{0,1\}$/\1/p" "$2" | head -n 1; }
text() { sed -n "s/^  \"$1\": \"\([^\"]*\)\",\{0,1\}$/\1/p" "$2" | head -n 1; }

format='%-34s %4s %-26s %-10s %12s %8s %9s %9s %-11s %6s\n'
printf "$format" model cpus variant verdict states factor seconds "RSS MiB" engine steal
failed=0
for m in $models; do
  file=${m%%:*}
  defines=()
  if [[ "$m" == *:* ]]; then
    IFS=',' read -ra opts <<<"${m#*:}"
    for o in "${opts[@]}"; do defines+=(-D "$o"); done
  fi
  name="$(basename "$file" .tlb)${m#"$file"}"
  declare -A stopped_at=()
  for ((n = 2; n <= max_cpus; ++n)); do
    reference=""
    for i in "${!variants[@]}"; do
      read -ra flags <<<"${variants[$i]}"
      read -r shown <<<"${variants[$i]}"
      shown=${shown:-default}
      if [ -n "${stopped_at[$i]:-}" ]; then
        printf "$format" "$name" "$n" "$shown" "not run" "" "" "" "" "" ""
        [ "$i" -eq 0 ] && reference=""
        continue
      fi
      read -r t0 s0 < <(cpu_ticks)
      "$bin" check "$file" "${defines[@]}" -D cpus="$n" "${flags[@]}" "${threads[@]}" "${extra[@]}" \
        --format json --quiet --time-limit "$time_limit" >"$work/out.json" 2>"$work/err"
      status=$?
      read -r t1 s1 < <(cpu_ticks)
      steal="$(steal_percent "$t0" "$s0" "$t1" "$s1")%"
      if [ -z "$(number states "$work/out.json")" ]; then  # no report: bad usage or input
        printf "$format" "$name" "$n" "$shown" error "" "" "" "" "" "$steal"
        echo "  exit $status: $(grep -m 1 . "$work/err")"
        failed=1
        [ "$i" -eq 0 ] && reference=""
        continue
      fi
      [ "$status" -eq 2 ] && failed=1  # a model error: the JSON's verdict says so
      states=$(number states "$work/out.json")
      verdict=$(text verdict "$work/out.json")
      [ "$status" -eq 3 ] && verdict=incomplete && stopped_at[$i]=$n
      [ "$i" -eq 0 ] && reference=$([ "$status" -eq 3 ] || echo "$states")
      factor=""
      if [ -n "$reference" ] && [ "$status" -ne 3 ]; then
        factor=$(awk -v r="$reference" -v s="$states" 'BEGIN { printf "%.2fx", (s > 0 ? r / s : 0) }')
      fi
      printf "$format" "$name" "$n" "$shown" "$verdict" "$states" "$factor" \
        "$(awk -v s="$(number seconds "$work/out.json")" 'BEGIN { printf "%.2f", s }')" \
        "$(awk -v b="$(number peak_rss_bytes "$work/out.json")" 'BEGIN { printf "%.0f", b / 1048576 }')" \
        "$(text engine "$work/out.json")" "$steal"
    done
  done
  unset stopped_at
done
exit "$failed"
