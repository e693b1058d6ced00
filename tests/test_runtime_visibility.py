"""LegacyVariableWarning shows for imported user modules under install() / run, once per
site, while an explicit user filter still wins (issue 18: Python's default filters hid
the DeprecationWarning subclass outside ``__main__``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

LEGACY_MODULE = """
import torch
from torch.autograd import Variable


def step():
    return Variable(torch.ones(2))
"""

MAIN_INSTALL = """
import legacy_variable
legacy_variable.install()
import legacy_mod
for _ in range(3):
    legacy_mod.step()
print("done")
"""

# A filter by class set in code: `-W ignore::legacy_variable.LegacyVariableWarning` on the
# command line is resolved before site-packages are importable, so Python drops it
# ("Invalid -W option ignored") for any installed package; users filter in code or config.
MAIN_IGNORING = """
import warnings
import legacy_variable
warnings.filterwarnings("ignore", category=legacy_variable.LegacyVariableWarning)
legacy_variable.install()
import legacy_mod
for _ in range(3):
    legacy_mod.step()
print("done")
"""

MAIN_PLAIN = """
import legacy_mod
for _ in range(3):
    legacy_mod.step()
print("done")
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "legacy_mod.py").write_text(textwrap.dedent(LEGACY_MODULE))
    (tmp_path / "main_install.py").write_text(textwrap.dedent(MAIN_INSTALL))
    (tmp_path / "main_plain.py").write_text(textwrap.dedent(MAIN_PLAIN))
    (tmp_path / "main_ignoring.py").write_text(textwrap.dedent(MAIN_IGNORING))
    return tmp_path


def _python(project, *args):
    return subprocess.run(
        [sys.executable, *args], cwd=project, capture_output=True, text=True, timeout=120
    )


def _lv101_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "LegacyVariableWarning: LV101" in line]


def test_install_shows_the_warning_for_an_imported_module_once(project):
    out = _python(project, "main_install.py")
    assert out.returncode == 0, out.stderr
    lines = _lv101_lines(out.stderr)
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(f"{project / 'legacy_mod.py'}:7: ")


def test_run_shows_the_warning_for_an_imported_module_once(project):
    out = _python(project, "-m", "legacy_variable", "run", "main_plain.py")
    assert out.returncode == 0, out.stderr
    lines = _lv101_lines(out.stderr)
    assert len(lines) == 1, out.stderr
    assert "legacy_mod.py:7: " in lines[0]


def test_user_error_filter_still_wins(project):
    out = _python(project, "-W", "error::DeprecationWarning", "main_install.py")
    assert out.returncode != 0
    assert "LegacyVariableWarning: LV101" in out.stderr
    assert "done" not in out.stdout


def test_user_ignore_filter_still_wins(project):
    out = _python(project, "main_ignoring.py")
    assert out.returncode == 0, out.stderr
    assert _lv101_lines(out.stderr) == []
    out = _python(project, "-W", "ignore::DeprecationWarning", "main_install.py")
    assert out.returncode == 0, out.stderr
    assert _lv101_lines(out.stderr) == []


def test_uninstall_takes_the_filter_away():
    import warnings

    from legacy_variable import install, uninstall
    from legacy_variable.runtime import emission

    install()
    try:
        assert emission._PYTHON_DEFAULTS_START in warnings.filters  # pytest keeps Python's
        position = warnings.filters.index(emission._VISIBLE)
        assert warnings.filters[position + 1] == emission._PYTHON_DEFAULTS_START
    finally:
        uninstall()
    assert emission._VISIBLE not in warnings.filters
