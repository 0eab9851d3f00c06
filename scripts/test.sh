#!/usr/bin/env bash
# Installs what the tests need and runs every test: unit tests, and the
# integration tests that start the real binaries, the emulator, moto_server
# and Prometheus on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test
swift build --build-tests
swift test --skip-build "$@"
