#!/usr/bin/env python3
"""Scrape benchmarks for workspaces_exporter, run side by side with a baseline
in the same run, printing a Markdown table.

For each image count N, the emulator serves N images with a fixed per-request
latency. The floor is the same DescribeWorkspaceImages request sequence made by
a minimal keep-alive client (this script, http.client); the exporter's scrape
time is then reported as a ratio to it. Also measured: API requests and new TCP
connections per scrape (from the emulator's counters), the exporter's CPU time
per scrape and its resident memory (from /proc).

A last run makes 10,000 scrapes in a row (40 images, no added latency) and
reports RSS before and after them: the leak check.

Usage: bench/scrape_bench.py BIN_DIR [--latency-ms 20] [--counts 40,500,2000]
                                     [--scrapes 20] [--rss-scrapes 200] [--leak-scrapes 10000]
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time

import sigv4
# Process handling, /proc readings, the floor and the scrape of the three-way comparison.
from compare import cpu_seconds, floor_sequence, free_port, rss_mib, scrape, wait_listening


def emulator_stats(port):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/emulator/stats")
    stats = json.loads(conn.getresponse().read())
    conn.close()
    return stats


def launch(bin_dir, count, latency_ms):
    emulator_port, exporter_port = free_port(), free_port()
    emulator = subprocess.Popen([f"{bin_dir}/workspaces_emulator", "--listen-address", f"127.0.0.1:{emulator_port}",
                                 "--images", str(count), "--latency-ms", str(latency_ms)], stdout=subprocess.DEVNULL)
    env = dict(os.environ, AWS_ACCESS_KEY_ID=sigv4.ACCESS_KEY, AWS_SECRET_ACCESS_KEY=sigv4.SECRET_KEY, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    exporter = subprocess.Popen([f"{bin_dir}/workspaces_exporter", "--web.listen-address", f"127.0.0.1:{exporter_port}",
                                 "--aws.region", "us-east-1", "--aws.endpoint-url", f"http://127.0.0.1:{emulator_port}", "--aws.account-id", "123456789012",
                                 "--no-collector.bundles", "--no-collector.workspaces",
                                 # A collection per scrape, as measured here: not the API budget's reuse.
                                 "--collector.min-interval", "0s",
                                 "--log.level", "warn"], env=env, stderr=subprocess.DEVNULL)
    wait_listening(emulator, emulator_port, "emulator")
    wait_listening(exporter, exporter_port, "exporter")
    return emulator, exporter, emulator_port, exporter_port


def leak_run(bin_dir, count, scrapes):
    """RSS before and after `scrapes` scrapes in a row, after a warm-up of 1,000."""
    emulator, exporter, _, exporter_port = launch(bin_dir, count, 0)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", exporter_port)
        for _ in range(1000):
            scrape(conn)
        before = rss_mib(exporter.pid)
        cpu_before = cpu_seconds(exporter.pid)
        for _ in range(scrapes):
            scrape(conn)
        cpu_ms = (cpu_seconds(exporter.pid) - cpu_before) / scrapes * 1000
        return before, rss_mib(exporter.pid), cpu_ms
    finally:
        for process in (exporter, emulator):
            process.terminate()
            process.wait()


def run(bin_dir, count, latency_ms, scrapes, rss_scrapes):
    emulator, exporter, emulator_port, exporter_port = launch(bin_dir, count, latency_ms)
    try:
        time.sleep(0.3)
        idle_rss = rss_mib(exporter.pid)
        floor_conn = http.client.HTTPConnection("127.0.0.1", emulator_port)
        scrape_conn = http.client.HTTPConnection("127.0.0.1", exporter_port)
        status, _, _ = scrape(scrape_conn)  # warm-up: first connection, first credentials
        assert status == 200
        floor_sequence(floor_conn)
        floors, scrape_times = [], []
        before = emulator_stats(emulator_port)
        cpu_before = cpu_seconds(exporter.pid)
        requests = None
        size = 0
        for _ in range(scrapes):
            # Side by side: a floor sequence, then a scrape, alternating.
            start = time.perf_counter()
            requests = floor_sequence(floor_conn)
            floors.append(time.perf_counter() - start)
            start = time.perf_counter()
            status, size, _ = scrape(scrape_conn)
            scrape_times.append(time.perf_counter() - start)
            assert status == 200
        cpu_used = cpu_seconds(exporter.pid) - cpu_before
        after = emulator_stats(emulator_port)
        exporter_requests = (after["requests"] - before["requests"] - requests * scrapes) / scrapes
        # The floor connection and our stats connections are the only others.
        new_connections = after["connections"] - before["connections"] - 1
        rss_after_first = rss_mib(exporter.pid)
        for _ in range(rss_scrapes):
            scrape(scrape_conn)
        rss_after_many = rss_mib(exporter.pid)
        floor = statistics.median(floors)
        taken = statistics.median(scrape_times)
        return {
            "images": count, "pages": requests, "floor_ms": floor * 1000, "scrape_ms": taken * 1000, "ratio": taken / floor,
            "requests_per_scrape": exporter_requests, "new_connections": new_connections,
            "cpu_ms_per_scrape": cpu_used / scrapes * 1000, "gzip_bytes": size,
            "rss_idle": idle_rss, "rss_first": rss_after_first, "rss_many": rss_after_many, "rss_scrapes": rss_scrapes + scrapes + 1,
        }
    finally:
        for process in (exporter, emulator):
            process.terminate()
            process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--counts", default="40,500,2000")
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument("--rss-scrapes", type=int, default=200)
    parser.add_argument("--leak-scrapes", type=int, default=10000)
    args = parser.parse_args()
    rows = [run(args.bin_dir, int(n), args.latency_ms, args.scrapes, args.rss_scrapes) for n in args.counts.split(",")]
    print(f"Emulator latency {args.latency_ms} ms per request; medians of {args.scrapes} scrapes, each next to a floor run.\n")
    print("| images | scrape ÷ floor | scrape ms | floor ms | API requests/scrape (ceil(N/25)) | new TCP connections | CPU ms/scrape | gzip body bytes | RSS MiB idle → after 1 → after n scrapes |")
    print("|---|---|---|---|---|---|---|---|---|")
    failed = False
    for r in rows:
        expected = -(-r["images"] // 25)
        if r["requests_per_scrape"] != expected or r["new_connections"] != 0:
            failed = True
        print(f"| {r['images']} | {r['ratio']:.3f} | {r['scrape_ms']:.1f} | {r['floor_ms']:.1f} | {r['requests_per_scrape']:.0f} ({expected}) "
              f"| {r['new_connections']} | {r['cpu_ms_per_scrape']:.2f} | {r['gzip_bytes']} | {r['rss_idle']:.1f} → {r['rss_first']:.1f} → {r['rss_many']:.1f} (n={r['rss_scrapes']}) |")
    if args.leak_scrapes:
        before, after, cpu_ms = leak_run(args.bin_dir, 40, args.leak_scrapes)
        print(f"\nLeak check: 40 images, no added latency, {args.leak_scrapes} scrapes in a row after 1,000: "
              f"RSS {before:.1f} → {after:.1f} MiB ({after - before:+.2f}), {cpu_ms:.2f} ms CPU per scrape.")
    if failed:
        print("\nFAIL: API requests per scrape above ceil(N/25), or new connections after the first scrape", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
