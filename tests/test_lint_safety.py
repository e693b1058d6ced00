"""The linter reads code and nothing else (issue 7, item 4).

* It never imports or executes what it checks: modules, ``conftest.py``, ``setup.py``,
  ``__init__.py``, notebooks and files named like the standard-library modules the linter
  itself imports, each of which would leave a marker file if run, leave none after
  ``check`` and ``check --fix --unsafe-fixes``, in-process and as the installed command.
* It never follows a symbolic link out of the tree it was given: legacy files reached
  only through such a link are not reported, not fixed, and keep their bytes and mtime.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from legacy_variable.cli import main

LEGACY = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.randn(3))\ny = x.cuda(async=True)\n"


def _side_effect(marker_dir, name: str) -> str:
    """A statement that, if executed, creates ``marker_dir/name``."""
    return f"open({str(marker_dir / name)!r}, 'w').close()\n"


def _plant(project, markers) -> list[str]:
    """Files with side effects and legacy code; returns the marker names they would write."""
    planted = {
        "train.py": LEGACY + _side_effect(markers, "train"),
        "conftest.py": _side_effect(markers, "conftest") + LEGACY,
        "setup.py": "import setuptools\n" + _side_effect(markers, "setup") + "setuptools.setup(name='x')\n",
        "pkg/__init__.py": _side_effect(markers, "pkg_init") + "from torch.autograd import Variable\n",
        "pkg/__main__.py": _side_effect(markers, "pkg_main"),
        "pkg/model.py": "from . import helper\n" + _side_effect(markers, "pkg_model") + LEGACY,
        "sitecustomize.py": _side_effect(markers, "sitecustomize"),
        "usercustomize.py": _side_effect(markers, "usercustomize"),
        # Named like modules the linter imports: shadowing them would run them.
        "ast.py": _side_effect(markers, "ast"),
        "tokenize.py": _side_effect(markers, "tokenize"),
        "json.py": _side_effect(markers, "json"),
        "difflib.py": _side_effect(markers, "difflib"),
        "tomllib.py": _side_effect(markers, "tomllib"),
        "torch.py": _side_effect(markers, "torch"),
        "legacy_variable.py": _side_effect(markers, "legacy_variable"),
        # Python 2 and `async=` files: the paths where the linter works hardest on the text.
        "old.py": "print 'x'\n" + _side_effect(markers, "old"),
        "asyncy.py": LEGACY + "z = x.to('cpu', async=True); " + _side_effect(markers, "asyncy"),
    }
    for name, text in planted.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                   "source": LEGACY + _side_effect(markers, "notebook")}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    (project / "nb.ipynb").write_text(json.dumps(notebook))
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return sorted(planted)


@pytest.fixture
def planted(tmp_path, monkeypatch):
    project = tmp_path / "project"
    markers = tmp_path / "markers"
    project.mkdir()
    markers.mkdir()
    _plant(project, markers)
    monkeypatch.chdir(project)
    return project, markers


def _train_is_fixed(project) -> bool:
    text = (project / "train.py").read_text()
    return "Variable" not in text and "non_blocking=True" in text


def test_check_and_fix_in_process_execute_nothing(planted, capsys):
    project, markers = planted
    before = set(sys.modules)
    assert main(["check", "--no-cache", str(project)]) == 1
    assert main(["check", "--no-cache", "--fix", "--unsafe-fixes", str(project)]) in (0, 1)
    capsys.readouterr()
    assert sorted(os.listdir(markers)) == []
    assert _train_is_fixed(project)  # the run really looked at the files
    new_modules = set(sys.modules) - before
    assert not {m for m in new_modules if m.split(".")[0] in ("train", "pkg", "setup", "conftest", "old", "asyncy")}


@pytest.mark.parametrize("fix", [False, True])
def test_installed_command_executes_nothing_when_run_inside_the_tree(planted, fix):
    project, markers = planted
    command = shutil.which("legacy-variable", path=os.path.dirname(sys.executable))
    if command is None:
        pytest.skip("the legacy-variable console script is not installed next to this interpreter")
    args = [command, "check", "--no-cache", "."] + (["--fix", "--unsafe-fixes"] if fix else [])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    result = subprocess.run(args, cwd=project, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    assert sorted(os.listdir(markers)) == []
    assert _train_is_fixed(project) == fix


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_links_out_of_the_tree_are_neither_reported_nor_fixed(tmp_path, monkeypatch, capsys):
    tree = tmp_path / "tree"
    outside = tmp_path / "outside"
    (tree / "sub").mkdir(parents=True)
    (outside / "deeper").mkdir(parents=True)
    (tree / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tree / "own.py").write_text(LEGACY)
    foreign = {
        outside / "foreign.py": LEGACY,
        outside / "deeper" / "nested.py": LEGACY,
    }
    for path, text in foreign.items():
        path.write_text(text)
    stamps = {path: os.stat(path).st_mtime_ns for path in foreign}
    os.symlink(outside / "foreign.py", tree / "linked_file.py")  # absolute link to a file
    os.symlink("../../outside/deeper", tree / "sub" / "linked_dir")  # relative link to a directory
    os.symlink(outside, tree / "sub" / "whole_outside")
    os.symlink(tmp_path, tree / "parent")  # the tree's own parent, which holds the tree
    monkeypatch.chdir(tree)
    code = main(["check", "--no-cache", "--output-format", "json", "."])
    reported = {d["filename"] for d in json.loads(capsys.readouterr().out)}
    assert code == 1
    assert reported == {"own.py"}
    main(["check", "--no-cache", "--fix", "--unsafe-fixes", "."])
    capsys.readouterr()
    assert "Variable" not in (tree / "own.py").read_text()
    for path, text in foreign.items():
        assert path.read_text() == text
        assert os.stat(path).st_mtime_ns == stamps[path]
    assert sorted(os.listdir(outside)) == ["deeper", "foreign.py"]  # no temp file left there
    assert os.path.islink(tree / "linked_file.py")  # the link itself is not replaced


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_link_to_a_file_inside_the_tree_is_fixed_once_through_its_target(tmp_path, monkeypatch, capsys):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tree / "real.py").write_text(LEGACY)
    os.symlink("real.py", tree / "alias.py")
    monkeypatch.chdir(tree)
    main(["check", "--no-cache", "--fix", "--unsafe-fixes", "."])
    capsys.readouterr()
    assert os.path.islink(tree / "alias.py") and os.readlink(tree / "alias.py") == "real.py"
    assert (tree / "real.py").read_text() == "import torch\nx = torch.randn(3)\ny = x.cuda(non_blocking=True)\n"


def test_the_planted_files_would_leave_markers_if_run(tmp_path):
    # Guards the tests above: a marker-free run means nothing ran, not that nothing could.
    markers = tmp_path / "markers"
    markers.mkdir()
    project = tmp_path / "p"
    project.mkdir()
    _plant(project, markers)
    subprocess.run([sys.executable, "-m", "pkg"], cwd=project, capture_output=True, timeout=60)
    # `python -c`/`-m` put the working directory first on sys.path, so a file named like a
    # standard module shadows it; the installed command does not (tested above).
    subprocess.run([sys.executable, "-c", "import tokenize"], cwd=project, capture_output=True, timeout=60)
    assert {"pkg_init", "torch", "tokenize"} <= set(os.listdir(markers))
