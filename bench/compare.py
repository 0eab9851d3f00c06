#!/usr/bin/env python3
"""Side-by-side benchmark: this exporter (Swift) next to two peers written the
way the ecosystem usually writes them, against the WorkSpaces emulator, in one
run, printing a Markdown table (and optionally JSON).

  this     the workspaces_exporter binary given with --exporter
  go       bench/peers/go: aws-sdk-go v1 + client_golang (promhttp, gzip),
           built with bench/peers/go/build.sh unless --go-exporter is given
  python   bench/peers/python/exporter.py: boto3 + prometheus_client

For each case (N images, L ms added by the emulator to every API request) one
emulator serves all three exporters. Scrapes alternate between the exporters
and a floor run, in an order rotated every round: the floor is the same request
sequence a scrape needs (ceil(N/25) DescribeWorkspaceImages POSTs following
NextToken), made by a minimal keep-alive http.client. Per exporter: median
scrape time and its ratio to the median floor, CPU per scrape (utime+stime of
/proc/PID/stat), API requests per scrape and new TCP connections after the
first scrape (emulator counters read around each scrape), RSS and threads
before any scrape, RSS after the first scrape and after --rss-scrapes scrapes
(the three exporters scraped concurrently in that phase, each by one client).

Usage:
  bench/compare.py --exporter .build/release/workspaces_exporter \\
                   --emulator .build/release/workspaces_emulator \\
                   [--cases 500:20,2000:2] [--scrapes 20] [--rss-scrapes 2000] \\
                   [--go-exporter BIN] [--exporters this,go,python] [--json FILE|-]
"""
import argparse
import ctypes
import gzip
import http.client
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import sigv4

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = 25
NAMES = {"this": "this exporter", "go": "Go exporter", "python": "boto3 + prometheus_client"}
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIDEMULATOR", "AWS_SECRET_ACCESS_KEY": "emulator-secret"}

# ---------------------------------------------------------------- processes

_children = []
_children_lock = threading.Lock()


def _die_with_parent():
    # PR_SET_PDEATHSIG: the child gets SIGTERM if this script dies, even by SIGKILL.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except OSError:
        pass


def spawn(argv, log_path, env=None):
    log = open(log_path, "wb")
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                               preexec_fn=_die_with_parent, start_new_session=True)
    process.log_path = log_path
    log.close()
    with _children_lock:
        _children.append(process)
    return process


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with _children_lock:
        if process in _children:
            _children.remove(process)


def stop_all():
    with _children_lock:
        children = list(_children)
    for process in reversed(children):
        stop(process)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def log_tail(process, lines=15):
    path = getattr(process, "log_path", None)  # set by spawn(); not on other callers' processes
    if path is None:
        return ""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def write_json(report, destination):
    """The report as JSON: to stdout for '-', else to the file `destination`."""
    text = json.dumps(report, indent=2)
    if destination == "-":
        print(text)
    else:
        with open(destination, "w") as f:
            f.write(text + "\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(process, port, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before listening:\n{log_tail(process)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what}: nothing listening on 127.0.0.1:{port} after {timeout} s:\n{log_tail(process)}")


# ---------------------------------------------------------------- /proc

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def status_field(pid, name):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def rss_mib(pid):
    return status_field(pid, "VmRSS") / 1024


def threads(pid):
    return status_field(pid, "Threads")


# ---------------------------------------------------------------- HTTP

class Emulator:
    def __init__(self, binary, images, latency_ms, workdir):
        self.images, self.latency_ms = images, latency_ms
        self.port = free_port()
        self.process = spawn([binary, "--listen-address", f"127.0.0.1:{self.port}", "--images", str(images),
                              "--latency-ms", str(latency_ms)], os.path.join(workdir, f"emulator-{images}.log"))
        wait_listening(self.process, self.port, "emulator")
        self.stats_conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def stats(self):
        """(requests, connections); one keep-alive connection, counted once."""
        self.stats_conn.request("GET", "/emulator/stats")
        stats = json.loads(self.stats_conn.getresponse().read())
        return stats["requests"], stats["connections"]


