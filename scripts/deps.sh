#!/usr/bin/env bash
# Installs the system and Python packages this project needs, when missing.
#   scripts/deps.sh build   - what building needs (libmicrohttpd with GnuTLS, libcrypt, zlib)
#   scripts/deps.sh test    - plus what the tests start (prometheus/promtool, alertmanager, curl, wrk,
#                             openssl, htpasswd, moto, jsonnet for the mixin, podman/runc/debootstrap
#                             for the image, systemd's tools for the units, helm-python-sdk and
#                             kubernetes-validate for the Helm chart's checks)
#   scripts/deps.sh bench   - plus what the benchmarks compare with (wrk, node_exporter)
set -euo pipefail

mode="${1:-build}"
packages=(libmicrohttpd-dev libgnutls28-dev libcrypt-dev zlib1g-dev libyaml-dev pkg-config git)
if [[ "$mode" == "test" ]]; then
  packages+=(prometheus prometheus-alertmanager curl wrk openssl apache2-utils python3 python3-pip
             jsonnet python3-yaml podman runc debootstrap systemd procps iproute2 util-linux strace valgrind)
fi
if [[ "$mode" == "bench" ]]; then
  packages+=(wrk prometheus-node-exporter python3)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "$mode" == "test" ]]; then
  if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c "import moto, boto3, flask_cors, prometheus_client, cryptography" >/dev/null 2>&1; then
    echo "installing: moto[server] boto3 prometheus-client (pip)" >&2
    pip_packages=("moto[server]==5.2.1" "boto3==1.43.11" "prometheus-client==0.21.1")
    python3 -m pip install --quiet "${pip_packages[@]}" \
      || python3 -m pip install --quiet --break-system-packages "${pip_packages[@]}"
  fi
  # The Helm chart's checks (charts/workspaces-exporter/ci/check.py): Helm's Go SDK as a
  # Python extension (lint, schema, render; no helm binary) and the Kubernetes schemas.
  chart_packages=("helm-python-sdk==0.2.2" "kubernetes-validate==1.37.0")
  if ! python3 -c '
import importlib.metadata as m, sys
sys.exit(any(m.version(n) != v for n, v in (a.split("==") for a in sys.argv[1:])))' "${chart_packages[@]}" >/dev/null 2>&1; then
    echo "installing: ${chart_packages[*]} (pip)" >&2
    python3 -m pip install --quiet "${chart_packages[@]}" \
      || python3 -m pip install --quiet --break-system-packages "${chart_packages[@]}"
  fi
fi
