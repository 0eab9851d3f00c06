#!/usr/bin/env python3
"""The values table of the chart's README.md, from the `# --` comments of values.yaml
(helm-docs style: `# -- text` above a key, `# -- (type) text` to name the type,
plain `#` lines after it continue the text).

  ci/values_table.py            print the table
  ci/values_table.py --write    replace the table in README.md (between the markers)
  ci/values_table.py --check    exit 1 with a diff when README.md's table is not the
                                generated one, or when a key of values.yaml has no
                                description (itself, or every key under it)
"""
import difflib
import json
import os
import re
import sys

import yaml

CHART = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VALUES = os.path.join(CHART, "values.yaml")
README = os.path.join(CHART, "README.md")
START, END = "<!-- values-table:start -->", "<!-- values-table:end -->"
KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+|\"[^\"]+\"):(\s|$)")
DOC = re.compile(r"^ *# -- ?(?:\((?P<type>[a-z]+)\) )?(?P<text>.*)$")
MORE = re.compile(r"^ *#( (?P<text>.*))?$")


def documented(path=VALUES):
    """[(key path, type override or None, description)] in file order."""
    entries, stack, pending = [], [], None
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            line = line.rstrip("\n")
            doc = DOC.match(line)
            if doc:
                pending = [doc.group("type"), doc.group("text").strip()]
                continue
            more = MORE.match(line)
            if more and pending is not None:
                pending[1] = (pending[1] + " " + (more.group("text") or "").strip()).strip()
                continue
            if not line.strip() or line.lstrip().startswith("#"):
                pending = None
                continue
            key = KEY.match(line)
            if not key:  # list items and continuation lines belong to the key above
                continue
            indent = len(key.group("indent"))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            name = key.group("key").strip('"')
            stack.append((indent, name))
            if pending is not None:
                entries.append((tuple(n for _, n in stack), pending[0], pending[1]))
            pending = None
    return entries


def lookup(values, path):
    for key in path:
        values = values[key]
    return values


def type_of(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "string"


def cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def table():
    with open(VALUES, encoding="utf-8") as stream:
        values = yaml.safe_load(stream)
    rows = ["| Key | Type | Default | Description |", "|-----|------|---------|-------------|"]
    for path, kind, text in documented():
        value = lookup(values, path)
        default = json.dumps(value, ensure_ascii=False)
        rows.append(f"| {cell('.'.join(path))} | {kind or type_of(value)} | `{cell(default)}` | {cell(text)} |")
    return "\n".join(rows) + "\n"


def undocumented():
    """Keys with no description of their own whose value is not a mapping of described keys."""
    with open(VALUES, encoding="utf-8") as stream:
        values = yaml.safe_load(stream)
    described = {path for path, _, _ in documented()}
    missing = []

    def walk(node, path):
        for key, value in node.items():
            here = path + (key,)
            if here in described:
                continue
            if isinstance(value, dict) and value:
                walk(value, here)
            else:
                missing.append(".".join(here))

    walk(values, ())
    return missing


def readme_with(text, generated):
    if START not in text or END not in text:
        raise SystemExit(f"{README}: the markers {START} and {END} are missing")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{generated}{END}{tail}"


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    generated = table()
    if mode == "":
        sys.stdout.write(generated)
        return 0
    with open(README, encoding="utf-8") as stream:
        current = stream.read()
    wanted = readme_with(current, generated)
    if mode == "--write":
        with open(README, "w", encoding="utf-8") as stream:
            stream.write(wanted)
        return 0
    if mode == "--check":
        status = 0
        for key in undocumented():
            print(f"values.yaml: {key} has no `# --` description")
            status = 1
        if current != wanted:
            sys.stdout.writelines(difflib.unified_diff(
                current.splitlines(True), wanted.splitlines(True), "README.md (checked in)", "README.md (generated)"))
            print("README.md's values table is out of date: run charts/workspaces-exporter/ci/values_table.py --write")
            status = 1
        return status
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