def floor_sequence(conn):
    """The request sequence of one scrape, made as plainly as possible."""
    token, requests = None, 0
    while True:
        body = {"MaxResults": PAGE_SIZE}
        if token:
            body["NextToken"] = token
        payload = json.dumps(body)
        conn.request("POST", "/", payload, sigv4.signed_headers(
            f"{conn.host}:{conn.port}", payload, "WorkspacesService.DescribeWorkspaceImages"))
        response = conn.getresponse()
        answer = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"floor request failed: {response.status} {answer}")
        requests += 1
        token = answer.get("NextToken")
        if not token:
            return requests


def scrape(conn):
    """One scrape with gzip accepted; returns (status, body bytes as sent, decoded text)."""
    conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
    response = conn.getresponse()
    body = response.read()
    if response.getheader("Content-Encoding") == "gzip":
        text = gzip.decompress(body)
    else:
        text = body
    return response.status, len(body), text


# ---------------------------------------------------------------- exporters

def clean_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    env.update(CREDENTIALS)
    env.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
               NO_PROXY="127.0.0.1,localhost")
    return env


def exporter_argv(kind, binaries, port, endpoint):
    listen = f"127.0.0.1:{port}"
    if kind == "this":
        return [binaries["this"], "--web.listen-address", listen, "--aws.region", "us-east-1", "--aws.endpoint-url", endpoint,
                "--aws.account-id", "123456789012",
                # The peers collect images only: the same job. And on every
                # scrape, as they do: without the API budget's reuse window.
                "--no-collector.bundles", "--no-collector.workspaces", "--collector.min-interval", "0s"]
    if kind == "go":
        return [binaries["go"], "--listen-address", listen, "--region", "us-east-1", "--endpoint-url", endpoint]
    return [binaries["python_interpreter"], binaries["python"], "--listen-address", listen, "--region", "us-east-1",
            "--endpoint-url", endpoint]


class Exporter:
    def __init__(self, kind, binaries, emulator, workdir):
        self.kind = kind
        self.port = free_port()
        argv = exporter_argv(kind, binaries, self.port, f"http://127.0.0.1:{emulator.port}")
        self.process = spawn(argv, os.path.join(workdir, f"{kind}-{emulator.images}.log"), env=clean_env())
        self.pid = self.process.pid
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        self.times, self.requests, self.connections = [], [], []

    def wait(self):
        wait_listening(self.process, self.port, NAMES[self.kind])


SAME_FAMILIES = ("aws_workspaces_images", "aws_workspaces_image_errors", "aws_workspaces_images_update_available",
                 "aws_workspaces_image_info", "aws_workspaces_image_created_timestamp_seconds",
                 "aws_workspaces_image_update_available")


def image_series(text):
    """The image families as comparable sets, account_id (only the peers set it) left out."""
    from prometheus_client.parser import text_string_to_metric_families
    series = {}
    for family in text_string_to_metric_families(text.decode()):
        for sample in family.samples:
            if sample.name in SAME_FAMILIES or sample.name == "aws_workspaces_up":
                labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "account_id"))
                series.setdefault(sample.name, set()).add((labels, round(sample.value, 3)))
    return series


def check_output(series, images):
    """Problems with one exporter's first scrape: up, the image count, the always-present series."""
    problems = []
    up = [v for _, v in series.get("aws_workspaces_up", set())]
    if up != [1.0]:
        problems.append(f"aws_workspaces_up is {up}")
    for name in SAME_FAMILIES + ("aws_workspaces_up",):
        if name not in series:
            problems.append(f"no {name}")
    info = len(series.get("aws_workspaces_image_info", ()))
    if info != images:
        problems.append(f"{info} aws_workspaces_image_info series for {images} images")
    counted = sum(v for _, v in series.get("aws_workspaces_images", ()))
    if counted != images:
        problems.append(f"aws_workspaces_images adds up to {counted:g}, not {images}")
    if len(series.get("aws_workspaces_images", ())) < 12:
        problems.append("fewer than the 12 always-present aws_workspaces_images combinations")
    if len(series.get("aws_workspaces_image_errors", ())) < 48:
        problems.append("fewer than the 48 always-present aws_workspaces_image_errors codes")
    return problems


