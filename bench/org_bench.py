#!/usr/bin/env python3
"""Scale benchmark of an AWS organisation: an exporter that discovers every
member account through AWS Organizations, scraped the two ways Prometheus can.

For each count K (default 100 and 1,000) one emulator serves K member accounts
(--generated-accounts K:IMAGES, ids 200000000000 upwards), each with IMAGES
images (default 100) in us-east-1, every API answer LATENCY ms late (default
50). The exporter gets the config file

    organizations:
      - role_name: WorkSpacesReader
        regions: [us-east-1]
        exclude_accounts: ["123456789012"]   # the management account (no images)

and the script waits until GET /sd lists the K targets. Then:

/probe mode, as Prometheus would scrape it (exporter with
--no-web.metrics-targets): every target probed once per --interval, target i
at offset i*interval/K of each round, rounds back to back; one warm-up round
(the first probe of each account assumes its role), then --rounds measured
rounds. Probes carry Prometheus's Accept, Accept-Encoding: gzip and
X-Prometheus-Scrape-Timeout-Seconds (--probe-timeout), on keep-alive
connections taken from a pool, most recently used first, as Go's HTTP
transport in Prometheus does; --threads client threads, far more than
the probes ever in flight: the time a probe waited for a free thread is
reported (over 100 ms fails the run), and apart from it how late the
dispatcher woke (a machine busy with something else). Reported:
latency median/p90/p99/max and the ratio to the floor, failures (non-200, or
aws_workspaces_up 0 or missing in the gunzipped body), exporter CPU per
probe and CPU utilisation over the measured rounds (utime+stime of
/proc/PID/stat), VmRSS and VmHWM after them, API requests per probe and
AssumeRole calls (the emulator's counters).

The floor of a probe is its longest chain of sequential API calls times the
latency: ceil(IMAGES/25) DescribeWorkspaceImages pages, next to which the
bundles collector pages DescribeWorkspaceBundles (the emulator seeds a bundle
on images 0, 1 and every third from 5: 34 bundles, 2 pages for 100 images):
max of the two chains, 4 x 50 ms = 200 ms for the defaults. The exporter's
own time per probe is measured separately, once per run: sequential probes of
one account against an emulator with no added latency (--overhead-probes).

/metrics mode, for comparison: a fresh exporter (same config, every target
collected on each scrape of /metrics) per --metrics-concurrency value
(--collector.max-concurrency; default 10, the exporter's default, and 50):
one warm-up scrape, then --metrics-scrapes measured ones (gzip,
X-Prometheus-Scrape-Timeout-Seconds --metrics-timeout, and --collector.timeout
set to the same, since it bounds each target's collection from the scrape's
start, its wait for a concurrency slot included): wall time (floor:
ceil(K/concurrency) probe floors), CPU per scrape and per target, body size
gunzipped and gzipped, series, VmRSS and VmHWM.

A table per count, then CPU per target at the largest count against the
smallest, in both modes (1.00 = linear growth). Exit code 1 when a probe or a
scrape failed or the client queued probes, 2 on an error.

Usage:
  bench/org_bench.py --exporter .build/release/workspaces_exporter \\
                     --emulator .build/release/workspaces_emulator \\
                     [--targets 100,1000] [--images 100] [--latency-ms 50] [--interval 60] \\
                     [--rounds 2] [--metrics-concurrency 10,50] [--modes probe,metrics] [--json FILE|-]
"""
import argparse
import gzip
import http.client
import json
import math
import os
import queue
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time

import compare  # process handling and /proc readings, shared with the other benchmarks
from compare import cpu_seconds, free_port, log_tail, spawn, status_field, stop, stop_all, wait_listening

MANAGEMENT_ACCOUNT = "123456789012"
REGION = "us-east-1"
PAGE_SIZE = 25
# What Prometheus 2.x sends to a scrape target.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
USER_AGENT = "Prometheus/2.53.0 (org_bench.py)"
STALE_CONNECTION = (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionResetError, BrokenPipeError)
GOAL_CPU_MS_PER_PROBE = 2.0
GOAL_RSS_BYTES = 150_000_000  # "150 MB"
GOAL_TARGETS = 1000  # the count the goals are stated for


# ---------------------------------------------------------------- the floor

