#!/usr/bin/env python3
"""Where a running process's resident memory is: per mapping, and for the
executable's own code, per Swift module (or C library) that the resident
pages belong to.

Reads /proc/PID/smaps and /proc/PID/pagemap (which pages are present) and
`nm` of the unstripped binary given (the running one may be stripped: give
the build's copy, same code). Run it as the process's owner.

Usage: bench/rss_profile.py PID [UNSTRIPPED_BINARY]
"""
import bisect
import collections
import re
import struct
import subprocess
import sys

PAGE = 4096


def mappings(pid):
    rows, current = [], None
    for line in open(f"/proc/{pid}/smaps"):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            current = {"start": start, "end": end, "perms": fields[1], "offset": int(fields[2], 16),
                       "path": fields[5] if len(fields) > 5 else "[anon]"}
            rows.append(current)
        elif line.startswith("Rss:"):
            current["rss"] = int(line.split()[1])
    return rows


def present_pages(pid, start, end):
    with open(f"/proc/{pid}/pagemap", "rb") as f:
        f.seek(start // PAGE * 8)
        data = f.read((end - start) // PAGE * 8)
    for index in range(len(data) // 8):
        (entry,) = struct.unpack_from("<Q", data, index * 8)
        if entry >> 63:
            yield start + index * PAGE


def module_of(name):
    match = re.match(r"^\$s(\d+)([A-Za-z_]\w*)", name)
    if match:
        module = match.group(2)[:int(match.group(1))]
        return "Swift (stdlib)" if module in ("s", "S") else module
    if name.startswith(("$ss", "$sS", "$s")):
        return "Swift (stdlib)"
    if name.startswith("_Z"):
        return "C++ (runtime)"
    if name.startswith("swift_") or name.startswith("_swift"):
        return "Swift runtime"
    if "dispatch" in name:
        return "Dispatch"
    return "other C"


def main():
    pid = int(sys.argv[1])
    rows = mappings(pid)
    total = sum(r.get("rss", 0) for r in rows)
    by_path = collections.Counter()
    for row in rows:
        by_path[row["path"]] += row.get("rss", 0)
    print(f"RSS {total / 1024:.1f} MiB")
    print("\n| mapping | RSS MiB |\n|---|---|")
    for path, kib in by_path.most_common(12):
        print(f"| {path} | {kib / 1024:.2f} |")
    if len(sys.argv) < 3:
        return
    binary = sys.argv[2]
    exe = subprocess.run(["readlink", f"/proc/{pid}/exe"], capture_output=True, text=True).stdout.strip()
    text = [r for r in rows if r["path"] == exe and "x" in r["perms"]]
    if not text:
        return
    base = text[0]["start"] - text[0]["offset"]
    symbols = []
    for line in subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            symbols.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    symbols.sort()
    starts = [s[0] for s in symbols]
    resident = collections.Counter()
    for row in text:
        for page in present_pages(pid, row["start"], row["end"]):
            low, high = page - base, page - base + PAGE
            index = max(bisect.bisect_right(starts, low) - 1, 0)
            counted = 0
            while index < len(symbols) and symbols[index][0] < high:
                address, size, name = symbols[index]
                overlap = min(high, address + size) - max(low, address)
                if overlap > 0:
                    resident[module_of(name)] += overlap
                    counted += overlap
                index += 1
            resident["(not code: headers, relocations, metadata, unwind tables)"] += PAGE - counted
    sections = []
    for line in subprocess.run(["readelf", "-S", "-W", binary], capture_output=True, text=True).stdout.splitlines():
        match = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if match and int(match.group(2), 16):
            sections.append((match.group(1), int(match.group(2), 16), int(match.group(3), 16)))
    by_section = collections.Counter()
    for row in rows:
        if row["path"] != exe:
            continue
        for page in present_pages(pid, row["start"], row["end"]):
            low = page - base
            for name, address, size in sections:
                overlap = min(low + PAGE, address + size) - max(low, address)
                if overlap > 0:
                    by_section[name] += overlap
    print("\n| resident pages of the executable, by section | MiB |\n|---|---|")
    for name, size in by_section.most_common(14):
        print(f"| {name} | {size / 1048576:.2f} |")
    print("\n| resident code of the executable, by module | MiB |\n|---|---|")
    for module, size in resident.most_common(20):
        print(f"| {module} | {size / 1048576:.2f} |")


if __name__ == "__main__":
    main()
