#!/usr/bin/env bash
# A long fuzzing campaign over every harness of a -DTLBCHECK_FUZZ=ON build,
# one after another, each for SECONDS, growing a working corpus under
# BUILD/fuzz-campaign/NAME (seeded from the repository's). Prints, per
# harness, the executions, the coverage (libFuzzer's edges: cov, and
# features: ft) and the crashes, with the inputs under
# BUILD/fuzz-campaign/artifacts/ (a crash ends that harness's run). The generator compares the engines on 1
# input in 16 here (TLBCHECK_FUZZ_NATIVE=0 turns that off).
#   [TIMEOUT=S] tests/fuzz/campaign.sh BUILD [SECONDS] [HARNESS...]
# To fold what a campaign found into the repository's corpus, minimised:
#   BUILD/tests/fuzz/fuzz_NAME -merge=1 tests/fuzz/corpus/NAME BUILD/fuzz-campaign/NAME
set -uo pipefail
build=${1:?usage: campaign.sh BUILD [SECONDS] [HARNESS...]}
seconds=${2:-3600}
shift $(( $# >= 2 ? 2 : $# ))
harnesses=${*:-front_end replay command_line generator}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
work=$build/fuzz-campaign
mkdir -p "$work/artifacts"
export TLBCHECK_CACHE=$work/native-cache
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

total=0
for name in $harnesses; do
  mkdir -p "$work/$name"
  log=$work/$name.log
  "$build/tests/fuzz/fuzz_$name" "$work/$name" "$here/corpus/$name" -dict="$here/tlbcheck.dict" \
    -max_total_time="$seconds" -timeout="${TIMEOUT:-20}" -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$name-" > "$log" 2>&1
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  [ -z "$execs" ] && execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  crashes=$(ls "$work/artifacts" | grep -cE "^$name-(crash|leak|timeout|oom)-" || true)
  slow=$(ls "$work/artifacts" | grep -c "^$name-slow-unit-" || true)
  echo "$name: ${execs:-0} executions, $cov, $crashes crash/leak/timeout/oom inputs, $slow slow inputs (over 10 s: not failures)"
  total=$((total + ${execs:-0}))
done
echo "total: $total executions"
