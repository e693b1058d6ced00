"""A stand-in for ``legacy_variable.lint.checkers.check_module`` in engine tests.

The engine (selection, noqa, fixes, output, cache) is tested against this double, so its
tests do not change when the real rule checkers do. It speaks the same contract: 1-based
character columns, end-exclusive Edit ranges on the text it is given.

    Variable(<one argument>)   LV101, safe fix: the argument's source
    retain_variables=          LV106, *unsafe* fix (here only, to test applicability)
    volatile=                  LV103, no fix
"""

from __future__ import annotations

import ast
import re

from legacy_variable.diagnostics import SAFE, UNSAFE, Diagnostic, Edit, Fix

_BREAK = re.compile(r"\r\n|\r|\n")

calls: list[str] = []


def _column(lines: list[str], row: int, byte_col: int) -> int:
    return len(lines[row - 1].encode("utf-8")[:byte_col].decode("utf-8")) + 1


def fake_check_module(tree: ast.Module, source: str, path: str, codes=None, project=None) -> list[Diagnostic]:
    calls.append(path)
    lines = _BREAK.split(source)
    found: list[Diagnostic] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        start = (node.lineno, _column(lines, node.lineno, node.col_offset))
        end = (node.end_lineno, _column(lines, node.end_lineno, node.end_col_offset))
        if isinstance(node.func, ast.Name) and node.func.id == "Variable" and len(node.args) == 1 and not node.keywords:
            argument = node.args[0]
            text = ast.get_source_segment(source, argument)
            edit = Edit(text, *start, *end)
            found.append(
                Diagnostic("LV101", "`Variable(...)` is a legacy wrapper", path, *start, *end,
                           fix=Fix((edit,), SAFE, "Remove the `Variable` wrapper"))
            )
        for keyword in node.keywords:
            if keyword.arg in ("retain_variables", "volatile"):
                row = keyword.lineno
                column = _column(lines, row, keyword.col_offset)
                name_end = column + len(keyword.arg)
                if keyword.arg == "volatile":
                    found.append(Diagnostic("LV103", "`volatile=` has no effect", path, row, column, row, name_end))
                else:
                    edit = Edit("retain_graph", row, column, row, name_end)
                    found.append(
                        Diagnostic("LV106", "`retain_variables=` was renamed", path, row, column, row, name_end,
                                   fix=Fix((edit,), UNSAFE, "Rename to `retain_graph=`"))
                    )
    return found


def without_prefilter(monkeypatch) -> None:
    """Let every text reach the stand-in checker: the engine skips texts that mention none
    of the real rules' trigger strings (``analysis.could_find``), which a double that
    reports ``Variable(x)`` without any torch import knows nothing of."""
    from legacy_variable.lint import analysis

    monkeypatch.setattr(analysis, "could_find", lambda text, codes: True)
