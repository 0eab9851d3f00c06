#!/usr/bin/env python3
"""What one /probe costs the exporter, in counts that a shared 2-core machine
cannot blur: instructions (callgrind), system calls by name and threads
created (strace -f -c), context switches (perf stat's software counter), and
CPU time (utime+stime of /proc/PID/stat, the one figure that noise does move;
and each thread's run time in nanoseconds from /proc/PID/task/TID/schedstat,
by thread name: Swift's pool, http-client workers, libmicrohttpd, ...).

Two paces, as issue 31 asks:

  back-to-back  one target probed --probes times in a row, against an
                emulator with no added latency; the exporter runs with
                --collector.min-interval 0s so that every probe collects.
  spread        --targets accounts discovered through AWS Organizations,
                each probed once, target i at i*interval/targets seconds: the
                way Prometheus spreads a job's targets over its interval
                (default 100 targets over 60 s, under 2 probes a second),
                with --latency-ms on every API answer (default 50). The
                exporter runs with its defaults (a 30 s minimum interval,
                shorter than the interval, so every probe collects).

Each pace runs three times, on the same binary: plain (CPU, context switches,
threads alive), under strace attached for the measured probes only, and under
valgrind --tool=callgrind with the counters zeroed after the warm-up and
dumped after the measured probes. Warm-up: every target probed once (role
assumed, connections opened, caches filled), then, for the spread pace, a
pause of --min-interval so that no measured probe reuses a warm-up collection.

With --tools profile (not among the defaults), perf record samples the
exporter on the cpu-clock software event during the measured probes (a VM
without hardware counters has that one) and prints the CPU time by library
and the --annotate N (default 30) costliest symbols, self time. --cpus LIST
runs the exporter under taskset -c LIST (one CPU: do its threads' hand-offs
cost less when they share a cache?).

Prints a Markdown table per pace (and JSON with --json). Compare two builds by
running it on each:

  bench/probe_cost.py --exporter dist/linux-amd64/workspaces_exporter \\
                      --emulator .build-release/release/workspaces_emulator \\
                      [--paces back-to-back,spread] [--probes 50] [--targets 100] \\
                      [--interval 60] [--latency-ms 50] [--tools plain,strace,callgrind] [--json FILE|-]
"""
import argparse
import glob
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import compare
from compare import cpu_seconds, free_port, spawn, status_field, stop, stop_all, wait_listening
from org_bench import REGION, Emulator, ProbeClient, expected_requests, write_config


class Exporter:
    """The exporter in probe mode, optionally under a tool (valgrind)."""

    def __init__(self, binary, emulator, config, workdir, tag, flags, prefix=(), extra_env=()):
        self.port = free_port()
        env = compare.clean_env()
        env.update(AWS_ENDPOINT_URL=emulator.url, AWS_REGION=REGION)
        env.update(item.split("=", 1) for item in extra_env)
        self.process = spawn(list(prefix) + [binary, "--web.listen-address", f"127.0.0.1:{self.port}", "--config.file", config,
                                             "--no-web.metrics-targets", "--log.level", "warn"] + flags,
                             os.path.join(workdir, f"exporter-{tag}.log"), env=env)
        self.pid = self.process.pid
        # Under valgrind the exporter starts 50 times slower.
        wait_listening(self.process, self.port, "exporter", timeout=300 if prefix else 60)

    def targets(self, expected, timeout):
        listed = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                conn.request("GET", "/sd")
                response = conn.getresponse()
                body = response.read()
                if response.status == 200:
                    listed = [target for group in json.loads(body) for target in group["targets"]]
                    if len(listed) >= expected:
                        return sorted(listed)
            finally:
                conn.close()
            time.sleep(0.2)
        raise RuntimeError(f"/sd listed {len(listed)} of {expected} targets after {timeout} s")


