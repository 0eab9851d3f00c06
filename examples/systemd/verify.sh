#!/usr/bin/env bash
# Checks the systemd units here without installing them:
#   - systemd-analyze verify of the service, the socket, and the service with
#     the socket-activation drop-in;
#   - systemd-analyze security --offline=yes, failing above exposure 2.0.
#
#   examples/systemd/verify.sh [BINARY]
#
# verify insists that ExecStart's program exists, so the units are copied to
# a temporary directory with /usr/local/bin/workspaces_exporter replaced by
# BINARY (default /bin/true; give a real build to check its path too).
# Needs systemd-analyze (Debian: systemd), not a running systemd.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(realpath "${1:-/bin/true}")"
threshold="${EXPOSURE_THRESHOLD:-2.0}"
[[ -x "$binary" ]] || { echo "verify.sh: $binary is not executable" >&2; exit 1; }

if ! command -v systemd-analyze >/dev/null 2>&1; then
  sudo=""
  [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq systemd >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/plain" "$work/socket/workspaces-exporter.service.d"
for dir in plain socket; do
  sed "s|/usr/local/bin/workspaces_exporter|$binary|" "$here/workspaces-exporter.service" \
    >"$work/$dir/workspaces-exporter.service"
done
cp "$here/workspaces-exporter.socket" "$work/socket/"
cp "$here/workspaces-exporter.service.d/socket-activation.conf" "$work/socket/workspaces-exporter.service.d/"

status=0
check() {
  local what="$1"; shift
  local out line
  if out="$("$@" 2>&1)" && [[ -z "$out" ]]; then
    echo "ok: $what"
  else
    echo "FAIL: $what"
    while IFS= read -r line; do echo "  $line"; done <<<"$out"
    status=1
  fi
}
# verify prints nothing for a good unit; any output (warnings included) fails.
# The drop-in next to the unit is read because verify searches the unit's
# own directory first.
check "verify workspaces-exporter.service" systemd-analyze verify "$work/plain/workspaces-exporter.service"
check "verify workspaces-exporter.socket + service + socket-activation.conf" \
  systemd-analyze verify "$work/socket/workspaces-exporter.socket" "$work/socket/workspaces-exporter.service"

exposure="$(systemd-analyze security --offline=yes --threshold="${threshold/./}" \
  "$work/plain/workspaces-exporter.service" 2>&1 | tail -1)" || status=1
echo "security: $exposure (threshold $threshold)"
# --threshold takes the exposure times 10 (20 = 2.0); check the figure too.
awk -v t="$threshold" '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/) { exit !($i <= t) } exit 1 }' \
  <<<"$exposure" || { echo "FAIL: exposure above $threshold"; status=1; }
exit "$status"
