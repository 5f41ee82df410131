#!/usr/bin/env bash
# The short fuzzing runs (CI runs each as the ctest test "fuzz: NAME"): each
# named harness (all four without names) of a -DTLBCHECK_FUZZ=ON build for
# SECONDS, two at a time, starting from the corpus in the repository (which
# is only read: new inputs go to a scratch folder). Fails on any crash, leak,
# sanitizer report, timeout (an input running over TIMEOUT seconds, default
# 60: wall-clock time, and under ctest -j2 the sanitized tests share the
# machine; an input takes at most a few seconds alone) or out-of-memory (over
# 2 GB): libFuzzer exits non-zero and leaves the input as
# BUILD/fuzz-artifacts/NAME-crash-*, -leak-*, -timeout-* or -oom-*, and the
# end of its log (the report, the stack and the input in base64) is printed,
# for a CI whose build folder is gone.
#   tests/fuzz/run_fuzzers.sh BUILD [SECONDS] [HARNESS...]
set -uo pipefail
build=${1:?usage: run_fuzzers.sh BUILD [SECONDS] [HARNESS...]}
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
  local name=$1 scratch seeds
  scratch=$(mktemp -d)
  # the generator's corpus takes a minute to load under the sanitizers (it
  # explores hundreds of protocols), twice the run: its short run starts from
  # nothing (its inputs are decisions: any bytes are a protocol), and the
  # corpus runs as the "fuzz corpus: generator" test
  seeds=("$here/corpus/$name")
  [ "$name" = generator ] && seeds=()
  "$build/tests/fuzz/fuzz_$name" "$scratch" "${seeds[@]}" -dict="$here/tlbcheck.dict" \
    -max_total_time="$seconds" -timeout="${TIMEOUT:-60}" -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" > "$artifacts/$name.log" 2>&1
  local status=$?
  rm -rf "$scratch"
  if [ $status -eq 0 ]; then
    grep -E '^stat::number_of_executed_units|^Done' "$artifacts/$name.log" | sed "s/^/$name: /"
  else
    tail -n 80 "$artifacts/$name.log" | sed "s/^/$name: /"
  fi
  return $status
}

harnesses=("${@:3}")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(front_end replay generator command_line)
failed=0
for ((i = 0; i < ${#harnesses[@]}; i += 2)); do
  pids=()
  for name in "${harnesses[@]:i:2}"; do
    run "$name" & pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
done
if [ $failed -ne 0 ]; then
  echo "fuzzing found a failure: the logs and inputs are in $artifacts" >&2
  exit 1
fi
