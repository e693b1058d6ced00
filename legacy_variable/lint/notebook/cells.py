"""A notebook's code cells as one logical module, and its rows mapped back to cells.

A notebook runs top to bottom in one namespace, so its code cells are checked as one
logical module (``from torch.autograd import Variable`` in cell 1 makes ``Variable(x)`` in
cell 3 a finding), as ruff does. Each cell in that module is preceded by a boundary
comment, which lets the fixed text be cut back into cells after any number of fix rounds
without the fixer knowing about notebooks, and maps every row back to (cell, row in cell).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace

from ...diagnostics import Diagnostic, Edit
from ...rules import RULES
from ..source import line_starts
from .document import Cell, Notebook
from .magics import mask, unmask

_BOUNDARY = "# <legacy-variable cell {}>\n"
# A cell whose first line is indented runs in Jupyter: IPython strips that indentation
# from the cell's lines first. Opening an ``if True:`` block on its boundary line gives the
# same statements without moving a single character of the cell (columns, fixes and the
# written text stay the cell's own).
_INDENTED_BOUNDARY = "if True:  # <legacy-variable cell {}>\n"
_BOUNDARY_LINE = re.compile(r"^(?:if True:  )?# <legacy-variable cell (\d+)>\n", re.MULTILINE)


@dataclass
class LintedCell:
    cell: Cell
    #: The IPython lines masked in it, by placeholder number.
    originals: list[str]
    #: A line break was added to end the cell inside the module (cells rarely end in one).
    added_break: bool


@dataclass
class LogicalModule:
    text: str
    cells: list[LintedCell]


def logical_module(
    notebook: Notebook, left_out: frozenset[int] = frozenset(), indented: frozenset[int] = frozenset()
) -> LogicalModule:
    """The code cells as one module. ``left_out``: cells that do not parse even on their
    own (each reported by itself); ``indented``: cells run as IPython runs a cell whose
    first line is indented (see ``_INDENTED_BOUNDARY``)."""
    pieces: list[str] = []
    linted: list[LintedCell] = []
    for cell in notebook.code_cells():
        if cell.number in left_out:
            continue
        masked = mask(cell.text)
        if masked is None:
            continue
        body, originals = masked
        added = not body.endswith(("\n", "\r"))
        boundary = _INDENTED_BOUNDARY if cell.number in indented else _BOUNDARY
        pieces.append(boundary.format(cell.number))
        pieces.append(body + "\n" if added else body)
        linted.append(LintedCell(cell, originals, added))
    return LogicalModule("".join(pieces), linted)


def python_body(cell: Cell) -> str | None:
    """The cell's text as the analysis sees it (IPython lines masked); None for a cell
    that a cell magic makes something other than Python."""
    masked = mask(cell.text)
    return None if masked is None else masked[0]


def leading_indent(body: str) -> bool:
    """Whether IPython would strip the cell's indentation: its first line that is not
    blank starts with a space or a tab (IPython drops leading blank lines first)."""
    for line in body.splitlines():
        if line.strip():
            return line[0] in " \t"
    return False


def wrapped(body: str) -> str:
    """The cell as ``logical_module`` puts an indented one: rows shifted by one."""
    return "if True:\n" + body


def split_cells(module: LogicalModule, text: str) -> dict[int, str] | None:
    """Cell number -> new source, cut from the module's (fixed) ``text``; None if the
    boundaries or the masked lines did not survive the edits."""
    boundaries = list(_BOUNDARY_LINE.finditer(text))
    if [int(m.group(1)) for m in boundaries] != [c.cell.number for c in module.cells]:
        return None
    sources: dict[int, str] = {}
    for k, (boundary, linted) in enumerate(zip(boundaries, module.cells)):
        end = boundaries[k + 1].start() if k + 1 < len(boundaries) else len(text)
        body = text[boundary.end() : end]
        if k == 0:
            body = text[: boundary.start()] + body  # anything inserted above the first cell
        if linted.added_break and body.endswith("\n"):
            body = body[:-1]
        restored = unmask(body, linted.originals)
        if restored is None:
            return None
        sources[linted.cell.number] = restored
    return sources


#: The message arguments that name a row of the module ("made at line {wrap_line}").
LINE_ARGUMENT_SUFFIX = "_line"


class CellPositions:
    """Rows of a logical module's text -> (cell number, row in the cell)."""

    def __init__(self, text: str):
        starts = line_starts(text)
        #: Row of each boundary comment, and the cell that follows it.
        self.boundary_rows: list[int] = []
        self.cells: list[int] = []
        for match in _BOUNDARY_LINE.finditer(text):
            self.boundary_rows.append(bisect_right(starts, match.start()))
            self.cells.append(int(match.group(1)))

    def cell_row(self, row: int) -> tuple[int | None, int]:
        k = bisect_right(self.boundary_rows, row) - 1
        if k < 0:
            return (self.cells[0], 1) if self.cells else (None, row)
        in_cell = row - self.boundary_rows[k]
        if in_cell == 0:
            # A boundary row (a syntax error found at the end of the previous cell):
            # the last row of that cell.
            if k == 0:
                return self.cells[0], 1
            return self.cells[k - 1], max(row - self.boundary_rows[k - 1] - 1, 1)
        return self.cells[k], in_cell

    def diagnostic(self, diagnostic: Diagnostic) -> Diagnostic:
        cell, line = self.cell_row(diagnostic.line)
        end_line = end_column = None
        if diagnostic.end_line is not None:
            end_cell, end_line = self.cell_row(diagnostic.end_line)
            end_column = diagnostic.end_column
            if end_cell != cell:
                end_line = end_column = None
        noqa_row = None
        if diagnostic.noqa_row is not None:
            noqa_row = self.cell_row(diagnostic.noqa_row)[1]
        fix = diagnostic.fix
        if fix is not None:
            fix = replace(fix, edits=tuple(self._edit(e) for e in fix.edits))
        message, args = diagnostic.message, diagnostic.args
        if any(name.endswith(LINE_ARGUMENT_SUFFIX) for name, _ in args):
            message, args = self._arguments(diagnostic, cell)
        related = diagnostic.related
        if related:
            related = tuple((name, self._site(value, diagnostic.path)) for name, value in related)
        return replace(
            diagnostic,
            message=message,
            args=args,
            related=related,
            cell=cell,
            line=line,
            end_line=end_line,
            end_column=end_column,
            noqa_row=noqa_row,
            fix=fix,
        )

    def _arguments(self, diagnostic: Diagnostic, cell: int | None) -> tuple[str, tuple]:
        """Checkers name other rows of the module in their arguments (``wrap_line``): rows
        the user has never seen. Each becomes the row in its cell, with a ``..._cell``
        argument when that is another cell; the message says "line 4 of cell 2"."""
        args: list[tuple[str, object]] = []
        shown: dict[str, object] = {}
        for name, value in diagnostic.args:
            if not (name.endswith(LINE_ARGUMENT_SUFFIX) and isinstance(value, int)):
                args.append((name, value))
                continue
            other, row = self.cell_row(value)
            args.append((name, row))
            if other == cell:
                shown[name] = row
            else:
                args.append((name[: -len(LINE_ARGUMENT_SUFFIX)] + "_cell", other))
                shown[name] = f"{row} of cell {other}"
        values = dict(args)
        values.update(shown)
        return RULES[diagnostic.code].format(**values), tuple(args)

    def _site(self, value: str, path: str) -> str:
        """A related site in the module (``path:row``) as ruff names a cell position."""
        prefix = path + ":"
        row = value[len(prefix) :]
        if not (value.startswith(prefix) and row.isdigit()):
            return value
        cell, in_cell = self.cell_row(int(row))
        return f"{prefix}cell {cell}:{in_cell}"

    def _edit(self, edit: Edit) -> Edit:
        return replace(edit, row=self.cell_row(edit.row)[1], end_row=self._end_row(edit.end_row, edit.end_column))

    def _end_row(self, row: int, column: int) -> int:
        # An edit that ends where the next cell's boundary line starts (a deleted last
        # line, line break included) ends at the start of the row after its cell's last
        # one; mapped as a position, it would shrink to the start of the last row.
        k = bisect_right(self.boundary_rows, row) - 1
        if k > 0 and column == 1 and row == self.boundary_rows[k]:
            return row - self.boundary_rows[k - 1]
        return self.cell_row(row)[1]
