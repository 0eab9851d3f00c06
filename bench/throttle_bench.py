#!/usr/bin/env python3
"""Retry modes under throttling: how many calls the exporter sends into an
endpoint that throttles it, and how many succeed, in the AWS SDKs'
`standard` and `adaptive` retry modes (AWS_RETRY_MODE), side by side.

For each mode, one fresh emulator limits WorkSpaces calls to --rate per
second for the account and region (--throttle-rate: a token bucket holding
one second's worth; more are answered 400 ThrottlingException, as AWS's
rate limits answer), with --images images (25 a page). One fresh exporter
(--max-attempts, --no-collector.bundles, otherwise defaults) is scraped by
--scrapers clients for --duration seconds, each scraping every --interval
seconds as Prometheus does (the next scrape waits for the last one; 0 means
back to back), with X-Prometheus-Scrape-Timeout-Seconds --scrape-timeout:
more pages a second than the limit allows, as several Prometheus servers or
a short interval would ask. Reported per minute, from the emulator's own counters:

  calls       DescribeWorkspaceImages requests received (throttled included)
  accepted    calls answered (calls - throttled)
  throttled   calls refused with ThrottlingException
and from the scrapes: complete (aws_workspaces_up 1) and failed scrapes.

Usage:
  bench/throttle_bench.py --exporter .build/debug/workspaces_exporter \\
                          --emulator .build/debug/workspaces_emulator \\
                          [--modes standard,adaptive] [--rate 2] [--images 100] [--scrapers 4]
                          [--duration 120] [--interval 2] [--scrape-timeout 10] [--max-attempts 3] [--json FILE|-]
Exit code 2 on an error.
"""
import argparse
import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, process, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


def get(port, path, headers=None, timeout=60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return response.status, body.decode()
    finally:
        connection.close()


def run_mode(mode, args, workdir):
    children = []
    try:
        emulator_port = free_port()
        emulator = subprocess.Popen(
            [args.emulator, "--listen-address", f"127.0.0.1:{emulator_port}", "--images", str(args.images),
             "--throttle-rate", str(args.rate)],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, f"emulator-{mode}.log"), "w"), start_new_session=True)
        children.append(emulator)
        wait_port(emulator_port, emulator)
        exporter_port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.lower().endswith("_proxy")}
        env.update({"AWS_ACCESS_KEY_ID": "AKIDEMULATOR", "AWS_SECRET_ACCESS_KEY": "emulator-secret",
                    "AWS_ENDPOINT_URL": f"http://127.0.0.1:{emulator_port}", "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_CONFIG_FILE": "/nonexistent", "AWS_RETRY_MODE": mode, "AWS_MAX_ATTEMPTS": str(args.max_attempts)})
        exporter = subprocess.Popen(
            [args.exporter, "--web.listen-address", f"127.0.0.1:{exporter_port}", "--aws.region", "us-east-1",
             "--aws.account-id", "123456789012", "--no-collector.bundles", "--web.max-requests", "0"],
            env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, f"exporter-{mode}.log"), "w"), start_new_session=True)
        children.append(exporter)
        wait_port(exporter_port, exporter)

        _, before = get(emulator_port, "/emulator/stats")
        before = json.loads(before)["operations"]
        results = {"complete": 0, "failed": 0}
        lock = threading.Lock()
        stop_at = time.time() + args.duration

        def scraper(offset):
            headers = {"Accept-Encoding": "gzip", "X-Prometheus-Scrape-Timeout-Seconds": str(args.scrape_timeout)}
            next_at = time.time() + offset
            while time.time() < stop_at:
                if args.interval > 0:
                    time.sleep(max(0, next_at - time.time()))
                    next_at = max(next_at + args.interval, time.time())
                    if time.time() >= stop_at:
                        break
                try:
                    status, text = get(exporter_port, "/metrics", headers, timeout=args.scrape_timeout + 5)
                    up = status == 200 and any(line.startswith("aws_workspaces_up{") and line.endswith(" 1") for line in text.splitlines())
                except OSError:
                    up = False
                with lock:
                    results["complete" if up else "failed"] += 1

        threads = [threading.Thread(target=scraper, args=(i * args.interval / args.scrapers,)) for i in range(args.scrapers)]
        start = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.time() - start
        _, after = get(emulator_port, "/emulator/stats")
        after = json.loads(after)["operations"]
        calls = after.get("DescribeWorkspaceImages", 0) - before.get("DescribeWorkspaceImages", 0)
        throttled = after.get("Throttled", 0) - before.get("Throttled", 0)
        per_minute = 60 / elapsed
        return {
            "mode": mode, "seconds": round(elapsed, 1),
            "calls_per_minute": round(calls * per_minute, 1),
            "accepted_per_minute": round((calls - throttled) * per_minute, 1),
            "throttled_per_minute": round(throttled * per_minute, 1),
            "throttled_share": round(throttled / calls, 3) if calls else 0,
            "complete_scrapes_per_minute": round(results["complete"] * per_minute, 1),
            "failed_scrapes_per_minute": round(results["failed"] * per_minute, 1),
        }
    finally:
        for child in children:
            try:
                os.killpg(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--modes", default="standard,adaptive")
    parser.add_argument("--rate", type=float, default=2)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--scrapers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--interval", type=float, default=2)
    parser.add_argument("--scrape-timeout", type=float, default=10)
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="throttle-bench-")
    rows = []
    try:
        for mode in args.modes.split(","):
            rows.append(run_mode(mode, args, workdir))
    except (RuntimeError, OSError) as error:
        print(f"error: {error} (logs in {workdir})", file=sys.stderr)
        return 2
    if args.json:
        text = json.dumps(rows, indent=2)
        if args.json == "-":
            print(text)
            return 0
        with open(args.json, "w") as f:
            f.write(text)
    print(f"{args.scrapers} scrapers every {args.interval:g} s for {args.duration:.0f} s per mode; {args.images} images ({-(-args.images // 25)} pages a scrape); "
          f"the endpoint accepts {args.rate:g} calls/s; max attempts {args.max_attempts}")
    columns = ["mode", "calls_per_minute", "accepted_per_minute", "throttled_per_minute", "throttled_share",
               "complete_scrapes_per_minute", "failed_scrapes_per_minute"]
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(str(row[c]) for c in columns))
    if len(rows) == 2 and rows[0]["calls_per_minute"]:
        a, b = rows
        print(f"{b['mode']} / {a['mode']}: calls {b['calls_per_minute'] / a['calls_per_minute']:.2f}x, "
              f"accepted {b['accepted_per_minute'] / max(a['accepted_per_minute'], 1e-9):.2f}x, "
              f"throttled {b['throttled_per_minute'] / max(a['throttled_per_minute'], 1e-9):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
