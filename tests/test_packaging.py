"""The lint face installs and works without torch (issue 15, item 1), and the pre-commit
hook runs from this repository as pre-commit users will run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEGACY = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))\ny = x.cuda(async=True)\n"


#: The test run's PYTHONPATH (a checkout on the path) must not leak into the fresh venv.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FORCE_COLOR", "PIP_USER")}


def _sh(*cmd, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", CLEAN_ENV)
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def lint_only_venv(tmp_path_factory) -> Path:
    """A fresh virtual environment with the package installed from a wheel built here, its
    dependencies and nothing else: what `pip install legacy-variable` gives a CI lint job."""
    base = tmp_path_factory.mktemp("lint-only")
    source = base / "src"
    source.mkdir()
    # Built from a copy: a build writes build/ and *.egg-info, which must not land in the
    # checkout that other tests (and workers) read.
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "legacy_variable", source / "legacy_variable", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = base / "wheels"
    build = _sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", wheels, source)
    if build.returncode != 0:  # this interpreter lacks the build backend: pip fetches it
        build = _sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, source)
    assert build.returncode == 0, build.stderr
    venv = base / "venv"
    made = _sh(sys.executable, "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    (wheel,) = wheels.glob("legacy_variable-*.whl")
    # Dependencies resolved offline: on Python >= 3.11 there are none to fetch.
    install = _sh(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-index", wheel)
    if install.returncode != 0 and sys.version_info < (3, 11):
        pytest.skip("Python 3.10 needs tomli from PyPI for this check")
    assert install.returncode == 0, install.stderr
    return venv


def test_the_lint_only_install_has_no_torch_and_no_other_dependency(lint_only_venv):
    python = lint_only_venv / "bin" / "python"
    listing = _sh(sys.executable, "-m", "pip", "--python", python, "list", "--format", "freeze")
    names = sorted(line.split("==")[0].lower() for line in listing.stdout.splitlines())
    expected = ["legacy-variable"] + (["tomli"] if sys.version_info < (3, 11) else [])
    assert names == expected, listing.stdout
    assert _sh(python, "-c", "import torch").returncode != 0


def test_check_explain_rules_and_version_work_without_torch(lint_only_venv, tmp_path):
    tool = lint_only_venv / "bin" / "legacy-variable"
    (tmp_path / "a.py").write_text(LEGACY)
    env = CLEAN_ENV
    check = _sh(tool, "check", "--no-cache", "--output-format", "concise", "a.py", cwd=tmp_path, env=env)
    assert check.returncode == 1, check.stderr
    assert [line.split()[1] for line in check.stdout.splitlines()[:3]] == ["LV102", "LV101", "LV105"]
    fixed = _sh(tool, "check", "--no-cache", "--fix", "a.py", cwd=tmp_path, env=env)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (tmp_path / "a.py").read_text() == "import torch\nx = torch.ones(2)\ny = x.cuda(non_blocking=True)\n"
    explain = _sh(tool, "explain", "LV104", env=env)
    assert explain.returncode == 0 and "scalar-data-index" in explain.stdout
    rules = _sh(tool, "rules", env=env)
    assert rules.returncode == 0 and rules.stdout.splitlines()[0].split() == ["CODE", "NAME", "FIX", "FACES", "SUMMARY"]
    assert _sh(tool, "-V", env=env).stdout.startswith("legacy-variable ")


def test_the_runtime_face_without_torch_says_so_in_one_line(lint_only_venv):
    python = lint_only_venv / "bin" / "python"
    done = _sh(python, "-c", "from legacy_variable import Variable")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    # The error line alone tells what to do (the traceback above it is Python's).
    assert last.startswith("ImportError: ") and "torch" in last.lower() and "legacy-variable[runtime]" in last
    assert _sh(python, "-c", "import legacy_variable, legacy_variable.lint").returncode == 0


def test_the_flake8_plugin_never_imports_torch(tmp_path):
    # flake8 itself is not in the lint-only venv (no network here); the same guarantee is
    # checked in this interpreter with torch made unimportable.
    (tmp_path / "a.py").write_text("import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))\n")
    code = textwrap.dedent(
        """
        import sys
        sys.modules["torch"] = None  # any `import torch` now raises ImportError
        from flake8.main.cli import main
        raise SystemExit(main(["-j", "1", "--select", "LV", "a.py"]))
        """
    )
    done = _sh(sys.executable, "-c", code, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert [line.split()[1] for line in done.stdout.splitlines()] == ["LV102", "LV101"], done.stderr
    assert done.returncode == 1


# --- pre-commit ---------------------------------------------------------------------


def _pre_commit() -> str | None:
    # The test extra installs pre-commit beside this interpreter; the venv's bin/ need not be
    # on PATH (README runs `.venv/bin/python -m pytest`).
    beside = os.path.join(os.path.dirname(sys.executable), "pre-commit")
    return (os.environ.get("LEGACY_VARIABLE_PRE_COMMIT") or (beside if os.path.exists(beside) else None)
            or shutil.which("pre-commit"))


@pytest.mark.skipif(_pre_commit() is None, reason="pre-commit is not installed (set LEGACY_VARIABLE_PRE_COMMIT to its path)")
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_try_repo_runs_the_hook_and_honours_excludes(tmp_path):
    """`pre-commit try-repo` installs this repository (with its uncommitted changes) the way
    a user's `.pre-commit-config.yaml` would, into pre-commit's own venv: that pip install
    builds the package, so it needs PyPI for the build backend (CI has it)."""
    repo = tmp_path / "user-repo"
    (repo / "src").mkdir(parents=True)
    (repo / "third_party").mkdir()
    (repo / "src" / "train.py").write_text(LEGACY)
    (repo / "third_party" / "old.py").write_text(LEGACY)
    (repo / "pyproject.toml").write_text('[tool.legacy-variable]\nextend-exclude = ["third_party"]\n')
    env = {
        **CLEAN_ENV,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"]):
        assert _sh(*cmd, cwd=repo, env=env).returncode == 0
    done = _sh(_pre_commit(), "try-repo", ROOT, "legacy-variable", "--all-files", "--verbose", cwd=repo, env=env)
    if done.returncode not in (0, 1) and ("Could not find a version" in done.stdout or "network" in done.stdout.lower()):
        pytest.skip("pre-commit could not install the hook: no package index reachable")
    assert done.returncode == 1, done.stdout + done.stderr  # findings fail the hook
    report = done.stdout.split("- hook id: legacy-variable", 1)[-1]
    assert " --> src/train.py:3:5\n" in report
    # pre-commit named third_party/old.py too; --force-exclude kept the exclude in force.
    assert "third_party" not in report


@pytest.mark.skipif(_pre_commit() is None, reason="pre-commit is not installed (set LEGACY_VARIABLE_PRE_COMMIT to its path)")
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_example_pre_commit_config_fixes_staged_files_and_spares_excluded_ones(tmp_path):
    """examples/pre-commit-config.yaml as a user copies it (offline: a `language: system`
    hook installs nothing), with a project exclude that pre-commit's own filter misses."""
    repo = tmp_path / "user-repo"
    (repo / "src").mkdir(parents=True)
    (repo / "vendor").mkdir()
    (repo / "src" / "train.py").write_text(LEGACY)
    (repo / "vendor" / "old.py").write_text(LEGACY)
    (repo / "pyproject.toml").write_text('[tool.legacy-variable]\nextend-exclude = ["vendor"]\n')
    shutil.copy(ROOT / "examples" / "pre-commit-config.yaml", repo / ".pre-commit-config.yaml")
    bin_dir = tmp_path / "bin"  # `legacy-variable` on PATH, running this checkout
    bin_dir.mkdir()
    shim = bin_dir / "legacy-variable"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m legacy_variable "$@"\n')
    shim.chmod(0o755)
    env = {
        **CLEAN_ENV,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }
    assert _sh("git", "init", "-q", cwd=repo, env=env).returncode == 0
    assert _sh("git", "add", "-A", cwd=repo, env=env).returncode == 0
    done = _sh(_pre_commit(), "run", "--all-files", cwd=repo, env=env)
    assert done.returncode == 1, done.stdout + done.stderr  # files were modified
    assert "files were modified by this hook" in done.stdout
    assert (repo / "src" / "train.py").read_text() == "import torch\nx = torch.ones(2)\ny = x.cuda(non_blocking=True)\n"
    assert (repo / "vendor" / "old.py").read_text() == LEGACY