def differences(reference, other):
    """Image series in one output and not the other (values rounded to ms)."""
    count = 0
    for name in SAME_FAMILIES:
        count += len(reference.get(name, set()) ^ other.get(name, set()))
    return count


# ---------------------------------------------------------------- one case

def run_case(binaries, kinds, images, latency_ms, scrapes, rss_scrapes, workdir, progress):
    emulator = Emulator(binaries["emulator"], images, latency_ms, workdir)
    exporters = [Exporter(kind, binaries, emulator, workdir) for kind in kinds]
    result = {"images": images, "latency_ms": latency_ms, "expected_requests": math.ceil(images / PAGE_SIZE),
              "exporters": {}}
    try:
        for exporter in exporters:
            exporter.wait()
        time.sleep(1.0)  # let start-up settle before reading idle figures
        rows = {e.kind: {} for e in exporters}
        for e in exporters:
            rows[e.kind]["rss_idle_mib"] = rss_mib(e.pid)
            rows[e.kind]["threads_idle"] = threads(e.pid)

        # First scrape of each: first connection, first credentials, output checked.
        outputs = {}
        for e in exporters:
            before = emulator.stats()
            start = time.perf_counter()
            status, size, text = scrape(e.conn)
            first_ms = (time.perf_counter() - start) * 1000
            after = emulator.stats()
            if status != 200:
                raise RuntimeError(f"{NAMES[e.kind]}: first scrape answered {status}:\n{log_tail(e.process)}")
            outputs[e.kind] = image_series(text)
            row = rows[e.kind]
            row.update(first_scrape_ms=first_ms, first_scrape_requests=after[0] - before[0],
                       first_scrape_connections=after[1] - before[1], rss_after_1_mib=rss_mib(e.pid),
                       threads_after_1=threads(e.pid), body_bytes=size, body_lines=text.count(b"\n"))
            row["problems"] = check_output(outputs[e.kind], images)
        if "this" in outputs:
            for e in exporters:
                if e.kind != "this":
                    rows[e.kind]["differences_from_this"] = differences(outputs["this"], outputs[e.kind])

        floor_conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=300)
        floor_requests = floor_sequence(floor_conn)  # warm-up: opens the floor's connection
        floors = []
        cpu_before = {e.kind: cpu_seconds(e.pid) for e in exporters}
        lineup = ["floor"] + exporters
        for round_index in range(scrapes):
            shift = round_index % len(lineup)
            for item in lineup[shift:] + lineup[:shift]:
                if item == "floor":
                    start = time.perf_counter()
                    floor_requests = floor_sequence(floor_conn)
                    floors.append(time.perf_counter() - start)
                    continue
                before = emulator.stats()
                start = time.perf_counter()
                status, _, _ = scrape(item.conn)
                item.times.append(time.perf_counter() - start)
                after = emulator.stats()
                if status != 200:
                    raise RuntimeError(f"{NAMES[item.kind]}: scrape answered {status}:\n{log_tail(item.process)}")
                item.requests.append(after[0] - before[0])
                item.connections.append(after[1] - before[1])
            progress(f"{images} images: round {round_index + 1}/{scrapes}")
        floor = statistics.median(floors)
        result.update(floor_ms=floor * 1000, floor_requests=floor_requests, scrapes=scrapes)
        for e in exporters:
            taken = statistics.median(e.times)
            rows[e.kind].update(
                scrape_ms=taken * 1000, ratio=taken / floor,
                cpu_ms_per_scrape=(cpu_seconds(e.pid) - cpu_before[e.kind]) / scrapes * 1000,
                requests_per_scrape=statistics.mean(e.requests), requests_max=max(e.requests),
                new_connections=sum(e.connections))

        # Many scrapes: the exporters side by side, each by its own client.
        done = {e.kind: 1 + scrapes for e in exporters}
        errors = []

        def hammer(e, count):
            conn = http.client.HTTPConnection("127.0.0.1", e.port, timeout=300)
            try:
                for _ in range(count):
                    status, _, _ = scrape(conn)
                    if status != 200:
                        raise RuntimeError(f"{NAMES[e.kind]}: scrape answered {status}")
                    done[e.kind] += 1
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                conn.close()

        remaining = max(0, rss_scrapes - 1 - scrapes)
        workers = [threading.Thread(target=hammer, args=(e, remaining), daemon=True) for e in exporters]
        for w in workers:
            w.start()
        while any(w.is_alive() for w in workers):
            for w in workers:
                w.join(timeout=10)
            if remaining:
                progress(f"{images} images: scrapes for RSS " +
                         ", ".join(f"{k} {n}/{max(rss_scrapes, 1 + scrapes)}" for k, n in done.items()))
        if errors:
            raise errors[0]
        for e in exporters:
            rows[e.kind].update(rss_after_many_mib=rss_mib(e.pid), threads_after_many=threads(e.pid),
                                scrapes_total=done[e.kind])
        result["exporters"] = rows
        return result
    finally:
        for e in exporters:
            stop(e.process)
        stop(emulator.process)


