#!/usr/bin/env bash
# Builds the exporter and runs it on :10027.
# Without AWS credentials in the environment it starts the bundled emulator
# (40 seeded images) and points the exporter at it, so you see real metrics at once.
# Extra arguments go to the exporter, e.g. scripts/run.sh --log.level=debug
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build
config="${CONFIGURATION:-release}"
swift build -c "$config"
bin="$(swift build -c "$config" --show-bin-path)"

if [[ -z "${AWS_ACCESS_KEY_ID:-}" && -z "${AWS_PROFILE:-}" && -z "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ]]; then
  emulator_address="127.0.0.1:${EMULATOR_PORT:-4599}"
  "$bin/workspaces_emulator" --listen-address "$emulator_address" --images 40 &
  emulator_pid=$!
  trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT INT TERM
  # Wait until it listens; a taken port ends the script here, not later with
  # an exporter talking to whatever else holds the port.
  for _ in $(seq 1 100); do
    kill -0 "$emulator_pid" 2>/dev/null || { echo "the emulator did not start (port taken? set EMULATOR_PORT)" >&2; exit 1; }
    (exec 3<>"/dev/tcp/${emulator_address%:*}/${emulator_address##*:}") 2>/dev/null && break
    sleep 0.1
  done
  echo "no AWS credentials found: using the bundled emulator on $emulator_address" >&2
  # AWS_ENDPOINT_URL points WorkSpaces and STS (which tells the account id) at it.
  export AWS_ACCESS_KEY_ID=AKIDEMULATOR AWS_SECRET_ACCESS_KEY=emulator-secret AWS_ENDPOINT_URL="http://$emulator_address"
  # A --config.file names its own regions (and refuses --aws.region).
  if [[ " $* " != *" --config.file"* ]]; then
    set -- --aws.region "${AWS_REGION:-us-east-1}" "$@"
  fi
fi

address=":10027"
for argument in "$@"; do
  case "$argument" in --web.listen-address=*) address="${argument#*=}" ;; esac
done
previous=""
for argument in "$@"; do
  [[ "$previous" == "--web.listen-address" ]] && address="$argument"
  previous="$argument"
done
echo "metrics: http://${address/#:/localhost:}/metrics (Ctrl-C to stop)" >&2
"$bin/workspaces_exporter" "$@"
