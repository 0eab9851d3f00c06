#!/usr/bin/env python3
"""What a wake-up costs on this machine before the exporter does anything:
CPU time of a burst that reads N random cache lines (a pointer chase over
64 MiB), after the thread slept for S milliseconds, against the same burst
with no sleep. No Swift, no exporter: a C program, compiled here with cc.

Why: a probe is a chain of short bursts (the request, the start of the
collection, one per API page, the answer), each after an idle gap (50 ms
between pages, the interval between probes). On a machine whose caches and
memory go cold while a CPU idles, each burst pays for its first memory
accesses far more than the same burst run back to back, and no change to the
exporter's instructions moves that. This script measures it, so that
bench/probe_cost.py's two paces can be read against it.

Usage: bench/cold_wake.py [--lines 100,1000,10000] [--sleeps 0,1,5,20,50,600] [--rounds 20] [--json FILE|-]

Prints a Markdown table: microseconds of CPU per burst (CLOCK_THREAD_CPUTIME_ID,
the burst alone, not the sleep) and nanoseconds per line.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <poll.h>
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
    int sleep_ms = atoi(argv[1]); long lines = atol(argv[2]); int rounds = atoi(argv[3]);
    size_t span = (size_t)64 << 20, slots = span / 64;
    char *memory = aligned_alloc(64, span);
    long *order = malloc(sizeof(long) * lines);
    if (!memory || !order) return 2;
    srand(1);
    for (long i = 0; i < lines; i++) order[i] = ((long)rand() * 7919L) % (long)slots;
    for (long i = 0; i < lines; i++) *(char **)(memory + order[i] * 64) = memory + order[(i + 1) % lines] * 64;
    char *p = memory + order[0] * 64;
    for (long i = 0; i < lines; i++) p = *(char **)p;  /* touched once: no page fault in the bursts */
    double total = 0;
    for (int r = 0; r < rounds; r++) {
        if (sleep_ms) poll(NULL, 0, sleep_ms);
        double start = cpu();
        for (long i = 0; i < lines; i++) p = *(char **)p;
        total += cpu() - start;
    }
    printf("%.3f %p\n", total / rounds * 1e6, (void *)p);
    return 0;
}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", default="100,1000,10000")
    parser.add_argument("--sleeps", default="0,1,5,20,50,600")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not compiler:
        sys.exit("a C compiler (cc) is needed")
    workdir = tempfile.mkdtemp(prefix="cold-wake-")
    try:
        source = os.path.join(workdir, "chase.c")
        binary = os.path.join(workdir, "chase")
        with open(source, "w") as f:
            f.write(SOURCE)
        subprocess.run([compiler, "-O2", "-o", binary, source], check=True)
        lines = [int(x) for x in args.lines.split(",")]
        sleeps = [int(x) for x in args.sleeps.split(",")]
        results = {}
        for count in lines:
            for sleep in sleeps:
                out = subprocess.run([binary, str(sleep), str(count), str(args.rounds)], capture_output=True, text=True, check=True)
                results[(count, sleep)] = float(out.stdout.split()[0])
                print(f"[{count} lines after {sleep} ms] {results[(count, sleep)]:.1f} µs", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\n| random cache lines read | " + " | ".join(f"after {s} ms idle" for s in sleeps) + " |")
    print("|---:|" + "---:|" * len(sleeps))
    for count in lines:
        cells = [f"{results[(count, s)]:,.0f} µs ({results[(count, s)] * 1000 / count:,.0f} ns a line)" for s in sleeps]
        print(f"| {count:,} | " + " | ".join(cells) + " |")
    if args.json:
        report = [dict(lines=c, sleep_ms=s, burst_us=v) for (c, s), v in results.items()]
        text = json.dumps(report, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w") as f:
                f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
