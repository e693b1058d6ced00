"""A notebook whose code cells do not parse as one module: checked cell by cell.

Jupyter runs each cell on its own, so one cell that does not parse (a Python 2 ``print``,
a half-written cell) stops only itself. When the joined module does not parse, each cell
is parsed alone, after IPython's own clean-ups (magics, ``!shell`` and ``?help`` masked as
for the joined module; the indentation of a cell whose first line is indented stripped,
``cells.leading_indent``). A cell that still fails gets its own LV001, at its own row, and
is left out of the module; every other cell is checked as usual. Names a left-out cell
defines are then unknown to the rest, which the checkers take as "not known to be a
tensor", never as an error.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from ...diagnostics import Diagnostic
from .cells import leading_indent, python_body, wrapped
from .document import Notebook


def cells_that_fail(notebook: Notebook, path: str) -> tuple[list[Diagnostic], frozenset[int], frozenset[int]]:
    """(an LV001 per failing cell, in cell coordinates; the numbers of the cells that
    fail; those of the cells that parse only with their indentation stripped)."""
    failures: list[Diagnostic] = []
    failed: set[int] = set()
    indented: set[int] = set()
    for cell in notebook.code_cells():
        body = python_body(cell)
        if body is None:
            continue
        strip = leading_indent(body)
        text = wrapped(body) if strip else body
        problem = _parse_problem(text, path)
        if strip:
            indented.add(cell.number)
        if problem is None:
            continue
        if strip and problem.line > 1:
            problem = replace(problem, line=problem.line - 1, end_line=problem.end_line and problem.end_line - 1)
        elif strip:  # the added opening line itself: cannot be, but never point outside the cell
            problem = replace(problem, end_line=None, end_column=None)
        failures.append(replace(problem, cell=cell.number))
        failed.add(cell.number)
    return failures, frozenset(failed), frozenset(indented - failed)


def _parse_problem(text: str, path: str) -> Diagnostic | None:
    """None when the cell parses as the analysis would parse it (``async=`` keywords
    renamed in memory, as for any module); else the LV001 or LV002 it gets."""
    from ..analysis import PARSE_FILENAME, not_parsed_diagnostic, syntax_error_diagnostic

    try:
        ast.parse(text, filename=PARSE_FILENAME)
        return None
    except SyntaxError as error:
        if "async" in text and _parses_renamed(text, path):
            return None
        return syntax_error_diagnostic(error, path)
    except (ValueError, RecursionError, MemoryError) as error:
        return not_parsed_diagnostic(path, error)


def _parses_renamed(text: str, path: str) -> bool:
    from ..async_fix import find_async_keywords, quick_async_keywords, rename_in_memory

    if quick_async_keywords(text, path) is not None:
        return True
    found = find_async_keywords(text, path)
    if not any(d.fix is not None for d in found):
        return False
    try:
        ast.parse(rename_in_memory(text, found))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