# ---------------------------------------------------------------- output

def ratio(a, b):
    if a is None or b is None:
        return "–"
    if b == 0:
        return "–" if a else "="
    return f"{a / b:.2f}"


METRICS = [
    # key, label, format
    ("ratio", "scrape ÷ floor (median)", "{:.3f}"),
    ("scrape_ms", "scrape ms (median)", "{:.1f}"),
    ("cpu_ms_per_scrape", "CPU ms per scrape", "{:.1f}"),
    ("requests_per_scrape", "API requests per scrape", "{:g}"),
    ("new_connections", "new TCP connections after the first scrape", "{:d}"),
    ("rss_idle_mib", "RSS MiB idle (before any scrape)", "{:.1f}"),
    ("rss_after_1_mib", "RSS MiB after 1 scrape", "{:.1f}"),
    ("rss_after_many_mib", "RSS MiB after n scrapes", "{:.1f}"),
    ("threads_idle", "threads idle", "{:d}"),
    ("threads_after_many", "threads after n scrapes", "{:d}"),
    ("body_bytes", "gzip body bytes (lines)", None),
]


def markdown(report, kinds):
    out = []
    cases = report["cases"]
    out.append(f"Medians of {report['scrapes']} scrapes per exporter, interleaved with each other and with the floor "
               f"(same requests by a keep-alive http.client), rotating the order every round. "
               f"n = {report['rss_scrapes']} scrapes for the RSS row.\n")
    header = ["case", "metric"] + [NAMES[k] for k in kinds]
    if "this" in kinds and "go" in kinds:
        header.append("this ÷ Go")
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    for case in cases:
        label = (f"{case['images']} images, {case['latency_ms']} ms/request "
                 f"(floor {case['floor_ms']:.1f} ms, {case['floor_requests']} requests)")
        rows = case["exporters"]
        for key, name, fmt in METRICS:
            cells = []
            for k in kinds:
                row = rows[k]
                if key == "body_bytes":
                    cells.append(f"{row['body_bytes']:,} ({row['body_lines']:,})")
                elif key == "requests_per_scrape":
                    cells.append(f"{row[key]:g} ({case['expected_requests']})")
                elif key == "rss_after_many_mib":
                    cells.append(f"{row[key]:.1f} (n={row['scrapes_total']})")
                else:
                    cells.append(fmt.format(row[key]))
            line = [label, name] + cells
            if "this" in kinds and "go" in kinds:
                line.append(ratio(rows["this"].get(key), rows["go"].get(key)))
            out.append("| " + " | ".join(line) + " |")
    notes = []
    for case in cases:
        for k in kinds:
            row = case["exporters"][k]
            for problem in row["problems"]:
                notes.append(f"- {case['images']} images, {NAMES[k]}: {problem}")
            if row.get("differences_from_this"):
                notes.append(f"- {case['images']} images, {NAMES[k]}: {row['differences_from_this']} image series "
                             f"differ from this exporter's")
    if notes:
        out.append("\nOutput problems:\n" + "\n".join(notes))
    else:
        out.append("\nOutput checked on the first scrape of each: up 1, one image_info per image, the counts add "
                   "up, and the image series (values to the ms, account_id aside) are the same in all three.")
    return "\n".join(out)


