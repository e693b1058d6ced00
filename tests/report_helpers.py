"""A small legacy project for the report tests: the bundled examples (real 0.3-era code,
misconceptions included), a notebook, a clean module and an excluded directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, "examples")


def make_tree(root) -> str:
    root = str(root)
    with open(os.path.join(root, "pyproject.toml"), "w") as handle:
        handle.write("[project]\nname = 'demo'\n")
    shutil.copytree(EXAMPLES, os.path.join(root, "src"),
                    ignore=shutil.ignore_patterns("*.md", "*.yaml", "__pycache__"))
    os.makedirs(os.path.join(root, "src", "clean"))
    with open(os.path.join(root, "src", "clean", "modern.py"), "w") as handle:
        handle.write("import torch\n\nx = torch.ones(2, requires_grad=True)\n")
    os.makedirs(os.path.join(root, "build"))  # excluded by default, as for check
    with open(os.path.join(root, "build", "old.py"), "w") as handle:
        handle.write("from torch.autograd import Variable\nv = Variable(x)\n")
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# A 2017 notebook"]},
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
             "source": ["from torch.autograd import Variable\n", "x = Variable(torch.ones(2), volatile=True)\n",
                        "print(loss.data[0])"]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    with open(os.path.join(root, "nb.ipynb"), "w") as handle:
        json.dump(notebook, handle)
    return root


def cli(*args: str, cwd: str, check: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=REPO)
    return subprocess.run([sys.executable, "-m", "legacy_variable", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=check)


#: A module whose ``x.data[0]`` receivers the code alone cannot judge (LV104, no fix).
PROBE = """\
import torch


def log(loss, total_loss, running_loss):
    print(loss.data[0])
    print(total_loss.data[0])
    print(running_loss.data[0])
    x = torch.zeros(3)
    y = x.type(torch.FloatTensor)
"""


def write_evidence(path, sites) -> None:
    """An evidence file as a recorded run writes it (evidence_file's format), by hand:
    ``sites`` are (relative path, line, column, line text, kind, {value: count})."""
    from legacy_variable import evidence_file

    data = {"version": evidence_file.VERSION, "sites": [
        {"path": rel, "line": line, "column": column, "line_hash": evidence_file.line_hash(text),
         "kind": kind, "observed": observed}
        for rel, line, column, text, kind, observed in sites]}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(evidence_file.merge(data), handle)


def probe_evidence(root) -> tuple[str, str]:
    """``src/probe.py`` in the tree and two evidence files about it: ``ev.json`` says the
    ``loss`` receiver was 0-dim (its fix becomes safe) and ``total_loss`` 1-D (disproved);
    ``ev_cast.json`` that ``x`` of the LV108 cast was a tensor (already a safe fix)."""
    root = str(root)
    with open(os.path.join(root, "src", "probe.py"), "w") as handle:
        handle.write(PROBE)
    lines = PROBE.splitlines()
    first = os.path.join(root, "ev.json")
    write_evidence(first, [
        ("src/probe.py", 5, 11, lines[4], "index0", {"ndim=0": 4}),
        ("src/probe.py", 6, 11, lines[5], "index0", {"ndim=1": 4}),
    ])
    second = os.path.join(root, "ev_cast.json")
    write_evidence(second, [("src/probe.py", 9, 9, lines[8], "cast", {"tensor": 1})])
    return first, second
