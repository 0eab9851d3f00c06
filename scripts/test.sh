#!/usr/bin/env bash
# Installs what the tests need and runs every test: unit tests, and the
# integration tests that start the real binaries, the emulator, moto_server,
# Prometheus and Alertmanager on loopback, the container image under podman,
# and systemd's socket activation.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test
# The release archive and the image's binary, for the packaging tests.
scripts/release.sh
swift build --build-tests
# Fuzzing (Tests/Fuzz): in CI every target runs briefly with libFuzzer before
# the tests, and any crash, leak or hang fails the run. FUZZ_SECONDS overrides.
if [[ "${CI:-}" == "true" || -n "${FUZZ_SECONDS:-}" ]]; then
  scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
fi
# In CI (CI=true) tests run one at a time: slower (about 2.5 min instead of
# 30 s) but their servers never compete for the 2 cores.
parallel=()
[[ "${CI:-}" == "true" ]] && parallel=(--no-parallel)
swift test --skip-build "${parallel[@]}" "$@"