# ---------------------------------------------------------------- main

def build_go(workdir):
    output = os.path.join(workdir, "workspaces_exporter_go")
    subprocess.run([os.path.join(HERE, "peers", "go", "build.sh"), output], check=True, stdout=sys.stderr)
    return output


def parse_cases(text):
    cases = []
    for item in text.split(","):
        images, _, latency = item.partition(":")
        cases.append((int(images), int(latency or 0)))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exporter", required=True, help="this exporter's binary (workspaces_exporter)")
    parser.add_argument("--emulator", required=True, help="the workspaces_emulator binary")
    parser.add_argument("--go-exporter", help="the Go peer's binary (default: build it with bench/peers/go/build.sh)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the Python peer (needs boto3, prometheus_client)")
    parser.add_argument("--exporters", default="this,go,python", help="which to run, of this,go,python")
    parser.add_argument("--cases", default="500:20,2000:2", help="IMAGES:LATENCY_MS, comma-separated")
    parser.add_argument("--scrapes", type=int, default=20, help="timed scrapes per exporter and case (medians)")
    parser.add_argument("--rss-scrapes", type=int, default=2000,
                        help="scrapes per exporter in all before the last RSS reading (10000 for the long check)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE ('-': stdout, instead of the table)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (path printed)")
    args = parser.parse_args()
    kinds = [k for k in ("this", "go", "python") if k in args.exporters.split(",")]
    if not kinds:
        parser.error("--exporters names none of this, go, python")
    if args.scrapes < 20:
        print(f"note: medians of {args.scrapes} scrapes (fewer than 20): for trying the harness only", file=sys.stderr)

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    workdir = tempfile.mkdtemp(prefix="workspaces-compare-")
    quiet = args.json == "-"

    def progress(message):
        print(f"  {message}", file=sys.stderr, flush=True)

    try:
        binaries = {"this": os.path.abspath(args.exporter), "emulator": os.path.abspath(args.emulator),
                    "python": os.path.join(HERE, "peers", "python", "exporter.py"), "python_interpreter": args.python}
        if "go" in kinds:
            binaries["go"] = os.path.abspath(args.go_exporter) if args.go_exporter else build_go(workdir)
        report = {"scrapes": args.scrapes, "rss_scrapes": args.rss_scrapes, "exporters": kinds,
                  "names": {k: NAMES[k] for k in kinds}, "cpu": os.cpu_count(),
                  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cases": []}
        for images, latency in parse_cases(args.cases):
            progress(f"case: {images} images, {latency} ms per request")
            report["cases"].append(run_case(binaries, kinds, images, latency, args.scrapes, args.rss_scrapes,
                                            workdir, progress))
        if args.json:
            write_json(report, args.json)
        if not quiet:
            print(markdown(report, kinds))
        failed = any(row["problems"] for case in report["cases"] for row in case["exporters"].values())
        return 1 if failed else 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.CalledProcessError, OSError) as error:
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
