"""``legacy_variable.lint.check`` / ``fix_source``: the linter as a library.

The same judgement as ``legacy-variable check`` (which calls it), without printing:
diagnostics with exact positions, fixes written or returned, selection by argument.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from legacy_variable.lint import CheckResult, check, fix_source

ROOT = Path(__file__).resolve().parent.parent

TRAIN = (
    "import torch\n"
    "from torch.autograd import Variable\n"
    "x = Variable(torch.randn(3))\n"
    "y = x.cuda(async=True)\n"
)

NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["import torch\n", "from torch.autograd import Variable"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["# Train"]},
        {"cell_type": "code", "execution_count": 3, "metadata": {},
         "outputs": [{"name": "stdout", "output_type": "stream", "text": ["ok\n"]}],
         "source": ["%matplotlib inline\n", "w = Variable(torch.randn(3))\n", "loss = w.sum()\n",
                    "print(loss.data[0])"]},
    ],
    "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def where(result: CheckResult) -> list[tuple]:
    return [(d.path, d.cell, d.line, d.column, d.code) for d in result.diagnostics]


@pytest.fixture
def files(project):
    (project / "train.py").write_text(TRAIN)
    (project / "nb.ipynb").write_text(json.dumps(NOTEBOOK, indent=1) + "\n")
    return project


def test_a_python_file_and_a_notebook(files):
    result = check(["train.py", "nb.ipynb"])
    assert where(result) == [
        ("nb.ipynb", 1, 2, 28, "LV102"),
        ("nb.ipynb", 3, 2, 5, "LV101"),
        ("nb.ipynb", 3, 4, 7, "LV104"),
        ("train.py", None, 2, 28, "LV102"),
        ("train.py", None, 3, 5, "LV101"),
        ("train.py", None, 4, 12, "LV105"),
    ]
    assert [r.path for r in result.files] == ["nb.ipynb", "train.py"]
    assert result.fixed == 0 and result.errors == [] and not result.internal_error
    # LV102's fix waits for the wrapper's: it is not applicable on its own.
    assert [result.applicable(d) for d in result.diagnostics] == [False, True, True, False, True, True]
    assert (files / "train.py").read_text() == TRAIN  # no fix asked: nothing written


def test_fix_rewrites_the_files_and_counts_per_rule(files):
    before = (files / "nb.ipynb").read_text()
    result = check(["."], fix=True)
    assert result.diagnostics == [] and result.fixed == 6
    assert (files / "train.py").read_text() == "import torch\nx = torch.randn(3)\ny = x.cuda(non_blocking=True)\n"
    by_path = {r.path: r for r in result.files}
    assert by_path["train.py"].fixed == {"LV101": 1, "LV105": 1, "LV102": 1}
    assert by_path["train.py"].written and by_path["train.py"].fixed_data is None
    after = (files / "nb.ipynb").read_text()
    assert json.loads(after)["cells"][0]["source"] == ["import torch"]
    assert json.loads(after)["cells"][2]["source"] == [
        "%matplotlib inline\n", "w = torch.randn(3)\n", "loss = w.sum()\n", "print(loss.item())"
    ]
    # Only the changed lines changed: outputs, metadata and layout are the file's own.
    assert after == (
        before.replace('"import torch\\n",\n    "from torch.autograd import Variable"', '"import torch"')
        .replace('"w = Variable(torch.randn(3))\\n"', '"w = torch.randn(3)\\n"')
        .replace('"print(loss.data[0])"', '"print(loss.item())"')
    )


def test_diff_computes_fixes_and_writes_nothing(files):
    result = check(["nb.ipynb"], diff=True)
    [report] = result.files
    assert (files / "nb.ipynb").read_text() == json.dumps(NOTEBOOK, indent=1) + "\n"
    assert not report.written and report.fixed == {"LV101": 1, "LV104": 1, "LV102": 1}
    assert report.diff.splitlines()[:2] == ["--- nb.ipynb:cell 1", "+++ nb.ipynb:cell 1"]
    assert "+print(loss.item())" in report.diff.splitlines()
    assert json.loads(report.fixed_data)["cells"][2]["source"][1] == "w = torch.randn(3)\n"


def test_select_and_ignore(files):
    assert where(check(["train.py"], select=["LV105"])) == [("train.py", None, 4, 12, "LV105")]
    assert [d.code for d in check(["train.py"], ignore=["LV101", "variable-import"]).diagnostics] == ["LV105"]


def test_configuration_is_read_unless_isolated(files):
    (files / "pyproject.toml").write_text("[tool.legacy-variable]\nignore = [\"LV105\"]\n")
    assert [d.code for d in check(["train.py"]).diagnostics] == ["LV102", "LV101"]
    assert [d.code for d in check(["train.py"], isolated=True).diagnostics] == ["LV102", "LV101", "LV105"]


def test_source_text_is_checked_as_the_named_file(project):
    result = check(source=TRAIN, filename="snippet.py")
    assert where(result) == [
        ("snippet.py", None, 2, 28, "LV102"),
        ("snippet.py", None, 3, 5, "LV101"),
        ("snippet.py", None, 4, 12, "LV105"),
    ]
    assert not (project / "snippet.py").exists()


def test_source_text_of_a_notebook(project):
    result = check(source=json.dumps(NOTEBOOK), filename="nb.ipynb", select=["LV104"])
    assert where(result) == [("nb.ipynb", 3, 4, 7, "LV104")]


def test_fix_source_returns_the_fixed_text_and_what_remains(project):
    legacy = "from torch.autograd import Variable\nx = Variable(t)\ny = x.cuda(async=True)\n"
    text, remaining = fix_source(legacy, "a.py")
    # The wrapper's fix keeps today's meaning only with `.detach()`: unsafe, so it stays,
    # and so does the import it uses.
    assert text == legacy.replace("async", "non_blocking")
    assert [(d.code, d.line, d.column) for d in remaining] == [("LV102", 1, 28), ("LV101", 2, 5)]
    text, remaining = fix_source(legacy, "a.py", unsafe=True)
    assert (text, remaining) == ("x = t.detach()\ny = x.cuda(non_blocking=True)\n", [])


def test_fix_source_keeps_a_declared_encoding(project):
    source = "# -*- coding: latin-1 -*-\nname = 'é'\ny = x.cuda(async=True)\n"
    text, remaining = fix_source(source, "a.py")
    assert text == source.replace("async", "non_blocking")
    assert remaining == []


def test_fix_source_of_a_notebook_rewrites_only_sources(project):
    text, remaining = fix_source(json.dumps(NOTEBOOK, indent=1), "nb.ipynb")
    assert remaining == []
    fixed = json.loads(text)
    assert fixed["cells"][2]["outputs"] == NOTEBOOK["cells"][2]["outputs"]
    assert fixed["cells"][2]["source"][3] == "print(loss.item())"


def test_the_same_result_in_worker_processes(project):
    for i in range(6):
        (project / f"m{i}.py").write_text(f"x{i} = y.cuda(async=True)\n")
    alone = check(["."], jobs=1)
    pooled = check(["."], jobs=2)
    assert where(pooled) == where(alone) == [(f"m{i}.py", None, 1, 13, "LV105") for i in range(6)]


def test_settings_or_the_arguments_that_shape_them(project):
    from legacy_variable.lint.config import Layer, resolve

    settings = resolve(Layer(select=["LV105"]), ["."], None, str(project))
    (project / "a.py").write_text("x = Variable(t).cuda(async=True)\n")
    assert where(check(["a.py"], settings=settings)) == [("a.py", None, 1, 22, "LV105")]
    with pytest.raises(TypeError):
        check(["a.py"], settings=settings, select=["LV1"])
    with pytest.raises(TypeError):
        check(["a.py"], source="x = 1\n")


def test_importing_the_api_is_light():
    code = (
        "import sys, legacy_variable.lint as lint\n"
        "print(sorted(m for m in sys.modules if m.startswith(('legacy_variable', 'torch'))))\n"
        "lint.check\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["['legacy_variable', 'legacy_variable.diagnostics', 'legacy_variable.lint', 'legacy_variable.rules']", "False"]
