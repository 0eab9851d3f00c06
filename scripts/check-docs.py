#!/usr/bin/env python3
"""Checks README.md and every docs/*.md against the tree and the exporter's flags.

  workspaces_exporter --help | scripts/check-docs.py
  scripts/check-docs.py --help-file PATH

(a) Every relative link, `[text](path)` or `[text](path#anchor)` (images and
    reference definitions too; http(s), mailto and other schemes are left
    alone), resolves to a file or folder relative to the page (a path starting
    with / from the repository root), and an anchor into a .md file (or into the
    page itself, `(#anchor)`) names a heading of that file, by GitHub's rules:
    the heading's text lowercased, spaces to '-', punctuation other than '-'
    and '_' dropped, '-1', '-2'… for repeats.
(b) Every exporter flag the pages mention in backticks or in a fenced code
    block (`--web.listen-address`, `--no-collector.bundles`,
    `--[no-]collector.workspaces`, `--version`, `--help`: dotted long flags and
    those two words) is one `--help` lists. `--no-X` passes when help lists
    `--X`, `--[no-]X` or `--no-X`. Flags of other programs the pages mention are
    in OTHER_PROGRAMS_FLAGS below.

Prints each problem as FILE:LINE: message and exits 1 if there is any, else
prints a summary and exits 0. Run from anywhere: paths are the repository's.
"""
import argparse
import os
import re
import sys
import urllib.parse

# Dotted flags of other programs (Prometheus, Alertmanager, promtool,
# node_exporter, blackbox_exporter, ...) that a page may show in a command or
# in text. They look like the exporter's own (all follow Prometheus's naming),
# so without this list they would be reported as unknown exporter flags. A flag
# the exporter has too (--web.listen-address, --config.file,
# --web.enable-lifecycle) needs no entry: it is checked against --help as it is.
# No page needs one today; these are the ones a runbook or test recipe is
# likeliest to show.
OTHER_PROGRAMS_FLAGS = {
    # Prometheus: where a test or example server keeps its data, and for how long.
    "--storage.tsdb.path": "prometheus",
    "--storage.tsdb.retention.time": "prometheus",
    # Prometheus and Alertmanager: the external URL behind a reverse proxy.
    "--web.external-url": "prometheus, alertmanager",
    # Alertmanager: where it keeps silences and notification state.
    "--storage.path": "alertmanager",
    # Alertmanager: its HA cluster, turned off when it runs alone.
    "--cluster.listen-address": "alertmanager",
    # node_exporter's textfile collector, which the throughput benchmark is compared with.
    "--collector.textfile.directory": "node_exporter",
}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
# [text](target) and ![alt](target), with an optional "title"; text may hold one level of brackets.
INLINE_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.I)
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# --name.more, --no-name.more, --[no-]name.more; and the two single words.
FLAG = re.compile(r"(?<![\w\-\[\]])--(\[no-\]|no-)?([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+)")
WORD_FLAG = re.compile(r"(?<![\w\-\[\]])--(version|help)(?![\w\-.])")
HELP_FLAG = re.compile(r"--(\[no-\])?([a-z][a-z0-9.-]*[a-z0-9])")


def slug(text):
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\([^)]*\)", r"\1", text)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "")
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


