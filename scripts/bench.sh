#!/usr/bin/env bash
# Builds release binaries (the Swift runtime linked statically, as shipped)
# and runs the benchmarks, printing Markdown tables.
#
#   scripts/bench.sh [compare] [ARGS]  this exporter next to the Go peer (aws-sdk-go +
#                                      client_golang) and the Python peer (boto3 +
#                                      prometheus_client), one emulator, one run
#                                      (bench/compare.py; ARGS go to it, e.g.
#                                      --rss-scrapes 10000 --exporters this,go)
#   scripts/bench.sh render            in-process mapping, rendering and gzip
#   scripts/bench.sh scrape [ARGS]     this exporter alone against the floor, with a
#                                      10,000-scrape leak check (bench/scrape_bench.py)
#   scripts/bench.sh throughput        serving throughput under wrk next to node_exporter
#   scripts/bench.sh org [ARGS]        an organisation of 100 and 1,000 accounts discovered
#                                      through AWS Organizations, scraped through /probe as
#                                      Prometheus would and through /metrics (bench/org_bench.py;
#                                      about 10 minutes)
#   scripts/bench.sh all               every one of them
#
# `scrape` exits non-zero if a scrape makes more than ceil(N/25) API requests
# or opens a new connection after the first scrape; `org` if a probe or a
# scrape fails or the client queues probes. Run benchmarks alone on
# the machine: they keep both cores busy.
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-compare}"
[[ $# -gt 0 ]] && shift

scripts/deps.sh bench
scratch=.build-release
build() { swift build -c release --static-swift-stdlib --scratch-path "$scratch" "$@"; }
build --product workspaces_exporter >&2
build --product workspaces_emulator >&2
bin="$(build --show-bin-path)"

compare() {
  go_peer="$scratch/workspaces_exporter_go"
  bench/peers/go/build.sh "$go_peer" >&2
  if ! python3 -c "import boto3, prometheus_client" >/dev/null 2>&1; then
    python3 -m pip install --quiet "boto3==1.43.11" "prometheus-client==0.21.1" \
      || python3 -m pip install --quiet --break-system-packages "boto3==1.43.11" "prometheus-client==0.21.1"
  fi
  echo "## Side by side: this exporter, Go, Python"
  python3 bench/compare.py --exporter "$bin/workspaces_exporter" --emulator "$bin/workspaces_emulator" \
    --go-exporter "$go_peer" "$@"
}
render() {
  build --product workspaces_render_bench >&2
  echo "## Render and gzip (in process)"
  "$bin/workspaces_render_bench"
}
scrape() {
  echo "## Scrapes against the emulator"
  python3 bench/scrape_bench.py "$bin" "$@"
}
org() {
  echo "## An organisation: /probe and /metrics at 100 and 1,000 accounts"
  python3 bench/org_bench.py --exporter "$bin/workspaces_exporter" --emulator "$bin/workspaces_emulator" "$@"
}
throughput() {
  echo "## Serving throughput next to node_exporter"
  python3 bench/throughput_bench.py "$bin" --images 500
  echo
  python3 bench/throughput_bench.py "$bin" --images 130
}

case "$what" in
  compare) compare "$@" ;;
  render) render ;;
  scrape) scrape "$@" ;;
  throughput) throughput ;;
  org) org "$@" ;;
  all) compare "$@"; echo; render; echo; scrape; echo; throughput; echo; org ;;
  *) echo "unknown benchmark: $what (compare, render, scrape, throughput, org, all)" >&2; exit 2 ;;
esac
