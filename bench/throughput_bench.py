#!/usr/bin/env python3
"""Serving throughput of workspaces_exporter next to node_exporter, same payload,
same run, same load generator, printing a Markdown table.

The exporter runs with --collector.min-interval, so that after the first scrape
no API call is made and /metrics serves the cached collection. node_exporter
(Debian's prometheus-node-exporter, textfile collector only) serves the
exporter's own output for the same images, saved as a .prom file: the same
~600 lines. wrk drives both, with and without gzip, alternating, and the table
gives requests/s, bytes/s and the ratio to node_exporter.

Usage: bench/throughput_bench.py BIN_DIR [--images 500] [--seconds 10] [--connections 32] [--rounds 2]
       (--images 130 gives the ~600-line payload of the issue's node_exporter figures)
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from scrape_bench import cpu_seconds, free_port, rss_mib, wait_port  # noqa: E402


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def wrk(url, seconds, connections, gzip):
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    if gzip:
        command += ["-H", "Accept-Encoding: gzip"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    read = re.search(r"requests in [\d.]+\w+, ([\d.]+)(\w+) read", output)
    scale = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}[read.group(2)]
    errors = re.search(r"(Socket errors:.*|Non-2xx or 3xx responses: \d+)", output)
    return {"rate": rate, "requests": requests, "bytes_per_s": float(read.group(1)) * scale / seconds,
            "errors": errors.group(1) if errors else ""}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    # node_exporter answers 503 past 40 concurrent requests (--web.max-requests).
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    node_exporter = shutil.which("prometheus-node-exporter")
    if not node_exporter or not shutil.which("wrk"):
        sys.exit("needs prometheus-node-exporter and wrk (scripts/deps.sh bench)")

    workdir = tempfile.mkdtemp(prefix="throughput-")
    emulator_port, exporter_port, node_port = free_port(), free_port(), free_port()
    processes = []
    try:
        processes.append(subprocess.Popen(
            [f"{args.bin_dir}/workspaces_emulator", "--listen-address", f"127.0.0.1:{emulator_port}", "--images", str(args.images)],
            stdout=subprocess.DEVNULL))
        env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEMULATOR", AWS_SECRET_ACCESS_KEY="emulator-secret", AWS_EC2_METADATA_DISABLED="true",
                   AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
        exporter = subprocess.Popen(
            [f"{args.bin_dir}/workspaces_exporter", "--web.listen-address", f"127.0.0.1:{exporter_port}",
             "--aws.region", "us-east-1", "--aws.endpoint-url", f"http://127.0.0.1:{emulator_port}",
             "--aws.account-id", "123456789012", "--collector.min-interval", "86400", "--log.level", "warn"], env=env, stderr=subprocess.DEVNULL)
        processes.append(exporter)
        wait_port(emulator_port)
        wait_port(exporter_port)
        exporter_url = f"http://127.0.0.1:{exporter_port}/metrics"
        text = fetch(exporter_url).decode()
        # node_exporter has its own process_* metrics; the textfile collector
        # refuses families that clash with them, so those are left out.
        kept, skip = [], False
        for line in text.splitlines(keepends=True):
            if line.startswith("# HELP "):
                skip = line.split()[2].startswith("process_")
            if not skip:
                kept.append(line)
        with open(os.path.join(workdir, "workspaces.prom"), "w") as f:
            f.writelines(kept)
        node = subprocess.Popen(
            [node_exporter, f"--web.listen-address=127.0.0.1:{node_port}", "--collector.disable-defaults",
             "--collector.textfile", f"--collector.textfile.directory={workdir}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(node)
        wait_port(node_port)
        node_url = f"http://127.0.0.1:{node_port}/metrics"
        node_text = fetch(node_url).decode()
        if "aws_workspaces_image_info" not in node_text:
            sys.exit("node_exporter did not serve the payload")

        sizes = {}
        for name, url in (("workspaces_exporter", exporter_url), ("node_exporter", node_url)):
            sizes[(name, False)] = len(fetch(url))
            sizes[(name, True)] = len(fetch(url, {"Accept-Encoding": "gzip"}))
        results = {}
        cpu = {}
        for _ in range(args.rounds):
            for gzip in (True, False):
                for name, url, process in (("workspaces_exporter", exporter_url, exporter), ("node_exporter", node_url, node)):
                    before = cpu_seconds(process.pid)
                    result = wrk(url, args.seconds, args.connections, gzip)
                    used = cpu_seconds(process.pid) - before
                    results.setdefault((name, gzip), []).append(result)
                    cpu.setdefault((name, gzip), []).append(used / max(result["requests"], 1) * 1e6)
        print(f"{args.images} images; {len(text.splitlines())} lines, {sizes[('workspaces_exporter', False)]} bytes from the exporter, "
              f"{len(node_text.splitlines())} lines, {sizes[('node_exporter', False)]} bytes from node_exporter (its own metrics included). "
              f"wrk -t2 -c{args.connections}, {args.seconds} s per run, {args.rounds} rounds alternating; medians.\n")
        print("| server | gzip | requests/s | ÷ node_exporter | MB/s sent | body bytes | server CPU µs/request | errors |")
        print("|---|---|---|---|---|---|---|---|")
        for gzip in (True, False):
            node_rate = statistics.median(r["rate"] for r in results[("node_exporter", gzip)])
            for name in ("workspaces_exporter", "node_exporter"):
                runs = results[(name, gzip)]
                rate = statistics.median(r["rate"] for r in runs)
                mbps = statistics.median(r["bytes_per_s"] for r in runs) / 1024 ** 2
                errors = "; ".join(r["errors"] for r in runs if r["errors"]) or "none"
                print(f"| {name} | {'yes' if gzip else 'no'} | {rate:,.0f} | {rate / node_rate:.1f} | {mbps:.1f} | {sizes[(name, gzip)]:,} "
                      f"| {statistics.median(cpu[(name, gzip)]):.0f} | {errors} |")
        print(f"\nworkspaces_exporter RSS after the runs: {rss_mib(exporter.pid):.1f} MiB")
    finally:
        for process in processes:
            process.terminate()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
