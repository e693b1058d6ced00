"""The linter seen from outside: flake8, pre-commit, a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    # This checkout first: an installed (editable) copy elsewhere must not be the one tested.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(ROOT), str(TESTS)))}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_flake8_runs_the_plugin_with_correct_columns(tmp_path):
    (tmp_path / "a.py").write_text("name = 'é'; x = Variable(t)  # é\ny = Variable(u)  # noqa: LV101\n")
    # flake8 runs plugins in-process with -j 1, so the engine-test double can stand in
    # for the rule checkers; everything else is flake8's own machinery.
    result = python(
        """
        import lint_fake_checker
        from legacy_variable.lint import checkers
        checkers.check_module = lint_fake_checker.fake_check_module
        from legacy_variable.lint import analysis
        analysis.could_find = lambda text, codes: True  # the double reports without torch
        from flake8.main.cli import main
        raise SystemExit(main(["-j", "1", "--select", "LV", "a.py"]))
        """,
        tmp_path,
    )
    assert result.stdout == "a.py:1:17: LV101 `Variable(...)` is a legacy wrapper\n", result.stderr
    assert result.returncode == 1


def test_flake8_discovers_the_plugin_by_its_entry_point(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LV", "a.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    versions = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True).stdout
    assert "legacy-variable" in versions


def test_check_never_imports_torch_or_the_runtime(tmp_path):
    (tmp_path / "a.py").write_text("import torch\nx = torch.ones(3).cuda(async=True)\n")
    result = python(
        """
        import sys
        from legacy_variable.cli import main
        code = main(["check", "--no-cache", "--fix", "a.py"])
        loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")
                        or m in ("legacy_variable.runtime.shim", "legacy_variable.runtime.mode"))
        print(code, loaded)
        """,
        tmp_path,
    )
    assert result.stdout.splitlines()[-1] == "0 []", result.stderr


def test_check_imports_nothing_heavy_for_one_file(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    result = python(
        """
        import sys
        from legacy_variable.cli import main
        main(["check", "--no-cache", "a.py"])
        heavy = {"torch", "concurrent.futures", "difflib", "json", "multiprocessing", "tempfile", "numpy"}
        print(sorted(heavy & set(sys.modules) - {"json"}))
        """,
        tmp_path,
    )
    # json is imported by the CLI front for `rules --format json`, not by check.
    assert result.stdout.splitlines()[-1] == "[]", result.stderr


def test_pre_commit_hook_definition():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    for line in (
        "- id: legacy-variable",
        "  entry: legacy-variable check --force-exclude",  # excludes apply to named files
        "  language: python",
        "  types_or: [python, pyi, jupyter]",  # notebooks are linted too
        "  require_serial: false",
        "  args: []",
    ):
        assert line + "\n" in text
    try:
        import yaml
    except ImportError:
        return
    (hook,) = yaml.safe_load(text)
    assert hook["id"] == "legacy-variable" and hook["entry"] == "legacy-variable check --force-exclude"


LEGACY_SCRIPT = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable


def train(model, loader, optimizer):
    for data, target in loader:
        data, target = data.cuda(async=True), target.cuda(async=True)
        data, target = Variable(data), Variable(target)
        w = Variable(torch.randn(3, 3), requires_grad=True)
        nn.init.xavier_uniform(w)
        loss = F.nll_loss(model(data), target, size_average=False)
        loss.backward(retain_variables=True)
        print(loss.data[0])
"""


def test_real_checkers_through_the_engine_fix_to_a_parseable_fixed_point(tmp_path):
    """Whatever the rules find, --fix must leave a file that parses, and a second --fix
    must find nothing more to do."""
    import ast
    import json

    path = tmp_path / "train.py"
    path.write_text(LEGACY_SCRIPT)
    cli = [sys.executable, "-m", "legacy_variable", "check", "--no-cache"]
    first = subprocess.run([*cli, "--output-format", "json", "train.py"], cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 1, first.stderr
    codes = {d["code"] for d in json.loads(first.stdout)}
    assert "LV105" in codes and "LV001" not in codes
    fixed = subprocess.run([*cli, "--fix", "--unsafe-fixes", "train.py"], cwd=tmp_path, capture_output=True, text=True)
    assert fixed.returncode in (0, 1), fixed.stderr
    after = path.read_text()
    ast.parse(after)
    assert "async" not in after
    again = subprocess.run(
        [*cli, "--fix", "--unsafe-fixes", "--output-format", "json", "train.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert path.read_text() == after
    assert all(d["fix"] is None or d["fix"]["applicability"] == "display-only" for d in json.loads(again.stdout))


def test_flake8_with_the_real_checkers(tmp_path):
    (tmp_path / "a.py").write_text("import torch\nfrom torch.autograd import Variable\nx = Variable(torch.randn(3))\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LV101", "a.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.stdout.startswith("a.py:3:5: LV101 "), result.stdout + result.stderr


def test_flake8_applies_the_projects_legacy_variable_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.legacy-variable]\nignore = ["LV102"]\nper-file-ignores = { "tests/*" = ["LV101"] }\n'
    )
    source = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))\n"
    (tmp_path / "a.py").write_text(source)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text(source)
    (tmp_path / "old.py").write_text("y = x.cuda(async=True)\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LV,E999", "a.py", "tests/t.py", "old.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("a.py:3:5: LV101 ")
    # A file that does not parse stops flake8 at E999 before any plugin (documented):
    assert lines[1].startswith("old.py:1:13: E999 SyntaxError")
    assert len(lines) == 2, result.stdout + result.stderr


def test_flake8_survives_a_broken_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.legacy-variable]\nselect = "LV1"\n')
    (tmp_path / "a.py").write_text("import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "-j", "1", "--select", "LV", "a.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert "'select' must be a list of strings; flake8 uses the default rules" in result.stderr
    assert "Traceback" not in result.stderr
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["LV102", "LV101"]