class Page:
    """A Markdown file: its lines outside code, its code, and its anchors."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as stream:
            self.lines = stream.read().split("\n")
        self.prose = []  # (line number, text) outside fenced code
        self.code = []  # (line number, text) inside fenced code
        fence = None
        for number, line in enumerate(self.lines, 1):
            match = FENCE.match(line)
            if fence is None and match:
                fence = match.group(1)
                continue
            if fence is not None:
                if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not line.strip()[len(match.group(1)):].strip():
                    fence = None
                else:
                    self.code.append((number, line))
                continue
            self.prose.append((number, line))
        self._anchors = None

    @property
    def anchors(self):
        if self._anchors is None:
            seen = {}
            anchors = set()
            previous = None
            for number, line in self.prose:
                text = None
                match = ATX.match(line)
                if match:
                    text = match.group(2)
                elif previous is not None and re.match(r"^\s{0,3}(=+|-+)\s*$", line):
                    prev_number, prev_line = previous
                    stripped = prev_line.strip()
                    if stripped and prev_number == number - 1 and not stripped.startswith(("|", "-", "*", "+", ">")) and not ATX.match(prev_line):
                        text = stripped
                if text is not None:
                    base = slug(text)
                    count = seen.get(base, 0)
                    seen[base] = count + 1
                    anchors.add(base if count == 0 else f"{base}-{count}")
                for anchor in HTML_ANCHOR.findall(line):
                    anchors.add(anchor)
                previous = (number, line)
            self._anchors = anchors
        return self._anchors


def without_code_spans(line):
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def code_spans(line):
    return [m.group(2) for m in CODE_SPAN.finditer(line)]


def known_flags(help_text):
    """The long flags help defines: the leading flags of each option line
    (`  --a.b <value>`, `  --a.b/--no-a.b`, `  -h, --help`), not the flags its
    descriptions mention; every flag when no line has that shape."""
    names = set()
    definitions = re.compile(r"^\s{0,4}(?:-\w,\s*)?(--\S+)")
    for line in help_text.splitlines():
        match = definitions.match(line)
        if match:
            for part in match.group(1).split("/"):
                for optional_no, name in HELP_FLAG.findall(part):
                    names.add(name)
                    if optional_no:
                        names.add("no-" + name)
    if not names:
        for optional_no, name in HELP_FLAG.findall(help_text):
            names.add(name)
            if optional_no:
                names.add("no-" + name)
    return names


def check_flag(token_prefix, name, known):
    """Whether a flag the docs mention is the exporter's (or a listed other program's)."""
    if token_prefix == "[no-]":
        return name in known or ("no-" + name) in known
    if token_prefix == "no-":
        return ("no-" + name) in known or name in known
    return name in known


def main():
    parser = argparse.ArgumentParser(description="Check the README's and docs/'s links and flags.")
    parser.add_argument("--help-file", help="the exporter's --help output (default: read from stdin)")
    parser.add_argument("--root", default=ROOT, help="the repository (default: this script's parent folder)")
    arguments = parser.parse_args()

    if arguments.help_file:
        with open(arguments.help_file, encoding="utf-8") as stream:
            help_text = stream.read()
    else:
        if sys.stdin.isatty():
            parser.error("pipe the exporter's --help output in, or give --help-file")
        help_text = sys.stdin.read()
    known = known_flags(help_text)
    problems = []
    if not any("." in name for name in known):
        problems.append(f"<help>:1: no dotted exporter flag in the help text ({len(help_text)} bytes): is it workspaces_exporter --help?")

    root = os.path.abspath(arguments.root)
    paths = [os.path.join(root, "README.md")]
    docs = os.path.join(root, "docs")
    if os.path.isdir(docs):
        paths += sorted(os.path.join(docs, name) for name in os.listdir(docs) if name.endswith(".md"))
    pages = {}

    def page(path):
        if path not in pages:
            pages[path] = Page(path)
        return pages[path]

    links = flags = 0
    for path in paths:
        shown = os.path.relpath(path, root)
        current = page(path)
        # (a) links, outside code
        for number, line in current.prose:
            text = without_code_spans(line)
            targets = [m.group(2) for m in INLINE_LINK.finditer(text)]
            definition = REFERENCE_DEF.match(text)
            if definition:
                targets.append(definition.group(1))
            for target in targets:
                if not target or SCHEME.match(target):
                    continue  # http(s), mailto, ...
                links += 1
                location, _, anchor = target.partition("#")
                location = urllib.parse.unquote(location)
                if location == "":
                    resolved = path
                elif location.startswith("/"):
                    resolved = os.path.normpath(os.path.join(root, location.lstrip("/")))
                else:
                    resolved = os.path.normpath(os.path.join(os.path.dirname(path), location))
                if not os.path.exists(resolved):
                    problems.append(f"{shown}:{number}: link to {target}: {os.path.relpath(resolved, root)} does not exist")
                    continue
                if not (resolved == root or resolved.startswith(root + os.sep)):
                    problems.append(f"{shown}:{number}: link to {target} leaves the repository")
                    continue
                if anchor and os.path.isfile(resolved) and resolved.endswith(".md"):
                    if urllib.parse.unquote(anchor) not in page(resolved).anchors:
                        problems.append(f"{shown}:{number}: link to {target}: no heading #{anchor} in {os.path.relpath(resolved, root)}")
        # (b) flags, in code spans and fenced code
        pieces = [(number, span) for number, line in current.prose for span in code_spans(line)]
        pieces += current.code
        for number, piece in pieces:
            for prefix, name in FLAG.findall(piece):
                flags += 1
                flag = f"--{prefix}{name}"
                if check_flag(prefix, name, known) or f"--{name}" in OTHER_PROGRAMS_FLAGS and prefix == "":
                    continue
                problems.append(f"{shown}:{number}: {flag} is not a flag of workspaces_exporter --help (another program's? add it to OTHER_PROGRAMS_FLAGS)")
            for word in WORD_FLAG.findall(piece):
                flags += 1
                if word not in known:
                    problems.append(f"{shown}:{number}: --{word} is not in workspaces_exporter --help")

    for problem in problems:
        print(problem)
    if problems:
        print(f"docs check: {len(problems)} problem(s) in {len(paths)} files")
        return 1
    print(f"docs check: {len(paths)} files, {links} relative links, {flags} flag mentions, {len(known)} flags in --help: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
