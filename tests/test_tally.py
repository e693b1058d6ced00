"""One tally: the ``run`` report, the pytest summary and ``check --fix`` agree on how many of
the sites a program meets are auto-fixable, because the first two ask the linter itself."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from legacy_variable.diagnostics import Diagnostic
from legacy_variable.tally import FixCounts, Tally, fix_counts

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"

#: The article's example: wrapping after the computation, then expecting a.grad.
C_VAR = textwrap.dedent(
    """\
    import torch
    from torch.autograd import Variable

    a = Variable(torch.FloatTensor([1, 2, 3]), requires_grad=True)
    b = Variable(torch.FloatTensor([4, 5, 6]), requires_grad=True)
    c = a + b
    c_var = Variable(c, requires_grad=True)
    c_var.backward(torch.ones(3))
    print(a.grad)
    """
)

FIXABLE = re.compile(
    r"(\d+) of (\d+) call sites? auto-fixable with `legacy-variable check --fix`"
    r"(?:, (\d+) more with --unsafe-fixes)?"
)
FIXED = re.compile(r"\((\d+) fixed, \d+ remaining\)")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _fixable(text: str) -> tuple[int, int, int]:
    """(safe, unsafe, sites) from the closing line of a report or summary."""
    found = FIXABLE.search(text)
    assert found, text
    safe, sites, unsafe = found.groups()
    return int(safe), int(unsafe or 0), int(sites)


def _check_fixes(script: Path, codes: list[str], *extra: str) -> int:
    """How many fixes ``check --fix`` applies to a copy of ``script``, for ``codes``."""
    copy = script.with_name("copy_" + script.name)
    shutil.copy(script, copy)
    result = _cli("legacy_variable", "check", "--no-cache", "--fix", "--select", ",".join(codes),
                  *extra, copy.name, cwd=script.parent)
    found = FIXED.search(result.stdout)
    copy.unlink()
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize(
    "name, expected",
    [
        # (safe, unsafe, sites): the numbers `check --fix` makes, not the catalog's hopes.
        ("c_var.py", (2, 1, 5)),
        ("gan.py", (7, 1, 8)),  # two `.data[0]` on one line: two sites, two fixes
        ("classification.py", (5, 2, 10)),  # two `Variable(...)` on one line
    ],
)
def test_run_report_pytest_summary_and_check_fix_agree(tmp_path: Path, name: str, expected) -> None:
    script = tmp_path / name
    if name == "c_var.py":
        script.write_text(C_VAR)
    else:
        shutil.copy(REALWORLD / name, script)

    run = _cli("legacy_variable", "run", "-q", "--format", "text", name, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    codes = sorted(set(re.findall(r"^(LV\d{3}) ", run.stderr, re.MULTILINE)))

    (tmp_path / "test_script.py").write_text(
        f"import runpy\n\n\ndef test_script():\n    runpy.run_path({name!r}, run_name='__main__')\n"
    )
    suite = _cli("pytest", "--legacy-variable", "-p", "no:cacheprovider", "-q", "test_script.py",
                 cwd=tmp_path)
    assert suite.returncode == 0, suite.stdout + suite.stderr

    safe_fixed = _check_fixes(script, codes)
    all_fixed = _check_fixes(script, codes, "--unsafe-fixes")

    assert _fixable(run.stderr) == expected
    assert _fixable(suite.stdout) == expected
    assert (safe_fixed, all_fixed - safe_fixed) == expected[:2]


def _diag(code: str, path: str, line: int, column: int) -> Diagnostic:
    return Diagnostic(code=code, message="m", path=path, line=line, column=column)


def test_fix_counts_ask_the_linter_at_the_recorded_lines(tmp_path: Path) -> None:
    source = tmp_path / "train.py"
    source.write_text(
        "import torch\n"
        "from torch.autograd import Variable\n"
        "x = Variable(torch.ones(3))\n"
        "loss = (x * 2).sum()\n"
        "print(loss.data[0], loss.data[0])\n"
    )
    path = str(source)
    tally = Tally.of([
        _diag("LV101", path, 3, 5),
        _diag("LV101", path, 3, 5),  # the same site again: one site
        _diag("LV104", path, 5, 7),
        _diag("LV104", path, 5, 21),
        _diag("LV203", path, 4, 1),  # no linter diagnostic there: not fixable
    ])
    # A fresh tensor's wrap is unwrapped safely; each `.data[0]` is its own site and fix.
    assert tally.fix_counts() == FixCounts(sites=4, safe=3, unsafe=0)


def test_sites_the_linter_cannot_see_are_not_fixable(tmp_path: Path) -> None:
    assert fix_counts({("LV104", "<string>", 1, 1), ("LV104", str(tmp_path / "gone.py"), 1, 1)}) == (
        FixCounts(sites=2, safe=0, unsafe=0)
    )
