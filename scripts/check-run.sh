#!/usr/bin/env bash
# Runs the README's first command exactly as a new user does (scripts/run.sh:
# `swift build -c release`, then the exporter against the bundled emulator,
# without AWS credentials), waits until /metrics serves aws_workspaces_up 1,
# stops it with SIGINT as Ctrl-C would, and checks that it exits cleanly.
# CI runs it on the clean clone before the tests (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

port=10027
log="$(mktemp)"
# Job control: the background job gets a process group of its own and keeps
# SIGINT (a non-interactive shell would start it with SIGINT ignored).
set -m
env -u AWS_ACCESS_KEY_ID -u AWS_PROFILE -u AWS_WEB_IDENTITY_TOKEN_FILE scripts/run.sh >"$log" 2>&1 &
pid=$!
set +m
stop() { kill -INT -- "-$pid" 2>/dev/null || true; }
trap 'stop; kill -KILL -- "-$pid" 2>/dev/null || true' EXIT

# The release build comes first: allow it 30 minutes.
deadline=$((SECONDS + 1800))
up=""
while ((SECONDS < deadline)); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "check-run: scripts/run.sh ended before serving metrics:" >&2
    tail -40 "$log" >&2
    exit 1
  fi
  if up="$(curl -fsS --max-time 10 "http://127.0.0.1:$port/metrics" 2>/dev/null | grep -E '^aws_workspaces_up\{.*\} 1$')"; then
    break
  fi
  sleep 1
done
if [[ -z "$up" ]]; then
  echo "check-run: no aws_workspaces_up 1 on :$port within the time allowed" >&2
  tail -40 "$log" >&2
  exit 1
fi
echo "check-run: scripts/run.sh serves $up"

stop
status=0
for _ in $(seq 1 300); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  echo "check-run: still running 30 s after SIGINT" >&2
  tail -20 "$log" >&2
  exit 1
fi
wait "$pid" || status=$?
trap - EXIT
if ((status != 0)); then
  echo "check-run: scripts/run.sh exited with status $status after SIGINT" >&2
  tail -20 "$log" >&2
  exit 1
fi
if grep -E 'level=(error|fatal)' "$log" >&2; then
  echo "check-run: errors were logged" >&2
  exit 1
fi
if pgrep -f "workspaces_emulator --listen-address 127.0.0.1:${EMULATOR_PORT:-4599}" >/dev/null; then
  echo "check-run: the emulator outlived the script" >&2
  exit 1
fi
echo "check-run: stopped cleanly by SIGINT (exit 0)"
rm -f "$log"
