#!/usr/bin/env python3
"""Instructions per capture of `dapa scan`, by area, counted by callgrind.

Usage:
    benches/profile_areas.py CORPUS_DIR BINARY [BINARY...] [-- DAPA_OPTIONS...]

Runs `BINARY scan CORPUS_DIR --quiet --format json --jobs 1 DAPA_OPTIONS` under
`valgrind --tool=callgrind` for each binary and prints one Markdown table: the
instructions of each area (the inclusive count of the functions that make it)
divided by the number of files, one column per binary. Instruction counts do
not depend on what else the machine is doing, so binaries built before and
after a change can be compared on a busy machine. Use a small corpus (a few
thousand files): callgrind runs the program about fifty times slower.

Areas overlap where one calls another (the parse of a stringified value is
inside the payload walk); "total" is the whole program.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

# Area -> function names (as callgrind_annotate prints them, without the
# file) whose inclusive counts add up to it; `A|B` counts the first of them
# that ran. Recursive calls ('2) are left
# out so that nothing is counted twice.
AREAS: list[tuple[str, list[str]]] = [
    ("read the file", ["dapa::capture::load_file"]),
    # A body no later layer reads is skimmed (no tree built); the others
    # are parsed into a value, after a skim where the skim may serve.
    ("parse (syntax layer)", ["dapa::layer::syntax::skim", "dapa::layer::syntax::check"]),
    ("transport layer", ["dapa::layer::transport::check"]),
    ("envelope layer", ["dapa::layer::envelope::check"]),
    ("payload walk", ["dapa::layer::payload::check"]),
    ("schema layer (jsonschema inside)", ["dapa::layer::schema::check"]),
    ("drift walk", ["dapa::layer::drift::check"]),
    ("locate findings (second parse)", ["dapa::json::parse::locate"]),
    ("finding extents (SARIF)", ["dapa::spans::value_extents"]),
    ("line and column of findings", ["dapa::finding::add_lines"]),
    ("signature keys", ["dapa::signature::key"]),
    # A scan sums its captures with Summing, which calls Summary::add for
    # some of them; builds before Summing called Summary::add directly.
    ("summary", [
        "dapa::summary::Summing::add|dapa::summary::Summary::add",
        "dapa::summary::Summing::finish", "dapa::summary::Summary::merge",
    ]),
    ("drop the document", ["core::ptr::drop_in_place<core::option::Option<dapa::analyze::Document>>"]),
    ("walk the folders (own thread)", ["dapa::scan::walk"]),
]

LINE = re.compile(r"^\s*([\d,]+) \([ \d.]+%\)\s+(?:\S+?:)?(.+?) \[")


def profile(binary: str, corpus: str, options: list[str]) -> tuple[int, dict[str, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            binary, "scan", corpus, "--quiet", "--format", "json", "--jobs", "1", *options,
        ]
        # Run from an empty folder so that no dapa.toml is found.
        run = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
        if run.returncode not in (0, 1):
            sys.exit(f"profile_areas: {binary} exited with {run.returncode}:\n{run.stderr[-2000:]}")
        text = subprocess.run(
            ["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
            capture_output=True, text=True, check=True,
        ).stdout
    counts: dict[str, int] = {}
    total = 0
    for line in text.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        match = LINE.match(line)
        if match:
            counts.setdefault(match.group(2), int(match.group(1).replace(",", "")))
    return total, counts


def counted(counts: dict[str, int], name: str) -> int:
    """The count of a function, or of the first of `A|B|...` that ran."""
    return next((counts[one] for one in name.split("|") if one in counts), 0)


def main() -> None:
    args = sys.argv[1:]
    options: list[str] = []
    if "--" in args:
        at = args.index("--")
        args, options = args[:at], args[at + 1 :]
    if len(args) < 2 or not os.path.isdir(args[0]):
        sys.exit(__doc__)
    # Absolute: each run starts in an empty folder.
    corpus, binaries = os.path.abspath(args[0]), [os.path.abspath(b) for b in args[1:]]
    files = sum(len(names) for _, _, names in os.walk(corpus))
    columns = [profile(binary, corpus, options) for binary in binaries]
    print(f"{files} files; instructions per file (callgrind), `--jobs 1 {' '.join(options)}`\n")
    print("| area | " + " | ".join(os.path.basename(b) for b in binaries) + " |")
    print("|---|" + "---:|" * len(binaries))
    for area, names in AREAS:
        cells = []
        for _, counts in columns:
            value = sum(counted(counts, name) for name in names)
            cells.append(f"{value / files:,.0f}")
        print(f"| {area} | " + " | ".join(cells) + " |")
    print("| **total** | " + " | ".join(f"**{total / files:,.0f}**" for total, _ in columns) + " |")


if __name__ == "__main__":
    main()
