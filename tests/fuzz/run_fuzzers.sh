#!/usr/bin/env bash
# CI's short fuzzing runs: each harness of a -DTLBCHECK_FUZZ=ON build for
# SECONDS, two at a time, starting from the corpus in the repository (which
# is only read: new inputs go to a scratch folder). Fails on any crash, leak,
# sanitizer report, timeout (an input running over 20 s: a hang) or
# out-of-memory (over 2 GB): libFuzzer exits non-zero and leaves the input
# as BUILD/fuzz-artifacts/crash-*, leak-*, timeout-* or oom-*.
#   tests/fuzz/run_fuzzers.sh BUILD [SECONDS]
set -uo pipefail
build=${1:?usage: run_fuzzers.sh BUILD [SECONDS]}
seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
export TLBCHECK_CACHE=$build/native-cache
# the generator compiles native steps on 1 input in 16: not within a short run
export TLBCHECK_FUZZ_NATIVE=${TLBCHECK_FUZZ_NATIVE:-0}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

run() {
  local name=$1 scratch
  scratch=$(mktemp -d)
  "$build/tests/fuzz/fuzz_$name" "$scratch" "$here/corpus/$name" -dict="$here/tlbcheck.dict" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" > "$artifacts/$name.log" 2>&1
  local status=$?
  rm -rf "$scratch"
  grep -E '^stat::number_of_executed_units|^Done|ERROR|SUMMARY' "$artifacts/$name.log" | sed "s/^/$name: /"
  return $status
}

failed=0
run front_end & a=$!
run replay & b=$!
wait $a || failed=1
wait $b || failed=1
run generator & a=$!
run command_line & b=$!
wait $a || failed=1
wait $b || failed=1
if [ $failed -ne 0 ]; then
  echo "fuzzing found a failure: the logs and inputs are in $artifacts" >&2
  exit 1
fi
