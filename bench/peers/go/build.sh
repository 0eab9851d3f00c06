#!/bin/sh
# Builds the Go comparison peer (bench/peers/go/main.go) offline from Debian's
# packages: Go 1.19, aws-sdk-go v1 and client_golang, in GOPATH mode (Debian
# puts the sources under /usr/share/gocode/src). Installs the packages when
# missing, with sudo when not root.
#
# Usage: bench/peers/go/build.sh [OUTPUT]   (default bench/peers/go/workspaces_exporter_go)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/workspaces_exporter_go}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac

packages="golang-go golang-github-aws-aws-sdk-go-dev golang-github-prometheus-client-golang-dev"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    # -o DPkg::Lock::Timeout: wait for another apt run rather than fail.
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 $missing
fi

cd "$here"
GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE=${GOCACHE:-${TMPDIR:-/tmp}/workspaces-bench-gocache} \
    go build -trimpath -o "$out" .
echo "built $out"
