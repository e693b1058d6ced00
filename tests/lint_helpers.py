"""Test helpers for the rule checkers: run them on a snippet, apply their fixes.

``fix_source`` mirrors what the engine does (apply non-overlapping fixes, re-check, repeat
to a fixed point) so checker tests do not depend on the engine.
"""

from __future__ import annotations

import ast
import re
import textwrap

from legacy_variable.diagnostics import Diagnostic, Edit
from legacy_variable.lint.checkers import check_module

_NEWLINE = re.compile(r"\r\n|\r|\n")


def check(source: str, path: str = "example.py", dedent: bool = True) -> list[Diagnostic]:
    if dedent:
        source = textwrap.dedent(source)
    return check_module(ast.parse(source), source, path)


def found(source: str, code: str | None = None, **kw) -> list[tuple[str, int, int]]:
    """(code, line, column) of every diagnostic (of ``code`` when given)."""
    return [(d.code, d.line, d.column) for d in check(source, **kw) if code is None or d.code == code]


def _offset(line_starts: list[int], row: int, column: int) -> int:
    return line_starts[row - 1] + column - 1


def apply_edits(source: str, edits: list[Edit]) -> str:
    line_starts = [0] + [m.end() for m in _NEWLINE.finditer(source)]
    spans = sorted(
        ((_offset(line_starts, e.row, e.column), _offset(line_starts, e.end_row, e.end_column),
          e.content) for e in edits),
        reverse=True,
    )
    for start, end, content in spans:
        source = source[:start] + content + source[end:]
    return source


def fix_source(source: str, unsafe: bool = False, select: set[str] | None = None,
               path: str = "example.py", max_rounds: int = 20) -> str:
    """Apply fixes to a fixed point; every intermediate result must parse. The source is
    used byte for byte (no dedent), so CRLF and whitespace survive as they are."""
    for _ in range(max_rounds):
        diagnostics = check_module(ast.parse(source), source, path)
        taken: list[tuple[int, int]] = []
        edits: list[Edit] = []
        line_starts = [0] + [m.end() for m in _NEWLINE.finditer(source)]
        for d in diagnostics:
            if d.fix is None or (select is not None and d.code not in select):
                continue
            if d.fix.applicability != "safe" and not unsafe:
                continue
            spans = [(_offset(line_starts, e.row, e.column),
                      _offset(line_starts, e.end_row, e.end_column)) for e in d.fix.edits]
            if any(s < te and ts < e or s == e == ts == te
                   for s, e in spans for ts, te in taken):
                continue
            taken.extend(spans)
            edits.extend(d.fix.edits)
        if not edits:
            return source
        source = apply_edits(source, edits)
        ast.parse(source)  # a fix must never produce code that does not parse
    raise AssertionError("fixes did not reach a fixed point")
