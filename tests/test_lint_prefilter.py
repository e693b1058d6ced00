"""The text pre-filter (issue 14): a file that mentions none of the selected rules' trigger
strings is only syntax-checked (no tree is built, no checker runs), and still gets LV001
exactly as a parsed file would."""

from __future__ import annotations

import ast

import pytest

from legacy_variable.lint import analysis, check
from legacy_variable.rules import Code

ALL = frozenset(Code)


def codes_at(result) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in result.diagnostics]


@pytest.mark.parametrize(
    "text, could",
    [
        ("import os\nprint(os.sep)\n", False),
        ("import torch\n", True),
        ("from x import Variable\n", True),
        ("x.cuda(async=True)\n", True),  # LV105 needs no torch name
        ("y = f(volatile=True)\n", True),
    ],
)
def test_could_find(text, could):
    assert analysis.could_find(text, ALL) is could


def test_a_torch_free_file_builds_no_tree_and_runs_no_checker(monkeypatch):
    calls = []
    monkeypatch.setattr(ast, "parse", lambda *a, **k: calls.append(a) or (_ for _ in ()).throw(AssertionError))
    result = analysis.analyze("import os\n\ndef f(a):\n    return a.data[0]\n", "m.py", ALL)
    assert result.diagnostics == [] and result.parses and calls == []


@pytest.mark.parametrize(
    "text",
    [
        "print 'python 2'\n",
        "def f(:\n    pass\n",
        "x = (\n",
        "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
        "x = " + " + ".join(["a"] * 20000) + "\n",  # deeper than the parser recurses
        "x = 1\0\n",
    ],
)
def test_a_torch_free_file_that_does_not_parse_gets_the_same_lv001(text):
    filtered = analysis.analyze(text, "m.py", ALL)
    full, parses = analysis.raw_diagnostics(text, "m.py", ALL)
    assert not parses and not filtered.parses
    assert [(d.code, d.line, d.column, d.message) for d in filtered.diagnostics] == [
        (d.code, d.line, d.column, d.message) for d in full
    ]
    assert len(full) == 1


@pytest.mark.parametrize("text", ["nonlocal x\n", "def f(a, a):\n    pass\n", "def g():\n    x = 1\n    global x\n"])
def test_errors_only_the_symbol_table_sees_are_not_lv001_on_either_path(text):
    # ast.parse accepts these; the pre-filter's symtable does not: the full path decides.
    ast.parse(text)
    assert analysis.analyze(text, "m.py", ALL).diagnostics == []
    assert analysis.analyze("import torch\n" + text, "m.py", ALL).diagnostics == []


def test_nothing_selected_but_other_rules_skips_the_syntax_check_too():
    selected = frozenset({Code("LV101")})
    assert analysis.analyze("print 'x'\n", "m.py", selected).diagnostics == []
    assert analysis.analyze("print 'x'\n", "m.py", selected | {Code.SYNTAX_ERROR}).diagnostics != []


def test_a_tree_of_mostly_torch_free_files(project):
    (project / "plain.py").write_text("import os\nprint(os.sep)\n")
    (project / "py2.py").write_text("import os\nprint os.sep\n")
    (project / "legacy.py").write_text("import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(1))\n")
    (project / "async_only.py").write_text("def f(x):\n    return x.cuda(async=True)\n")
    result = check(cache=False)
    assert [(d.path, d.code, d.line) for d in result.diagnostics] == [
        ("async_only.py", "LV105", 2),
        ("legacy.py", "LV102", 2),
        ("legacy.py", "LV101", 3),
        ("py2.py", "LV001", 2),
    ]
