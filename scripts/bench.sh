#!/usr/bin/env bash
# Builds release binaries and runs the benchmarks, printing Markdown tables:
#  1. in-process mapping, rendering and gzip at levels 1, 6, 9 (100, 1k, 10k images);
#  2. scrapes against the emulator (20 ms per request) next to a minimal
#     keep-alive client making the same requests: time ratio, API requests and
#     new connections per scrape, CPU per scrape, RSS;
#  3. serving throughput under wrk with --collector.min-interval, next to
#     node_exporter's textfile collector serving the same payload.
# Exits non-zero if a scrape makes more than ceil(N/25) API requests or opens a
# new connection after the first scrape, so CI can catch that regression.
# Extra arguments go to bench/scrape_bench.py (e.g. --counts 500 --rss-scrapes 10000).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh bench
swift build -c release
bin="$(swift build -c release --show-bin-path)"
echo "## Render and gzip (in process)"
"$bin/workspaces_render_bench"
echo
echo "## Scrapes against the emulator"
python3 bench/scrape_bench.py "$bin" "$@"
echo
echo "## Serving throughput next to node_exporter"
python3 bench/throughput_bench.py "$bin" --images 500
echo
python3 bench/throughput_bench.py "$bin" --images 130
