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
