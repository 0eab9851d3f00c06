#!/usr/bin/env bash
# Installs what the tests need and runs every test: unit tests, and the
# integration tests that start the real binaries, the emulator, moto_server
# and Prometheus on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test
swift build --build-tests
# In CI (CI=true) tests run one at a time: slower (about 2.5 min instead of
# 30 s) but their servers never compete for the 2 cores.
parallel=()
[[ "${CI:-}" == "true" ]] && parallel=(--no-parallel)
swift test --skip-build "${parallel[@]}" "$@"
