#!/usr/bin/env bash
# Builds the fuzz targets (Tests/Fuzz) with libFuzzer and AddressSanitizer, in
# a scratch path of their own, and runs each for SECONDS (default 30) from its
# checked-in corpus. New inputs go to .build-fuzz/corpus/TARGET (the checked-in
# corpus is only read); a crash, leak or hang (one input over 10 s) is saved in
# .build-fuzz/artifacts/ and fails the run. One summary line per target:
# executions, coverage, features, corpus size, crashes.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   scripts/fuzz.sh --list
# FUZZ_NO_BUILD=1 runs the binary already built (for campaigns in parallel).
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build-fuzz
binary="$scratch/release/WorkSpacesFuzz"
if [[ "${1:-}" == "--list" ]]; then
  ls Tests/Fuzz/Corpus
  exit 0
fi
seconds="${1:-30}"
shift || true
targets=("$@")
((${#targets[@]})) || mapfile -t targets < <(ls Tests/Fuzz/Corpus)

if [[ -z "${FUZZ_NO_BUILD:-}" ]]; then
scripts/deps.sh build
swift build -c release --product WorkSpacesFuzz --scratch-path "$scratch" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 \
  | grep -v "Cannot export local symbol" >&2
fi

mkdir -p "$scratch/artifacts"
failed=0
for target in "${targets[@]}"; do
  [[ -d "Tests/Fuzz/Corpus/$target" ]] || { echo "no such target: $target" >&2; exit 2; }
  work="$scratch/corpus/$target"
  mkdir -p "$work"
  log="$scratch/$target.log"
  status=0
  FUZZ_TARGET="$target" ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
    LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/lsan.supp:print_suppressions=0" "$binary" "$work" "Tests/Fuzz/Corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$scratch/artifacts/$target-" >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo 0)
  corpus=$(ls "$work" | wc -l)
  crashes=$(ls "$scratch/artifacts" | grep -c "^$target-" || true)
  echo "fuzz $target: ${seconds}s, $runs executions, cov $cov, ft $ft, corpus $corpus new inputs, exit $status, artifacts $crashes"
  if ((status != 0)); then
    failed=1
    grep -E "ERROR|SUMMARY|invariant|Fatal|panic|deadly|timeout" "$log" | head -20 >&2 || true
  fi
done
exit $failed
