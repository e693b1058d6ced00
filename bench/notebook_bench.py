"""What checking a notebook costs against the same code as a ``.py`` file (issue 9).

    python bench/notebook_bench.py [--lines 50000] [--repeat 3] [--keep DIR]

Builds two trees from ``lint_bench``'s 2017-style snippets with the same Python lines:
``nb/`` holds notebooks (a ``%matplotlib inline`` cell, one code cell per snippet with a
markdown cell and a stream output between, as Jupyter writes them) and ``py/`` one ``.py``
twin per notebook (the same code cells joined). Times, as fresh processes and best of N:

  check py, --no-cache      the .py tree
  check nb, --no-cache      the notebooks: JSON scan, masking, mapping back to cells
  check nb, warm            the notebooks again, all cached

and prints the extra cost per code cell. CPU seconds (user + sys) are what to compare on
a shared machine; wall is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lint_bench  # noqa: E402  (the snippets and the timer of the main linter bench)


def _lines(text: str) -> list[str]:
    return [line + "\n" for line in text.split("\n")[:-1]] + [text.split("\n")[-1]] if text else []


def build_trees(root: str, target_lines: int) -> tuple[int, int, int]:
    rng = random.Random(2017)
    lines = notebooks = cells = 0
    while lines < target_lines:
        sources = [rng.choice(lint_bench.SNIPPETS).format(n=notebooks * 100 + n).rstrip("\n") for n in range(rng.randint(4, 12))]
        nb_cells = [
            {"cell_type": "code", "execution_count": 1, "id": "c0", "metadata": {}, "outputs": [], "source": ["%matplotlib inline"]}
        ]
        for k, source in enumerate(sources, 1):
            nb_cells.append({"cell_type": "markdown", "id": f"m{k}", "metadata": {}, "source": [f"## Step {k}\n", "As in the 2017 tutorial."]})
            nb_cells.append(
                {
                    "cell_type": "code",
                    "execution_count": k + 1,
                    "id": f"c{k}",
                    "metadata": {},
                    "outputs": [{"name": "stdout", "output_type": "stream", "text": [f"step {k} done\n"]}],
                    "source": _lines(source),
                }
            )
        document = {
            "cells": nb_cells,
            "metadata": {
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python", "version": "3.6.3"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        directory = f"part{notebooks // 50:03d}"
        for tree in ("nb", "py"):
            os.makedirs(os.path.join(root, tree, directory), exist_ok=True)
        with open(os.path.join(root, "nb", directory, f"ch{notebooks:04d}.ipynb"), "w", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        text = "\n\n".join(sources) + "\n"
        with open(os.path.join(root, "py", directory, f"ch{notebooks:04d}.py"), "w", encoding="utf-8") as handle:
            handle.write(text)
        lines += text.count("\n")
        cells += len(sources)
        notebooks += 1
    return notebooks, cells, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="build the trees here and keep them")
    args = parser.parse_args()

    root = args.keep or tempfile.mkdtemp(prefix="lv-nb-bench-")
    for tree in ("nb", "py"):
        shutil.rmtree(os.path.join(root, tree), ignore_errors=True)
    notebooks, cells, lines = build_trees(root, args.lines)
    print(f"{notebooks} notebooks ({cells} code cells) and {notebooks} .py twins, {lines} Python lines each; {os.cpu_count()} CPUs")

    base = [sys.executable, "-m", "legacy_variable", "check", "-q", "--statistics"]
    cache = os.path.join(root, "cache")
    lint_bench.timed([*base, "--help"], root)  # write bytecode
    results = {}
    for label, command in (
        ("check py, --no-cache", [*base, "--no-cache", "py"]),
        ("check nb, --no-cache", [*base, "--no-cache", "nb"]),
    ):
        seconds, completed = lint_bench.timed(command, root, args.repeat)
        results[label] = (seconds, lint_bench.last_cpu, completed.stdout)
    shutil.rmtree(cache, ignore_errors=True)
    lint_bench.timed([*base, "--cache-dir", cache, "nb"], root)
    seconds, completed = lint_bench.timed([*base, "--cache-dir", cache, "nb"], root, args.repeat)
    results["check nb, warm (cached)"] = (seconds, lint_bench.last_cpu, completed.stdout)

    print(f"{'':<26}{'wall':>8}   {'cpu':>8}")
    for label, (seconds, cpu, _) in results.items():
        print(f"{label:<26}{seconds:8.3f} s {cpu:8.3f} s")
    py_wall, py_cpu, py_out = results["check py, --no-cache"]
    nb_wall, nb_cpu, nb_out = results["check nb, --no-cache"]
    print(
        f"notebooks vs .py: wall x{nb_wall / py_wall:.2f}, cpu x{nb_cpu / py_cpu:.2f}; "
        f"extra per code cell: {(nb_cpu - py_cpu) / cells * 1e6:.0f} us cpu "
        f"(a .py cell's worth of code costs {py_cpu / cells * 1e6:.0f} us)"
    )
    if nb_out != py_out:
        print("note: the per-rule counts differ between the trees:")
        print(py_out.rstrip())
        print(nb_out.rstrip())
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