def pages(items):
    return max(1, -(-items // PAGE_SIZE))


def seeded_bundles(images):
    """Own bundles the emulator seeds for a generated account of `images` images
    (Sources/WorkSpacesEmulator/SeedBundles.swift): on images 0 and 1 and on
    every third one from 5."""
    return min(images, 2) + (max(0, (images - 5 + 2) // 3) if images > 5 else 0)


def floor_chain(images):
    """Sequential API calls of one probe: the longer of the two concurrent chains."""
    return max(pages(images), pages(seeded_bundles(images)))


def expected_requests(images):
    return pages(images) + pages(seeded_bundles(images))


# ---------------------------------------------------------------- statistics

def percentile(values, q):
    """Nearest rank of sorted `values`."""
    if not values:
        return float("nan")
    return values[max(0, math.ceil(q / 100 * len(values)) - 1)]


def summary_ms(seconds):
    values = sorted(s * 1000 for s in seconds)
    if not values:
        return dict(n=0)
    return dict(n=len(values), min=values[0], median=percentile(values, 50), p90=percentile(values, 90),
                p99=percentile(values, 99), max=values[-1], mean=statistics.fmean(values))


def memory(pid):
    return dict(rss_mib=status_field(pid, "VmRSS") / 1024, hwm_mib=status_field(pid, "VmHWM") / 1024,
                threads=status_field(pid, "Threads"))


# ---------------------------------------------------------------- processes

class Emulator:
    def __init__(self, binary, accounts, images, latency_ms, workdir, tag):
        self.port = free_port()
        self.process = spawn([binary, "--listen-address", f"127.0.0.1:{self.port}", "--images", "0",
                              "--generated-accounts", f"{accounts}:{images}", "--latency-ms", str(latency_ms)],
                             os.path.join(workdir, f"emulator-{tag}.log"))
        wait_listening(self.process, self.port, "emulator")
        self.url = f"http://127.0.0.1:{self.port}"

    def stats(self):
        """The emulator's counters; connections without the ones these calls opened."""
        self.stats_calls = getattr(self, "stats_calls", 0) + 1
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/emulator/stats")
            stats = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        stats["connections"] -= self.stats_calls
        return stats


def stats_delta(before, after):
    operations = {name: after["operations"].get(name, 0) - before["operations"].get(name, 0)
                  for name in after["operations"]}
    return dict(requests=after["requests"] - before["requests"],
                connections=after["connections"] - before["connections"],
                operations={k: v for k, v in operations.items() if v})


def write_config(workdir):
    path = os.path.join(workdir, "organization.yml")
    with open(path, "w") as f:
        f.write("organizations:\n"
                "  - role_name: WorkSpacesReader\n"
                f"    regions: [{REGION}]\n"
                f"    exclude_accounts: [\"{MANAGEMENT_ACCOUNT}\"]\n")
    return path


class Exporter:
    def __init__(self, args, emulator, config, workdir, tag, flags):
        self.port = free_port()
        env = compare.clean_env()
        env.update(AWS_ENDPOINT_URL=emulator.url, AWS_REGION=REGION)
        self.log_path = os.path.join(workdir, f"exporter-{tag}.log")
        self.process = spawn([args.exporter, "--web.listen-address", f"127.0.0.1:{self.port}", "--config.file", config,
                              "--web.max-requests", str(args.max_requests), "--log.level", "warn"] + flags + args.exporter_flag,
                             self.log_path, env=env)
        self.pid = self.process.pid
        wait_listening(self.process, self.port, "exporter")

    def get(self, path, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.getheader("Content-Encoding"), response.read()
        finally:
            conn.close()

    def wait_for_targets(self, expected, timeout):
        """Polls /sd until it lists `expected` targets; returns them and the seconds it took."""
        start = time.monotonic()
        listed = []
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"exporter exited with {self.process.returncode}:\n{log_tail(self.process)}")
            status, _, body = self.get("/sd")
            if status == 200:
                listed = [target for group in json.loads(body) for target in group["targets"]]
                if len(listed) >= expected:
                    if len(listed) != expected:
                        raise RuntimeError(f"/sd lists {len(listed)} targets, expected {expected}")
                    return listed, time.monotonic() - start
            time.sleep(0.2)
        raise RuntimeError(f"/sd listed {len(listed)} of {expected} targets after {timeout} s:\n{log_tail(self.process)}")

    def log_problems(self):
        """(count, first 20) of the lines at warn or above in the exporter's log (it runs with --log.level warn)."""
        try:
            with open(self.log_path, errors="replace") as f:
                lines = [line.rstrip("\n") for line in f if line.strip()]
        except OSError:
            lines = []
        return dict(count=len(lines), first=lines[:20])


# ---------------------------------------------------------------- /probe mode

def read_body(response):
    body = response.read()
    plain = gzip.decompress(body) if response.getheader("Content-Encoding") == "gzip" else body
    return body, plain


def check_target_body(text):
    """(up lines, of which 1, the collection seconds the body reports or None)."""
    ups = good = 0
    collection = None
    for line in text.splitlines():
        if line.startswith("aws_workspaces_up{"):
            ups += 1
            good += line.rsplit(" ", 1)[-1] in ("1", "1.0")
        elif line.startswith("aws_workspaces_scrape_duration_seconds{"):
            try:
                collection = float(line.rsplit(" ", 1)[-1])
            except ValueError:
                pass
    return ups, good, collection


class ProbeClient:
    """Daemon worker threads taking probes off a queue, which the main thread
    fills at the planned times; keep-alive connections to the exporter in a
    shared pool, the most recently used idle one first (as Go's transport)."""

    def __init__(self, port, threads, probe_timeout):
        self.port, self.probe_timeout = port, probe_timeout
        self.tasks = queue.Queue()
        self.lock = threading.Lock()
        self.done = threading.Condition(self.lock)
        self.results = []
        self.idle = []  # keep-alive connections not in use, most recent last
        self.connections_opened = 0
        self.reconnects = 0
        self.busy = self.peak_busy = 0
        self.headers = {"Accept": PROMETHEUS_ACCEPT, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT,
                        "X-Prometheus-Scrape-Timeout-Seconds": f"{probe_timeout:g}"}
        for number in range(threads):
            threading.Thread(target=self._work, name=f"probe-{number}", daemon=True).start()

    def _connection(self, new=False):
        """(connection, whether it is new): the most recently used idle one, else a new one."""
        with self.lock:
            if self.idle and not new:
                return self.idle.pop(), False
            self.connections_opened += 1
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.probe_timeout + 10), True

    def _work(self):
        while True:
            round_number, target, planned, queued = self.tasks.get()
            started = time.monotonic()
            with self.lock:
                self.busy += 1
                self.peak_busy = max(self.peak_busy, self.busy)
            # late: the dispatcher woke after the planned time (a busy machine);
            # wait: the probe sat in the queue with every client thread busy.
            result = dict(round=round_number, target=target, late=queued - planned, wait=started - queued,
                          status=None, error=None)
            conn = None
            try:
                for attempt in (1, 2):
                    conn, fresh = self._connection(new=attempt == 2)
                    try:
                        conn.request("GET", f"/probe?target={target}", headers=self.headers)
                        response = conn.getresponse()
                        body, plain = read_body(response)
                        break
                    except STALE_CONNECTION:
                        # The exporter closed an idle keep-alive connection: retry once on a
                        # new one, as Go's HTTP transport does for a reused connection.
                        conn.close()
                        conn = None
                        if fresh or attempt == 2:
                            raise
                        with self.lock:
                            self.reconnects += 1
                result["seconds"] = time.monotonic() - started
                result["status"] = response.status
                result["gzip_bytes"], result["plain_bytes"] = len(body), len(plain)
                if response.status == 200:
                    ups, good, collection = check_target_body(plain.decode(errors="replace"))
                    result["up"] = good == 1 and ups == 1
                    result["collection"] = collection
                    if not result["up"]:
                        result["error"] = f"{ups} aws_workspaces_up series, {good} of them 1"
                else:
                    result["error"] = plain[:200].decode(errors="replace").strip()
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                else:
                    with self.lock:
                        self.idle.append(conn)
                conn = None
            except Exception as error:  # noqa: BLE001 - every failure is a failed probe, reported
                result["seconds"] = time.monotonic() - started
                result["error"] = f"{type(error).__name__}: {error}"
                if conn is not None:
                    conn.close()
                    conn = None
            with self.done:
                self.busy -= 1
                self.results.append(result)
                self.done.notify_all()

    def run_rounds(self, targets, interval, first_round, rounds, t0, on_round_start=None):
        """Dispatches `rounds` rounds from t0 + first_round*interval on, target i
        at offset i*interval/len(targets); returns when the last probe has answered."""
        with self.lock:
            expected = len(self.results) + rounds * len(targets)
        step = interval / len(targets)
        for round_number in range(first_round, first_round + rounds):
            if on_round_start:
                wait = t0 + round_number * interval - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                on_round_start(round_number)
            for index, target in enumerate(targets):
                planned = t0 + round_number * interval + index * step
                wait = planned - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self.tasks.put((round_number, target, planned, time.monotonic()))
        with self.done:
            while len(self.results) < expected:
                self.done.wait(1)


def probe_figures(results, images, latency_ms):
    ok = [r for r in results if r["status"] == 200 and r.get("up")]
    floor_ms = floor_chain(images) * latency_ms
    latency = summary_ms([r["seconds"] for r in results])
    ratio = {k: (latency[k] / floor_ms if floor_ms else None) for k in ("median", "p90", "p99", "max")} if results else {}
    collections = [r["collection"] for r in ok if r.get("collection") is not None]
    failures = [r for r in results if not (r["status"] == 200 and r.get("up"))]
    return dict(
        probes=len(results), latency_ms=latency, ratio_to_floor=ratio,
        collection_ms=summary_ms(collections),
        late_ms=summary_ms([max(0.0, r["late"]) for r in results]),
        latest=max(({"target": r["target"], "round": r["round"], "late_ms": r["late"] * 1000} for r in results),
                   key=lambda x: x["late_ms"], default=None),
        wait_ms=summary_ms([r["wait"] for r in results]),
        failures=len(failures),
        non_200=sum(1 for r in results if r["status"] not in (200, None)),
        status_503=sum(1 for r in results if r["status"] == 503),
        transport_errors=sum(1 for r in results if r["status"] is None),
        up_0=sum(1 for r in results if r["status"] == 200 and not r.get("up")),
        failure_examples=[f"{r['target']} round {r['round']}: {r['status']} {r['error']}" for r in failures[:5]],
        gzip_bytes=statistics.median([r["gzip_bytes"] for r in ok]) if ok else None,
        plain_bytes=statistics.median([r["plain_bytes"] for r in ok]) if ok else None,
    )


def probe_mode(args, count, emulator, config, workdir, progress):
    exporter = Exporter(args, emulator, config, workdir, f"{count}-probe",
                        ["--no-web.metrics-targets", "--collector.max-concurrency", str(args.probe_max_concurrency)])
    try:
        started = memory(exporter.pid)
        targets, discovery = exporter.wait_for_targets(count, args.discovery_timeout)
        progress(f"/probe: {count} targets discovered in {discovery:.1f} s; warm-up rounds {args.warmup_rounds}, "
                 f"then {args.rounds} measured rounds of {args.interval:g} s")
        idle = memory(exporter.pid)
        client = ProbeClient(exporter.port, args.threads, args.probe_timeout)
        marks = {}

        def on_round_start(round_number):
            # Only instant readings here: the first probe of the round is due now.
            if round_number == args.warmup_rounds:
                marks["cpu"], marks["wall"] = cpu_seconds(exporter.pid), time.monotonic()
                marks["emulator_cpu"] = cpu_seconds(emulator.process.pid)
                marks["client_cpu"] = time.process_time()
            progress(f"/probe: round {round_number + 1} of {args.warmup_rounds + args.rounds}"
                     + (" (warm-up)" if round_number < args.warmup_rounds else ""))

        # The emulator's counters around all the rounds, while no probe is in
        # flight: rounds run back to back, so there is no such moment between them.
        stats_start = emulator.stats()
        cpu_start = cpu_seconds(exporter.pid)
        t0 = time.monotonic() + 0.5
        client.run_rounds(targets, args.interval, 0, args.warmup_rounds + args.rounds, t0, on_round_start)
        wall = time.monotonic() - marks["wall"]
        cpu = cpu_seconds(exporter.pid) - marks["cpu"]
        warm_cpu = marks["cpu"] - cpu_start
        after = memory(exporter.pid)
        stats = stats_delta(stats_start, emulator.stats())
        measured = [r for r in client.results if r["round"] >= args.warmup_rounds]
        warm = [r for r in client.results if r["round"] < args.warmup_rounds]
        figures = probe_figures(measured, args.images, args.latency_ms)
        probes = len(measured)
        collecting = sum(stats["operations"].get(kind, 0) for kind in ("DescribeWorkspaceImages", "DescribeWorkspaceBundles",
                                                                         "DescribeWorkspaces", "DescribeWorkspaceImagePermissions"))
        figures.update(
            targets=count, discovery_seconds=discovery, rounds=args.rounds, warmup_rounds=args.warmup_rounds,
            interval_seconds=args.interval, threads=args.threads, peak_client_threads_busy=client.peak_busy,
            client_connections_opened=client.connections_opened, client_reconnects=client.reconnects,
            floor_ms=floor_chain(args.images) * args.latency_ms,
            cpu_seconds=cpu, wall_seconds=wall, cpu_ms_per_probe=cpu / probes * 1000 if probes else None,
            cpu_utilisation=cpu / wall if wall else None,
            emulator_cpu_utilisation=(cpu_seconds(emulator.process.pid) - marks["emulator_cpu"]) / wall,
            client_cpu_utilisation=(time.process_time() - marks["client_cpu"]) / wall,
            memory_start=started, memory_idle=idle, memory_after=after,
            api_all_rounds=stats, api_requests_per_probe=collecting / len(client.results) if client.results else None,
            expected_requests_per_probe=expected_requests(args.images),
            warmup=dict(probes=len(warm), failures=sum(1 for r in warm if not (r["status"] == 200 and r.get("up"))),
                        latency_ms=summary_ms([r["seconds"] for r in warm]),
                        cpu_ms_per_probe=warm_cpu / len(warm) * 1000 if warm else None),
            log_lines=exporter.log_problems(),
        )
        return figures
    finally:
        stop(exporter.process)


# ---------------------------------------------------------------- /metrics mode

def scrape_metrics(exporter, timeout):
    headers = {"Accept": PROMETHEUS_ACCEPT, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT,
               "X-Prometheus-Scrape-Timeout-Seconds": f"{timeout:g}"}
    conn = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=timeout + 30)
    try:
        start = time.monotonic()
        conn.request("GET", "/metrics", headers=headers)
        response = conn.getresponse()
        body, plain = read_body(response)
        seconds = time.monotonic() - start
    finally:
        conn.close()
    text = plain.decode(errors="replace")
    series = ups = good = 0
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        series += 1
        if line.startswith("aws_workspaces_up{"):
            ups += 1
            good += line.rsplit(" ", 1)[-1] in ("1", "1.0")
    return dict(status=response.status, seconds=seconds, gzip_bytes=len(body), plain_bytes=len(plain),
                series=series, up_series=ups, up_1=good)


def metrics_mode(args, count, concurrency, emulator, config, workdir, progress):
    flags = ["--collector.max-concurrency", str(concurrency)]
    if args.metrics_collector_timeout:
        # Each target's collection is also bounded by --collector.timeout from the
        # scrape's start, its wait for a concurrency slot included.
        flags += ["--collector.timeout", f"{args.metrics_timeout:g}s"]
    exporter = Exporter(args, emulator, config, workdir, f"{count}-metrics-{concurrency}", flags)
    try:
        _, discovery = exporter.wait_for_targets(count, args.discovery_timeout)
        progress(f"/metrics, max concurrency {concurrency}: warm-up scrape")
        warm_cpu = cpu_seconds(exporter.pid)
        warm = scrape_metrics(exporter, args.metrics_timeout)
        warm["cpu_seconds"] = cpu_seconds(exporter.pid) - warm_cpu
        scrapes = []
        before_stats = emulator.stats()
        cpu_before = cpu_seconds(exporter.pid)
        for number in range(args.metrics_scrapes):
            progress(f"/metrics, max concurrency {concurrency}: scrape {number + 1} of {args.metrics_scrapes}")
            scrapes.append(scrape_metrics(exporter, args.metrics_timeout))
        cpu = cpu_seconds(exporter.pid) - cpu_before
        stats = stats_delta(before_stats, emulator.stats())
        after = memory(exporter.pid)
        n = len(scrapes)
        failed = [s for s in [warm] + scrapes if s["status"] != 200 or s["up_series"] != count or s["up_1"] != count]
        floor_ms = math.ceil(count / concurrency) * floor_chain(args.images) * args.latency_ms
        wall = [s["seconds"] for s in scrapes]
        return dict(
            targets=count, max_concurrency=concurrency, scrapes=n, discovery_seconds=discovery,
            wall_seconds=dict(median=statistics.median(wall), max=max(wall), each=wall), floor_seconds=floor_ms / 1000,
            ratio_to_floor=statistics.median(wall) / (floor_ms / 1000) if floor_ms else None,
            cpu_seconds_per_scrape=cpu / n, cpu_ms_per_target=cpu / n / count * 1000,
            warmup=warm, gzip_bytes=scrapes[-1]["gzip_bytes"], plain_bytes=scrapes[-1]["plain_bytes"],
            series=scrapes[-1]["series"], memory_after=after,
            api_requests_per_target=stats["requests"] / n / count, api=stats,
            failures=len(failed), failure_examples=[f"status {s['status']}, {s['up_series']} up series, {s['up_1']} of them 1"
                                                    for s in failed[:3]],
            log_lines=exporter.log_problems(),
        )
    finally:
        stop(exporter.process)


# ---------------------------------------------------------------- overhead at 0 ms

def overhead(args, workdir, progress):
    """Sequential probes of one account against an emulator without added latency."""
    emulator = Emulator(args.emulator, 1, args.images, 0, workdir, "overhead")
    config = write_config(workdir)
    exporter = Exporter(args, emulator, config, workdir, "overhead",
                        ["--no-web.metrics-targets", "--collector.max-concurrency", str(args.probe_max_concurrency)])
    try:
        targets, _ = exporter.wait_for_targets(1, args.discovery_timeout)
        progress(f"overhead: {args.overhead_probes} sequential probes at 0 ms latency")
        client = ProbeClient(exporter.port, 1, args.probe_timeout)
        now = time.monotonic()
        client.run_rounds(targets, 0.0, 0, 5, now)  # warm-up: role, connections
        cpu_before = cpu_seconds(exporter.pid)
        client.run_rounds(targets, 0.0, 5, args.overhead_probes, now)
        cpu = cpu_seconds(exporter.pid) - cpu_before
        measured = [r for r in client.results if r["round"] >= 5]
        figures = probe_figures(measured, args.images, 0)
        return dict(probes=len(measured), latency_ms=figures["latency_ms"], collection_ms=figures["collection_ms"],
                    failures=figures["failures"], cpu_ms_per_probe=cpu / len(measured) * 1000)
    finally:
        stop(exporter.process)
        stop(emulator.process)


# ---------------------------------------------------------------- report

def fmt(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def mark(ok):
    return "✓" if ok else "✗"


def markdown(report):
    out = []
    o = report.get("overhead")
    p = report["parameters"]
    out.append(f"{p['images']} images per target, {p['latency_ms']} ms per API request; floor of a probe "
               f"{report['floor_chain']} sequential calls × {p['latency_ms']} ms = {report['floor_chain'] * p['latency_ms']} ms "
               f"(ceil({p['images']}/25) DescribeWorkspaceImages pages next to {pages(seeded_bundles(p['images']))} "
               f"DescribeWorkspaceBundles page(s) for {seeded_bundles(p['images'])} bundles).")
    if o:
        lat = o["latency_ms"]
        out.append(f"\nExporter's own time per probe ({o['probes']} sequential probes of one target, emulator at 0 ms, "
                   f"its own work included): median {fmt(lat['median'], 2)} ms, p90 {fmt(lat['p90'], 2)} ms, "
                   f"min {fmt(lat['min'], 2)} ms; collection {fmt(o['collection_ms'].get('median'), 2)} ms; "
                   f"CPU {fmt(o['cpu_ms_per_probe'], 2)} ms per probe"
                   + (f"; {o['failures']} failed" if o["failures"] else "") + ".")
    for case in report["cases"]:
        count = case["targets"]
        out.append(f"\n### {count:,} targets × {p['images']} images, {p['latency_ms']} ms per API request\n")
        pr = case.get("probe")
        if pr:
            lat, ratio, late, wait = pr["latency_ms"], pr["ratio_to_floor"], pr["late_ms"], pr["wait_ms"]
            goals = count >= GOAL_TARGETS
            out.append(f"/probe, as Prometheus: each target once per {pr['interval_seconds']:g} s, spread evenly; "
                       f"{pr['warmup_rounds']} warm-up round(s), then {pr['rounds']} measured ({pr['probes']:,} probes); "
                       f"exporter --collector.max-concurrency {p['probe_max_concurrency']}.\n")
            out.append("| figure | value | goal |")
            out.append("|---|---|---|")
            out.append(f"| probe ms: median / p90 / p99 / max | {fmt(lat.get('median'))} / {fmt(lat.get('p90'))} / "
                       f"{fmt(lat.get('p99'))} / {fmt(lat.get('max'))} | |")
            out.append(f"| ÷ floor ({pr['floor_ms']} ms) | {fmt(ratio.get('median'), 2)} / {fmt(ratio.get('p90'), 2)} / "
                       f"{fmt(ratio.get('p99'), 2)} / {fmt(ratio.get('max'), 2)} | |")
            out.append(f"| collection ms as the exporter reports it (median / p99) | {fmt(pr['collection_ms'].get('median'))} / "
                       f"{fmt(pr['collection_ms'].get('p99'))} | |")
            fail_text = (f"{pr['failures']} ({pr['non_200']} non-200 of which {pr['status_503']} 503, "
                         f"{pr['up_0']} up 0, {pr['transport_errors']} transport)")
            out.append(f"| failed probes | {fail_text} | 0 {mark(pr['failures'] == 0)} |")
            cpu_ok = pr["cpu_ms_per_probe"] is not None and pr["cpu_ms_per_probe"] <= GOAL_CPU_MS_PER_PROBE
            out.append(f"| exporter CPU ms per probe | {fmt(pr['cpu_ms_per_probe'], 2)} | "
                       + (f"≤ {GOAL_CPU_MS_PER_PROBE:g} {mark(cpu_ok)}" if goals else "") + " |")
            out.append(f"| exporter CPU over the rounds (CPU s ÷ wall s) | {fmt(pr['cpu_utilisation'] * 100, 2)} % of a core "
                       f"({fmt(pr['cpu_seconds'], 2)} s in {fmt(pr['wall_seconds'], 1)} s) | |")
            after, idle = pr["memory_after"], pr["memory_idle"]
            rss_ok = after["hwm_mib"] * 1024 * 1024 <= GOAL_RSS_BYTES
            out.append(f"| RSS MiB after discovery → after the rounds (VmHWM) | {fmt(idle['rss_mib'])} → "
                       f"{fmt(after['rss_mib'])} ({fmt(after['hwm_mib'])}) | "
                       + (f"≤ 150 MB = {GOAL_RSS_BYTES / 1048576:.1f} MiB {mark(rss_ok)}" if goals else "") + " |")
            out.append(f"| threads after the rounds | {after['threads']} | |")
            api = pr["api_all_rounds"]
            out.append(f"| all rounds: WorkSpaces API requests per probe (expected); AssumeRole (one per account: {count}); "
                       f"API connections opened | {fmt(pr['api_requests_per_probe'], 2)} ({pr['expected_requests_per_probe']}); "
                       f"{api['operations'].get('AssumeRole', 0)}; {api['connections']} | |")
            warm = pr["warmup"]
            out.append(f"| warm-up round(s): probe ms median / max, CPU ms per probe | "
                       f"{fmt(warm['latency_ms'].get('median'))} / {fmt(warm['latency_ms'].get('max'))}, "
                       f"{fmt(warm['cpu_ms_per_probe'], 2)}"
                       + (f" ({warm['failures']} failed)" if warm["failures"] else "") + " | |")
            out.append(f"| gzip / plain bytes per probe (median) | {fmt(pr['gzip_bytes'], 0)} / {fmt(pr['plain_bytes'], 0)} | |")
            out.append(f"| client: ms a probe waited for a thread, p99 / max; peak probes in flight of {pr['threads']} threads | "
                       f"{fmt(wait.get('p99'), 1)} / {fmt(wait.get('max'), 1)}; {pr['peak_client_threads_busy']} | ≤ 100 {mark(wait.get('max', 0) <= 100)} |")
            out.append(f"| client: ms the dispatcher woke late, p99 / max (a busy machine) | "
                       f"{fmt(late.get('p99'), 1)} / {fmt(late.get('max'), 1)} | |")
            out.append(f"| CPU of the emulator / this client over the rounds | {fmt(pr['emulator_cpu_utilisation'] * 100, 1)} % / "
                       f"{fmt(pr['client_cpu_utilisation'] * 100, 1)} % of a core | |")
            for line in pr["failure_examples"]:
                out.append(f"\n- failed: {line}")
        ms = case.get("metrics") or []
        if ms:
            out.append(f"\n/metrics, every target on each scrape: 1 warm-up, then {ms[0]['scrapes']} measured scrape(s); "
                       f"X-Prometheus-Scrape-Timeout-Seconds {p['metrics_timeout']:g}"
                       + (f", --collector.timeout {p['metrics_timeout']:g}s" if p["metrics_collector_timeout"] else "") + ".\n")
            out.append("| max concurrency | wall s (floor) | ÷ floor | CPU s per scrape | CPU ms per target | "
                       "body MiB plain / gzip | series | RSS MiB (VmHWM) | API requests per target | failed |")
            out.append("|---|---|---|---|---|---|---|---|---|---|")
            for m in ms:
                out.append(f"| {m['max_concurrency']} | {fmt(m['wall_seconds']['median'], 2)} ({fmt(m['floor_seconds'], 2)}) | "
                           f"{fmt(m['ratio_to_floor'], 2)} | {fmt(m['cpu_seconds_per_scrape'], 2)} | {fmt(m['cpu_ms_per_target'], 2)} | "
                           f"{fmt(m['plain_bytes'] / 1048576)} / {fmt(m['gzip_bytes'] / 1048576, 2)} | {m['series']:,} | "
                           f"{fmt(m['memory_after']['rss_mib'])} ({fmt(m['memory_after']['hwm_mib'])}) | "
                           f"{fmt(m['api_requests_per_target'], 2)} | {m['failures']} |")
            for m in ms:
                for line in m["failure_examples"]:
                    out.append(f"\n- failed (concurrency {m['max_concurrency']}): {line}")
        logs = ([("/probe", pr["log_lines"])] if pr else []) + [(f"/metrics {m['max_concurrency']}", m["log_lines"]) for m in ms]
        for name, lines in logs:
            if lines["count"]:
                out.append(f"\nExporter log ({name}): {lines['count']} line(s) at warn or above, the first:\n")
                out.extend(f"    {line[:300]}" for line in lines["first"][:3])
    comparison = report.get("comparison")
    if comparison:
        out.append(f"\nCPU per target, {comparison['high']:,} targets ÷ {comparison['low']:,} (1.00 = linear growth): "
                   + "; ".join(f"{name} {fmt(value, 2)}×" for name, value in comparison["ratios"].items()) + ".")
    return "\n".join(out)


def compare_cases(cases):
    if len(cases) < 2:
        return None
    low, high = cases[0], cases[-1]
    ratios = {}
    if low.get("probe") and high.get("probe") and low["probe"]["cpu_ms_per_probe"]:
        ratios["/probe"] = high["probe"]["cpu_ms_per_probe"] / low["probe"]["cpu_ms_per_probe"]
    for m_low in low.get("metrics") or []:
        for m_high in high.get("metrics") or []:
            if m_low["max_concurrency"] == m_high["max_concurrency"] and m_low["cpu_ms_per_target"]:
                ratios[f"/metrics (concurrency {m_low['max_concurrency']})"] = m_high["cpu_ms_per_target"] / m_low["cpu_ms_per_target"]
    return dict(low=low["targets"], high=high["targets"], ratios=ratios)


# ---------------------------------------------------------------- main

def counts(text):
    values = sorted({int(v) for v in text.split(",") if v.strip()})
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers")
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exporter", required=True, help="the workspaces_exporter binary")
    parser.add_argument("--emulator", required=True, help="the workspaces_emulator binary")
    parser.add_argument("--targets", type=counts, default=[100, 1000], help="member accounts, comma-separated (default 100,1000)")
    parser.add_argument("--images", type=int, default=100, help="images per account (default 100)")
    parser.add_argument("--latency-ms", type=int, default=50, help="added by the emulator to every answer (default 50)")
    parser.add_argument("--interval", type=float, default=60, help="/probe: seconds between two probes of a target (default 60)")
    parser.add_argument("--rounds", type=int, default=2, help="/probe: measured rounds (default 2)")
    parser.add_argument("--warmup-rounds", type=int, default=1, help="/probe: rounds before the measured ones (default 1)")
    parser.add_argument("--threads", type=int, default=64, help="/probe: client threads (default 64)")
    parser.add_argument("--probe-timeout", type=float, default=10, help="/probe: X-Prometheus-Scrape-Timeout-Seconds (default 10)")
    parser.add_argument("--probe-max-concurrency", type=int, default=10,
                        help="/probe: the exporter's --collector.max-concurrency (default 10, its default)")
    parser.add_argument("--metrics-concurrency", type=counts, default=[10, 50],
                        help="/metrics: --collector.max-concurrency values, one fresh exporter each (default 10,50)")
    parser.add_argument("--metrics-scrapes", type=int, default=2, help="/metrics: measured scrapes after the warm-up (default 2)")
    parser.add_argument("--metrics-timeout", type=float, default=120, help="/metrics: X-Prometheus-Scrape-Timeout-Seconds (default 120)")
    parser.add_argument("--no-metrics-collector-timeout", dest="metrics_collector_timeout", action="store_false",
                        help="/metrics: keep the exporter's --collector.timeout (30s) instead of setting it to --metrics-timeout")
    parser.add_argument("--max-requests", type=int, default=200, help="the exporter's --web.max-requests (default 200)")
    parser.add_argument("--exporter-flag", action="append", default=[], metavar="FLAG",
                        help="one more flag for every exporter started, repeatable (--exporter-flag=--collector.min-interval=30s)")
    parser.add_argument("--overhead-probes", type=int, default=50, help="sequential probes at 0 ms latency (default 50; 0: skip)")
    parser.add_argument("--modes", default="probe,metrics", help="probe, metrics or both (default)")
    parser.add_argument("--discovery-timeout", type=float, default=300, help="seconds to wait for /sd to list every target")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON to FILE ('-': stdout, instead of the table)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (path printed)")
    args = parser.parse_args()
    modes = set(args.modes.split(","))
    if not modes or not modes <= {"probe", "metrics"}:
        parser.error("--modes takes probe, metrics or probe,metrics")
    if args.rounds < 1 or args.interval <= 0 or args.threads < 1 or args.metrics_scrapes < 1:
        parser.error("--rounds, --threads and --metrics-scrapes must be 1 or more, --interval more than 0")
    args.exporter, args.emulator = os.path.abspath(args.exporter), os.path.abspath(args.emulator)

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    signal.signal(signal.SIGTERM, compare._on_signal)
    signal.signal(signal.SIGHUP, compare._on_signal)
    workdir = tempfile.mkdtemp(prefix="workspaces-org-bench-")

    def progress(message):
        print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    try:
        report = dict(
            date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), cpu=os.cpu_count(),
            exporter=args.exporter, emulator=args.emulator, floor_chain=floor_chain(args.images),
            parameters=dict(targets=args.targets, images=args.images, latency_ms=args.latency_ms, interval=args.interval,
                            rounds=args.rounds, warmup_rounds=args.warmup_rounds, threads=args.threads,
                            probe_timeout=args.probe_timeout, probe_max_concurrency=args.probe_max_concurrency,
                            metrics_concurrency=args.metrics_concurrency, metrics_scrapes=args.metrics_scrapes,
                            metrics_timeout=args.metrics_timeout, metrics_collector_timeout=args.metrics_collector_timeout,
                            max_requests=args.max_requests, modes=sorted(modes),
                            exporter_flags=args.exporter_flag),
            cases=[])
        if "probe" in modes and args.overhead_probes > 0:
            report["overhead"] = overhead(args, workdir, progress)
        for count in args.targets:
            progress(f"case: {count} targets × {args.images} images, {args.latency_ms} ms")
            emulator = Emulator(args.emulator, count, args.images, args.latency_ms, workdir, str(count))
            config = write_config(workdir)
            case = dict(targets=count)
            try:
                if "probe" in modes:
                    case["probe"] = probe_mode(args, count, emulator, config, workdir, progress)
                if "metrics" in modes:
                    case["metrics"] = [metrics_mode(args, count, c, emulator, config, workdir, progress)
                                       for c in args.metrics_concurrency]
            finally:
                stop(emulator.process)
            report["cases"].append(case)
        report["comparison"] = compare_cases(report["cases"])
        if args.json:
            compare.write_json(report, args.json)
        if args.json != "-":
            print(markdown(report))
        failed = any(case.get("probe", {}).get("failures") or case.get("probe", {}).get("warmup", {}).get("failures")
                     for case in report["cases"]) \
            or any(m["failures"] for case in report["cases"] for m in case.get("metrics") or []) \
            or (report.get("overhead") or {}).get("failures")
        queued = any(case.get("probe") and case["probe"]["wait_ms"].get("max", 0) > 100 for case in report["cases"])
        if queued:
            print("\nFAIL: probes waited more than 100 ms for a client thread: the client queued them (raise --threads)",
                  file=sys.stderr)
        if any(case.get("probe") and case["probe"]["late_ms"].get("max", 0) > 100 for case in report["cases"]):
            print("\nnote: the dispatcher woke more than 100 ms after a probe's planned time: something else kept the "
                  "machine busy", file=sys.stderr)
        return 1 if failed or queued else 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        stop_all()
        if args.keep_logs:
            print(f"logs in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
