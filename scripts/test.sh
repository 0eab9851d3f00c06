#!/usr/bin/env bash
# Installs what the tests need and runs every test: unit tests, and the
# integration tests that start the real binaries, the emulator, moto_server,
# Prometheus and Alertmanager on loopback, the container image under podman,
# and systemd's socket activation.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test
# The release archive and the image's binary: the binaries every integration test starts.
scripts/release.sh
swift build --build-tests
# Fuzzing (Tests/Fuzz): in CI every target runs briefly with libFuzzer before
# the tests, and any crash, leak or hang fails the run. FUZZ_SECONDS overrides.
if [[ "${CI:-}" == "true" || -n "${FUZZ_SECONDS:-}" ]]; then
  scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
fi
# Two phases. First every suite in parallel (Swift Testing's default), except
# the ones that load the machine on purpose or hold a real server to a latency:
# those run second, one test at a time, so that they own the 2 cores and no
# other test's servers compete with them. SERIAL_SUITES is that list.
serial="${SERIAL_SUITES:-LoadTests|HostileClientTests|HostileEndpointTests|ShutdownTests|HTTPServerLimitsTests|APIBudgetTests|AlertRulesTests|MixinTests|MonitoringEndToEndTests|CredentialOracleTests|PackagingTests|HelmChartTests}"
if (($#)); then
  # Arguments (e.g. --filter X) go to one run, in parallel.
  swift test --skip-build "$@"
else
  swift test --skip-build --skip "$serial"
  swift test --skip-build --no-parallel --filter "$serial"
fi