def cpu_split(pid):
    """(user, system) CPU seconds of the process so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / compare.CLK_TCK, int(fields[12]) / compare.CLK_TCK


def thread_runtimes(pid):
    """Nanoseconds each live thread has run (/proc/PID/task/TID/schedstat,
    exact where utime and stime count clock ticks), by thread id, with the
    thread's name with digits dropped (so that pool threads group)."""
    runtimes = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                nanoseconds = int(f.read().split()[0])
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = re.sub(r"[0-9]+", "", f.read().strip()) or "?"
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                switches = sum(int(line.split()[1]) for line in f if line.startswith("voluntary_ctxt_switches"))
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
        runtimes[tid] = (name, nanoseconds, switches)
    return runtimes


def runtime_by_name(before, after, field=1):
    """CPU nanoseconds (field 1) or voluntary context switches, that is
    wake-ups (field 2), per thread name between two thread_runtimes() (a
    thread that ended meanwhile is missing; one started counts in full)."""
    totals = {}
    for tid, entry in after.items():
        name = entry[0]
        totals[name] = totals.get(name, 0) + entry[field] - before.get(tid, (name, 0, 0))[field]
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def threads_alive(pid):
    return status_field(pid, "Threads")


def perf_stat(pid, out):
    """perf stat attached to `pid` (every thread, and the ones it creates) until stopped."""
    if not shutil.which("perf"):
        return None
    return subprocess.Popen(["perf", "stat", "-x", ",", "-e", "context-switches,cpu-migrations,page-faults,task-clock",
                             "-p", str(pid), "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def perf_result(process, out):
    if process is None:
        return {}
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    figures = {}
    with open(out) as f:
        for line in f:
            parts = line.strip().split(",")
            if len(parts) >= 3 and parts[0] and parts[0][0].isdigit():
                figures[parts[2]] = float(parts[0])
    return figures


def perf_record(pid, out):
    """perf record of `pid` on the cpu-clock software event (the one a VM
    without hardware counters has), 20,000 samples a second, until stopped."""
    return subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "20000", "-p", str(pid), "-o", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def perf_profile(process, out, top):
    """Where the CPU time went: samples by thread, and the `top` symbols by self time."""
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    def report(sort, limit):
        text = subprocess.run(["perf", "report", "-i", out, "--stdio", "--no-children", "--sort", sort, "--percent-limit", "0.5"],
                              capture_output=True, text=True, timeout=300).stdout
        rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        return rows[:limit]
    return dict(by_dso=report("dso", 15), by_symbol=report("dso,symbol", top))


def strace_attach(pid, out):
    process = subprocess.Popen(["strace", "-f", "-c", "-S", "calls", "-o", out, "-p", str(pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # strace attaches to every thread before the probes start
    return process


def strace_result(process, out):
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    calls = {}
    with open(out) as f:
        for line in f:
            parts = line.split()
            # % time, seconds, usecs/call, calls, [errors], syscall
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                try:
                    calls[parts[-1]] = int(parts[3])
                except ValueError:
                    pass
    return calls


def callgrind_instructions(pid, outdir, command):
    """Runs callgrind_control `command` (-z zero, -d dump) on `pid`; for -d the instructions of the dump."""
    before = set(glob.glob(os.path.join(outdir, "callgrind.out.*")))
    subprocess.run(["callgrind_control", command, str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    if command != "-d":
        return None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = set(glob.glob(os.path.join(outdir, "callgrind.out.*"))) - before
        for path in new:
            with open(path, errors="replace") as f:
                for line in f:
                    if line.startswith("summary:") or line.startswith("totals:"):
                        return int(line.split()[1]), path
        time.sleep(0.5)
    raise RuntimeError("callgrind wrote no dump")


def self_costs(dump):
    """Instructions spent in each function itself (not its callees), read from
    a callgrind dump: the cost lines under `fn=`, except the one after each
    `calls=` line (a call's inclusive cost). (callgrind_annotate 3.19 puts
    everything under `clone` for Swift's async frames.)"""
    names, costs = {}, {}
    function, skip_next = None, False
    with open(dump, errors="replace") as f:
        for line in f:
            if line.startswith("fn="):
                match = re.match(r"fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if match:
                    if match.group(2):
                        names[match.group(1)] = match.group(2)
                    function = match.group(1)
                continue
            if line.startswith("calls="):
                skip_next = True
                continue
            if line and (line[0].isdigit() or line[0] in "+-*"):
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) >= 2 and function is not None:
                    costs[function] = costs.get(function, 0) + int(parts[1])
            # Compressed names can also be defined on cfn= lines.
            elif line.startswith("cfn="):
                match = re.match(r"cfn=\((\d+)\) (.*)", line.rstrip("\n"))
                if match:
                    names[match.group(1)] = match.group(2)
    return sorted(((cost, names.get(key, key)) for key, cost in costs.items()), reverse=True)


def annotate(dump, top):
    """The `top` functions by self cost, demangled, with their share."""
    rows = self_costs(dump)
    total = sum(cost for cost, _ in rows) or 1
    names = [name for _, name in rows[:top]]
    demangler = shutil.which("swift-demangle")
    if demangler:
        out = subprocess.run([demangler, "--simplified"], input="\n".join(names), capture_output=True, text=True).stdout.splitlines()
        if len(out) == len(names):
            names = out
    return "\n".join(f"{cost:>13,} {cost / total:6.1%}  {name[:160]}" for (cost, _), name in zip(rows[:top], names))


def run_pace(args, pace, tool, workdir, progress):
    back_to_back = pace == "back-to-back"
    accounts = 1 if back_to_back else args.targets
    latency = 0 if back_to_back else args.latency_ms
    emulator = Emulator(args.emulator, accounts, args.images, latency, workdir, f"{pace}-{tool}")
    config = write_config(workdir)
    flags = ["--collector.min-interval", "0s"] if back_to_back else ["--collector.min-interval", f"{args.min_interval:g}s"]
    prefix = ("taskset", "-c", args.cpus) if args.cpus else ()
    outdir = os.path.join(workdir, f"callgrind-{pace}")
    if tool == "callgrind":
        os.makedirs(outdir, exist_ok=True)
        prefix += ("valgrind", "--tool=callgrind", "--quiet", f"--callgrind-out-file={outdir}/callgrind.out.%p")
    exporter = Exporter(args.exporter, emulator, config, workdir, f"{pace}-{tool}", flags + args.exporter_flag, prefix, args.env)
    try:
        targets = exporter.targets(accounts, args.discovery_timeout * (20 if prefix else 1))
        # Back to back: one client thread, so that probes never overlap (and
        # never share a collection in flight); spread: enough for any overlap.
        client = ProbeClient(exporter.port, 1 if back_to_back else 8, args.probe_timeout * (20 if prefix else 1))
        # Warm-up: every target once (and a few more for one target).
        client.run_rounds(targets, 0.0, 0, 5 if back_to_back else 1, time.monotonic())
        if not back_to_back:
            progress(f"{pace}/{tool}: warm, pausing {args.min_interval:g} s so that no probe reuses a warm-up collection")
            time.sleep(args.min_interval + 1)
        probes = args.probes if back_to_back else len(targets)
        interval = 0.0 if back_to_back else args.interval
        warm = len(client.results)
        progress(f"{pace}/{tool}: {probes} probes" + ("" if back_to_back else f" over {interval:g} s"))
        figures = dict(pace=pace, tool=tool, probes=probes, targets=len(targets), latency_ms=latency)
        perf = strace = profile = None
        if tool == "plain":
            perf = perf_stat(exporter.pid, os.path.join(workdir, f"perf-{pace}.txt"))
            time.sleep(0.5)
            figures["threads_before"] = threads_alive(exporter.pid)
            cpu_before = cpu_seconds(exporter.pid)
            split_before = cpu_split(exporter.pid)
            runtimes_before = thread_runtimes(exporter.pid)
        elif tool == "strace":
            strace = strace_attach(exporter.pid, os.path.join(workdir, f"strace-{pace}.txt"))
        elif tool == "profile":
            profile = perf_record(exporter.pid, os.path.join(workdir, f"perf-{pace}.data"))
            time.sleep(1.0)
        else:
            callgrind_instructions(exporter.pid, outdir, "-z")
        before = emulator.stats()
        started = time.monotonic()
        if back_to_back:
            client.run_rounds(targets, 0.0, 5, probes, started)
        else:
            client.run_rounds(targets, interval, 1, 1, started - interval)
        figures["seconds"] = time.monotonic() - started
        measured = client.results[warm:]
        figures["failures"] = sum(1 for r in measured if r["status"] != 200 or not r.get("up"))
        # Every measured probe must have made its own collection (a probe that
        # reused one would make the figures per probe look cheaper): the API
        # requests per probe are those of one collection.
        after = emulator.stats()
        figures["api_requests_per_probe"] = (after["requests"] - before["requests"]) / probes
        figures["api_requests_per_collection"] = expected_requests(args.images)
        if tool == "plain":
            figures["cpu_ms_per_probe"] = (cpu_seconds(exporter.pid) - cpu_before) * 1000 / probes
            runtimes_after = thread_runtimes(exporter.pid)
            by_name = runtime_by_name(runtimes_before, runtimes_after)
            figures["runtime_ms_per_probe"] = sum(by_name.values()) / 1e6 / probes
            figures["runtime_ms_by_thread_per_probe"] = {name: ns / 1e6 / probes for name, ns in by_name.items()}
            wakes = runtime_by_name(runtimes_before, runtimes_after, field=2)
            figures["wakeups_per_probe"] = sum(wakes.values()) / probes
            figures["wakeups_by_thread_per_probe"] = {name: n / probes for name, n in wakes.items() if n}
            split_after = cpu_split(exporter.pid)
            figures["user_ms_per_probe"] = (split_after[0] - split_before[0]) * 1000 / probes
            figures["system_ms_per_probe"] = (split_after[1] - split_before[1]) * 1000 / probes
            figures["threads_after"] = threads_alive(exporter.pid)
            counters = perf_result(perf, os.path.join(workdir, f"perf-{pace}.txt"))
            for name in ("context-switches", "cpu-migrations", "page-faults"):
                if name in counters:
                    figures[f"{name}_per_probe"] = counters[name] / probes
        elif tool == "strace":
            calls = strace_result(strace, os.path.join(workdir, f"strace-{pace}.txt"))
            figures["syscalls_per_probe"] = sum(calls.values()) / probes
            figures["threads_created_per_probe"] = (calls.get("clone", 0) + calls.get("clone3", 0)) / probes
            figures["syscalls_by_name_per_probe"] = {name: count / probes for name, count in
                                                     sorted(calls.items(), key=lambda kv: -kv[1])}
        elif tool == "profile":
            figures["profile"] = perf_profile(profile, os.path.join(workdir, f"perf-{pace}.data"), args.annotate or 30)
            progress(f"{pace}: where the CPU time went (perf samples, self)\n" + "\n".join(figures["profile"]["by_dso"])
                     + "\n\n" + "\n".join(figures["profile"]["by_symbol"]))
        else:
            instructions, dump = callgrind_instructions(exporter.pid, outdir, "-d")
            figures["instructions_per_probe"] = instructions / probes
            if args.annotate:
                progress(f"{pace}: where the instructions went (self cost, all measured probes)\n" + annotate(dump, args.annotate))
        return figures
    finally:
        stop(exporter.process)
        stop(emulator.process)


def markdown(results):
    lines = []
    for pace in dict.fromkeys(r["pace"] for r in results):
        rows = {r["tool"]: r for r in results if r["pace"] == pace}
        first = next(iter(rows.values()))
        lines.append(f"\n### {pace}: {first['probes']} probes of {first['targets']} target(s), API latency {first['latency_ms']} ms\n")
        lines.append("| figure | per probe |")
        lines.append("|---|---:|")

        def row(label, tool, key, fmt="{:,.1f}"):
            if tool in rows and rows[tool].get(key) is not None:
                lines.append(f"| {label} | {fmt.format(rows[tool][key])} |")

        row("instructions (callgrind)", "callgrind", "instructions_per_probe", "{:,.0f}")
        row("CPU ms (utime+stime)", "plain", "cpu_ms_per_probe", "{:.2f}")
        if "plain" in rows:
            lines.append(f"| of which user / system ms | {rows['plain']['user_ms_per_probe']:.2f} / {rows['plain']['system_ms_per_probe']:.2f} |")
        row("CPU ms (schedstat, threads alive at the end)", "plain", "runtime_ms_per_probe", "{:.2f}")
        if "plain" in rows:
            threads = rows["plain"]["runtime_ms_by_thread_per_probe"]
            lines.append("| of which by thread | " + ", ".join(f"{name} {ms:.2f}" for name, ms in threads.items() if ms >= 0.005) + " |")
        row("system calls (strace -f -c)", "strace", "syscalls_per_probe")
        row("threads created (clone, clone3)", "strace", "threads_created_per_probe", "{:.2f}")
        row("context switches (perf)", "plain", "context-switches_per_probe")
        row("wake-ups (voluntary context switches, threads alive at the end)", "plain", "wakeups_per_probe")
        if "plain" in rows:
            wakes = rows["plain"]["wakeups_by_thread_per_probe"]
            lines.append("| of which by thread | " + ", ".join(f"{name} {n:.2f}" for name, n in wakes.items() if n >= 0.005) + " |")
        row("page faults (perf)", "plain", "page-faults_per_probe")
        if "plain" in rows:
            lines.append(f"| threads alive before / after | {rows['plain']['threads_before']} / {rows['plain']['threads_after']} |")
        if "strace" in rows:
            top = list(rows["strace"]["syscalls_by_name_per_probe"].items())[:8]
            lines.append("| top system calls | " + ", ".join(f"{name} {count:.1f}" for name, count in top) + " |")
        for tool, r in rows.items():
            if r.get("api_requests_per_probe") is not None:
                lines.append(f"| API requests ({tool} run; one collection makes {r['api_requests_per_collection']}) | {r['api_requests_per_probe']:.2f} |")
        failures = sum(r["failures"] for r in rows.values())
        lines.append(f"| failed probes (all runs) | {failures} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--paces", default="back-to-back,spread")
    parser.add_argument("--tools", default="plain,strace,callgrind")
    parser.add_argument("--probes", type=int, default=50, help="back-to-back: measured probes")
    parser.add_argument("--targets", type=int, default=100, help="spread: targets, each probed once")
    parser.add_argument("--interval", type=float, default=60, help="spread: seconds over which they are spread")
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--latency-ms", type=int, default=50, help="spread: added to every API answer")
    parser.add_argument("--min-interval", type=float, default=30, help="spread: the exporter's --collector.min-interval")
    parser.add_argument("--probe-timeout", type=float, default=10)
    parser.add_argument("--discovery-timeout", type=float, default=120)
    parser.add_argument("--annotate", type=int, default=0, metavar="N", help="print callgrind's N most costly functions")
    parser.add_argument("--exporter-flag", action="append", default=[], help="one more flag for the exporter, repeatable")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="one more environment variable for the exporter")
    parser.add_argument("--cpus", help="run the exporter on these CPUs only (taskset -c), e.g. 0")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, dumps)")
    parser.add_argument("--json")
    args = parser.parse_args()
    args.exporter, args.emulator = os.path.abspath(args.exporter), os.path.abspath(args.emulator)
    tools = args.tools.split(",")
    for tool, binary in (("strace", "strace"), ("callgrind", "valgrind"), ("profile", "perf")):
        if tool in tools and not shutil.which(binary):
            sys.exit(f"{binary} is needed for --tools {tool} (apt install {binary})")

    def progress(text):
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    workdir = tempfile.mkdtemp(prefix="probe-cost-")
    results = []
    try:
        for pace in args.paces.split(","):
            for tool in tools:
                results.append(run_pace(args, pace, tool, workdir, progress))
    finally:
        stop_all()
    report = dict(exporter=args.exporter, results=results)
    print(markdown(results))
    if args.json:
        compare.write_json(report, args.json)
    if args.keep:
        print(f"(kept {workdir})", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    shared = [r for r in results if abs(r["api_requests_per_probe"] - r["api_requests_per_collection"]) > 0.01]
    if shared:
        print("some probes did not make exactly one collection each: the figures per probe are not a probe's", file=sys.stderr)
    return 1 if shared or any(r["failures"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
