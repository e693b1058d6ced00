"""How the ``legacy-variable`` process ends (``cli.entry``): after ``check`` it skips the
interpreter's teardown, so everything it printed or wrote must be out before, and its exit
code kept; after ``run`` the user's program ends as it would alone, atexit handlers
included."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from legacy_variable.lint import check

LEGACY = "import torch\nfrom torch.autograd import Variable\n" + "".join(
    f"x{i} = Variable(torch.ones({i + 1}))\n" for i in range(400)
)


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    return subprocess.run([sys.executable, "-m", "legacy_variable", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture
def tree(tmp_path):
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(LEGACY)
    return tmp_path


def test_check_through_a_pipe_delivers_every_line_and_its_exit_code(tree):
    expected = check([str(tree)], cwd=str(tree))
    # Larger than a pipe's buffer: the report is still being written when the reader
    # starts, and all of it must arrive before the process ends.
    done = _cli("check", "--no-cache", "--output-format", "concise", ".", cwd=tree)
    lines = [line for line in done.stdout.splitlines() if ": LV" in line]
    assert len(lines) == len(expected.diagnostics) == 3 * 401
    assert lines[0] == "a.py:2:28: LV102 `Variable` import is a legacy no-op; tensors are Variables since PyTorch 0.4"
    assert lines[-1].startswith("c.py:402:8: LV101 [*] `Variable(...)` is a legacy wrapper")
    assert done.stdout.splitlines()[-2:] == ["Found 1203 errors.", "[*] 1200 fixable with the `--fix` option."]
    assert done.returncode == 1


def test_check_with_no_findings_exits_zero_and_an_output_file_is_complete(tree):
    clean = tree / "clean"
    clean.mkdir()
    (clean / "ok.py").write_text("import torch\nx = torch.ones(2)\n")
    assert _cli("check", "--no-cache", "clean", cwd=tree).returncode == 0

    done = _cli("check", "--no-cache", "--output-format", "json", "--output-file", "out.json", "a.py", cwd=tree)
    assert done.returncode == 1
    import json

    assert len(json.loads((tree / "out.json").read_text())) == 401


def test_run_keeps_the_programs_atexit_handlers(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "prog.py").write_text(
        "import atexit\n"
        "atexit.register(lambda: print('handler ran', flush=True))\n"
        "print('main done')\n"
    )
    done = _cli("run", "prog.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["main done", "handler ran"]
