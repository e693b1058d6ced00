"""Benchmark of ``legacy-variable report`` against ``legacy-variable check`` (issue 16).

    python bench/report_bench.py [--lines 100000] [--repeat 3] [--keep DIR]

Builds ``lint_bench``'s synthetic legacy tree (2017-style modules, >= 100k lines), then
times, each as a fresh process without the cache (both lint every file):

  check        ``legacy-variable check --no-cache --statistics``: the baseline
  report html  ``legacy-variable report --no-cache -o report.html``
  report json  ``legacy-variable report --no-cache --format json``

in rounds (every row once per round, so that a ratio compares runs made under the same
machine load), prints the median per-round ratio against check (target: html <= 2x),
the HTML page's size and how much of it is the lazily expanded findings data, and checks
that the report counts what check counts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lint_bench import ENV, build_tree, timed  # noqa: E402  (the generator and timer, reused)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds")
    parser.add_argument("--keep", help="build the tree here and keep it")
    args = parser.parse_args()

    root = args.keep or tempfile.mkdtemp(prefix="lv-report-bench-")
    os.makedirs(root, exist_ok=True)
    tree = os.path.join(root, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    files, lines = build_tree(tree, args.lines)
    load = os.getloadavg()
    print(f"tree: {files} files, {lines} lines; {os.cpu_count()} CPUs; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    lv = [sys.executable, "-m", "legacy_variable"]
    rows = {
        "check": [*lv, "check", "--no-cache", "-q", "--statistics", "--output-format", "json", "tree"],
        "report html": [*lv, "report", "--no-cache", "-o", "report.html", "tree"],
        "report json": [*lv, "report", "--no-cache", "--format", "json", "tree"],
    }
    subprocess.run([*lv, "report", "--help"], cwd=root, capture_output=True, env=ENV)  # bytecode
    samples: dict[str, list[float]] = {name: [] for name in rows}
    outputs: dict[str, subprocess.CompletedProcess] = {}
    for _ in range(args.repeat):
        for name, command in rows.items():
            seconds, outcome = timed(command, root)
            if outcome.returncode not in (0, 1):
                print(f"{name} failed:\n{outcome.stderr}", file=sys.stderr)
                return 1
            samples[name].append(seconds)
            outputs[name] = outcome

    def ratio(name: str) -> float:
        return statistics.median(w / c for w, c in zip(samples[name], samples["check"]))

    print(f"{args.repeat} rounds; wall seconds best / median; ratio: median of per-round ratios to check")
    for name in rows:
        note = "" if name == "check" else f"{ratio(name):5.2f}x check"
        if name == "report html":
            note += " (target <= 2x)"
        print(f"{name:<14}{min(samples[name]):8.3f} s {statistics.median(samples[name]):8.3f} s   {note}")

    statistics_json = json.loads(outputs["check"].stdout)
    counted = sum(row["count"] for row in statistics_json)
    reported = json.loads(outputs["report json"].stdout)["summary"]["diagnostics"]
    print(f"diagnostics: check {counted}, report {reported}: {'agree' if counted == reported else 'DIFFER'}")

    with open(os.path.join(root, "report.html"), encoding="utf-8") as handle:
        page = handle.read()
    data = re.search(r'<script type="application/json" id="lv-data">(.*?)</script>', page, re.S).group(1)
    size, data_size = len(page.encode()), len(data.encode())
    print(f"report.html: {size / 1e6:.2f} MB, of which {data_size / 1e6:.2f} MB findings data "
          f"({data_size / max(reported, 1):.0f} bytes per finding, expanded on demand)")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if counted == reported else 1


if __name__ == "__main__":
    sys.exit(main())
