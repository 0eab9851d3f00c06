#!/usr/bin/env python3
"""What each zlib level costs on a real /probe body: one target of --images
images (default 100) from the emulator, its body (about 94 kB of text for 100
images) deflated at levels 1 to 9 by Python's zlib module (the system's libz,
the library the exporter links), --repeat times each. Prints a Markdown table:
level, gzipped bytes, ratio, ms of CPU per body.

  bench/gzip_levels.py --exporter dist/linux-amd64/workspaces_exporter \\
                       --emulator .build-release/release/workspaces_emulator
"""
import argparse
import http.client
import json
import os
import sys
import tempfile
import time
import zlib

import compare
from compare import free_port, spawn, stop_all, wait_listening
from org_bench import REGION, Emulator, write_config


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="gzip-levels-")
    try:
        emulator = Emulator(os.path.abspath(args.emulator), 1, args.images, 0, workdir, "gzip")
        port = free_port()
        env = compare.clean_env()
        env.update(AWS_ENDPOINT_URL=emulator.url, AWS_REGION=REGION)
        process = spawn([os.path.abspath(args.exporter), "--web.listen-address", f"127.0.0.1:{port}", "--config.file",
                         write_config(workdir), "--no-web.metrics-targets"], os.path.join(workdir, "exporter.log"), env=env)
        wait_listening(process, port, "exporter")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        targets = []
        for _ in range(100):
            conn.request("GET", "/sd")
            targets = [t for group in json.loads(conn.getresponse().read()) for t in group["targets"]]
            if targets:
                break
            time.sleep(0.2)
        conn.request("GET", f"/probe?target={targets[0]}")
        body = conn.getresponse().read()
    finally:
        stop_all()
    print(f"{len(body):,} bytes of text ({args.images} images), each level {args.repeat} times\n")
    print("| zlib level | gzipped bytes | ratio | CPU ms per body |")
    print("|---:|---:|---:|---:|")
    for level in range(1, 10):
        start = time.process_time()
        for _ in range(args.repeat):
            compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
            out = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH)
        per_body = (time.process_time() - start) / args.repeat * 1000
        print(f"| {level} | {len(out):,} | {len(body) / len(out):.1f} | {per_body:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
