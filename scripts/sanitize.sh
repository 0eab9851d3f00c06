#!/usr/bin/env bash
# The binary-level tests against the exporter and the emulator built with a
# sanitizer, as Prometheus's Go projects run their tests with -race:
#
#   scripts/sanitize.sh [address|thread ...]    (default: both, one after the other)
#
# Each sanitizer gets a release build of its own (--scratch-path .build-SANITIZER);
# the test binaries stay the debug build, and WORKSPACES_BIN_DIR points the tests
# at the sanitized binaries. Every report a sanitized process writes goes to
# .build-SANITIZER/reports/; any report fails the run. Suppressions
# (Tests/Sanitizers/) cover only code that is not instrumented, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=("$@")
((${#sanitizers[@]})) || sanitizers=(address thread)
# The tests that start the binaries and cover every endpoint (/metrics, /probe,
# /sd, /-/reload, /-/healthy, /-/ready), every collector, a reload, the web
# config, discovery and probe mode (gzipped probes from kept pieces: MotoTests;
# families left unbuilt for unchanged answers: UnchangedAnswersTests),
# the API budget, and hostile clients.
filter="${SANITIZE_FILTER:-FlagMatrixTests|APIBudgetTests|OrganizationTests|MotoTests|UnchangedAnswersTests|ExporterEndpointsTests|WebConfigTests|WebConfigReloadTests|MultiAccountTests|HostileClientTests|EmulatorScrapeTests|FailureTests|ScrapeSharingTests|WorkerThreadsTests|HTTPClientTests}"

scripts/deps.sh test
swift build --build-tests

failed=0
for sanitizer in "${sanitizers[@]}"; do
  case "$sanitizer" in address|thread) ;; *) echo "unknown sanitizer: $sanitizer (address or thread)" >&2; exit 2 ;; esac
  scratch=".build-$sanitizer"
  start=$SECONDS
  flags=(-Xswiftc "-sanitize=$sanitizer")
  # ThreadSanitizer cannot see Synchronization.Mutex's lock (taken inside the
  # prebuilt library): Support's Locked is a pthread mutex in this build.
  [[ "$sanitizer" == "thread" ]] && flags+=(-Xswiftc -DSANITIZE_THREADS)
  for product in workspaces_exporter workspaces_emulator; do
    swift build -c release --scratch-path "$scratch" "${flags[@]}" --product "$product" 2>&1 \
      | grep -v "Cannot export local symbol" >&2
  done
  built=$((SECONDS - start))
  bin="$(swift build -c release --scratch-path "$scratch" "${flags[@]}" --show-bin-path)"
  reports="$PWD/$scratch/reports"
  rm -rf "$reports" && mkdir -p "$reports"
  suppressions="$PWD/Tests/Sanitizers/$sanitizer.supp"
  log="$scratch/tests.log"
  status=0
  start=$SECONDS
  WORKSPACES_BIN_DIR="$bin" WORKSPACES_SANITIZER="$sanitizer" \
  ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=0:halt_on_error=1" \
  LSAN_OPTIONS="suppressions=$PWD/Tests/Sanitizers/leak.supp:print_suppressions=0" \
  TSAN_OPTIONS="log_path=$reports/tsan:suppressions=$suppressions:halt_on_error=0:report_signal_unsafe=0" \
    swift test --skip-build --no-parallel --filter "$filter" >"$log" 2>&1 || status=$?
  ran=$((SECONDS - start))
  summary="$(grep -E '^(✔|✘) Test run with' "$log" | tail -1)"
  count=$(find "$reports" -type f | wc -l)
  echo "sanitize $sanitizer: build ${built}s, tests ${ran}s: ${summary:-no summary (see $log)}; $count report(s)"
  if ((count > 0)); then
    failed=1
    for report in "$reports"/*; do
      echo "--- $report" >&2
      head -60 "$report" >&2
    done
  fi
  if ((status != 0)); then
    failed=1
    grep -E '✘' "$log" | head -30 >&2 || true
  fi
done
exit $failed
