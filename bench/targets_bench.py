#!/usr/bin/env python3
"""What each additional target (an account and region pair from
--config.file) costs this exporter: memory, and CPU per scrape.

For each count K (default 1, 10, 50), one emulator serves K accounts with N
images each (default 100), reachable by AssumeRole; the exporter gets a config
file of K targets, each with its own role (so each has its own credentials,
STS session and API connection). After start-up: RSS idle; then a warm-up
scrape, then --scrapes timed scrapes one after another: CPU per scrape
(utime+stime), RSS and threads after. The last rows divide the differences
between the smallest and the largest K by the number of targets added.

Usage: bench/targets_bench.py --exporter BIN --emulator BIN [--counts 1,10,50]
                              [--images 100] [--scrapes 30] [--latency-ms 2]
"""
import argparse
import gzip
import http.client
import os
import statistics
import sys
import tempfile
import time

import compare  # process handling and /proc readings, shared with the three-way comparison

ACCOUNT_BASE = 100000000000


def scrape(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.getheader("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return response.status, body.decode()


def run_case(args, count, workdir):
    accounts = [str(ACCOUNT_BASE + index) for index in range(count)]
    port = compare.free_port()
    emulator = compare.spawn([args.emulator, "--listen-address", f"127.0.0.1:{port}", "--images", "0",
                              "--latency-ms", str(args.latency_ms)]
                             + [item for account in accounts for item in ("--account", f"{account}:{args.images}:0")],
                             os.path.join(workdir, f"emulator-{count}.log"))
    compare.wait_listening(emulator, port, "emulator")
    config = os.path.join(workdir, f"targets-{count}.yml")
    with open(config, "w") as f:
        f.write("targets:\n")
        for account in accounts:
            f.write(f"  - role_arn: arn:aws:iam::{account}:role/workspaces-reader\n    regions: [us-east-1]\n")
    exporter_port = compare.free_port()
    env = dict(os.environ, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
               **compare.CREDENTIALS)
    exporter = compare.spawn([args.exporter, "--web.listen-address", f"127.0.0.1:{exporter_port}",
                              "--config.file", config, "--no-collector.bundles", "--no-collector.workspaces",
                              # A collection per scrape: the cost per target, not the API budget's reuse.
                              "--collector.min-interval", "0s",
                              "--log.level", "warn"], os.path.join(workdir, f"exporter-{count}.log"), env=env)
    compare.wait_listening(exporter, exporter_port, "exporter")
    time.sleep(1)
    pid = exporter.pid
    idle = compare.rss_mib(pid)
    status, text = scrape(exporter_port)
    ups = [line for line in text.splitlines() if line.startswith("aws_workspaces_up{")]
    infos = sum(1 for line in text.splitlines() if line.startswith("aws_workspaces_image_info{"))
    if status != 200 or len(ups) != count or not all(line.endswith(" 1") for line in ups) or infos != count * args.images:
        raise RuntimeError(f"{count} targets: status {status}, {len(ups)} up series, {infos} image_info; log:\n"
                           + compare.log_tail(exporter))
    cpu_before = compare.cpu_seconds(pid)
    times = []
    for _ in range(args.scrapes):
        start = time.perf_counter()
        scrape(exporter_port)
        times.append(time.perf_counter() - start)
    cpu = (compare.cpu_seconds(pid) - cpu_before) / args.scrapes
    result = dict(targets=count, idle=idle, after=compare.rss_mib(pid), threads=compare.threads(pid),
                  cpu_ms=cpu * 1000, scrape_ms=statistics.median(times) * 1000)
    compare.stop(exporter)
    compare.stop(emulator)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--counts", default="1,10,50")
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--scrapes", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=2)
    args = parser.parse_args()
    counts = sorted(int(c) for c in args.counts.split(","))
    workdir = tempfile.mkdtemp(prefix="targets-bench-")
    try:
        results = [run_case(args, count, workdir) for count in counts]
    finally:
        compare.stop_all()
    print(f"{args.images} images per target, {args.latency_ms} ms per API request, {args.scrapes} scrapes per count.\n")
    print("| targets | RSS MiB idle | RSS MiB after scrapes | threads | CPU ms per scrape | scrape ms (median) |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['targets']} | {r['idle']:.1f} | {r['after']:.1f} | {r['threads']} | {r['cpu_ms']:.1f} | {r['scrape_ms']:.0f} |")
    if len(results) > 1:
        low, high = results[0], results[-1]
        added = high["targets"] - low["targets"]
        print(f"| per target added ({low['targets']} → {high['targets']}) | {(high['idle'] - low['idle']) / added * 1024:.0f} KiB "
              f"| {(high['after'] - low['after']) / added * 1024:.0f} KiB | | {(high['cpu_ms'] - low['cpu_ms']) / added:.2f} | |")


if __name__ == "__main__":
    sys.exit(main())
