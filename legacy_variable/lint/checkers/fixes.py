"""Positions and edits: from ast's byte columns to the catalog's 1-based character columns.

ast reports ``col_offset`` in UTF-8 bytes of the line; diagnostics and edits use characters
(as ruff's JSON does), so every position goes through ``SourceMap``. Lines end at ``\\r\\n``,
``\\r`` or ``\\n``, the same three the tokenizer accepts, so CRLF files keep their row numbers.
"""

from __future__ import annotations

import ast

from ...diagnostics import SAFE, Diagnostic, Edit, Fix
from ...rules import RULES, Code
from ..source import line_starts


# Formatted catalog messages, keyed by (code, *placeholder values): a legacy file repeats
# the same few messages many times.
_MESSAGES: dict[tuple, tuple[str, str]] = {}


class SourceMap:
    """Row/column arithmetic over one module's source text."""

    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.path = path
        self._line_starts: list[int] | None = None
        self._non_ascii: dict[int, bytes] | None = None
        self.source_is_ascii = source.isascii()

    # Computed on first use: most of a module produces no diagnostic.
    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            self._line_starts = line_starts(self.source)
        return self._line_starts

    @property
    def non_ascii(self) -> dict[int, bytes]:
        """Rows whose text is not pure ASCII need byte -> character conversion."""
        if self._non_ascii is None:
            self._non_ascii = {}
            if not self.source.isascii():
                for row in range(1, len(self.line_starts) + 1):
                    text = self.line_text(row)
                    if not text.isascii():
                        self._non_ascii[row] = text.encode("utf-8")
        return self._non_ascii

    def line_text(self, row: int) -> str:
        start = self.line_starts[row - 1]
        end = self.line_starts[row] if row < len(self.line_starts) else len(self.source)
        return self.source[start:end]

    def char_col(self, row: int, byte_col: int) -> int:
        """0-based character column of a 0-based byte column."""
        encoded = self.non_ascii.get(row) if not self.source_is_ascii else None
        if encoded is None:
            return byte_col
        return len(encoded[:byte_col].decode("utf-8", "replace"))

    # 1-based (row, column) positions, the Diagnostic/Edit coordinates.
    def start(self, node: ast.AST) -> tuple[int, int]:
        return node.lineno, self.char_col(node.lineno, node.col_offset) + 1

    def end(self, node: ast.AST) -> tuple[int, int]:
        return node.end_lineno, self.char_col(node.end_lineno, node.end_col_offset) + 1

    def offset(self, pos: tuple[int, int]) -> int:
        return self.line_starts[pos[0] - 1] + pos[1] - 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (row, column) of a character offset."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo] + 1

    def text(self, node: ast.AST) -> str:
        return self.source[self.offset(self.start(node)) : self.offset(self.end(node))]

    def between(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        return self.source[self.offset(start) : self.offset(end)]

    # Edits.
    def replace(self, start, end, content: str) -> Edit:
        return Edit(content, start[0], start[1], end[0], end[1])

    def insert(self, pos, content: str) -> Edit:
        return Edit(content, pos[0], pos[1], pos[0], pos[1])

    def delete(self, start, end) -> Edit:
        return Edit("", start[0], start[1], end[0], end[1])

    def replace_node(self, node: ast.AST, content: str) -> Edit:
        return self.replace(self.start(node), self.end(node), content)

    def attr_start(self, node: ast.Attribute) -> tuple[int, int]:
        """Where the attribute name of ``x.attr`` starts (the node ends with it)."""
        row, col = self.end(node)
        return row, col - len(node.attr)

    def diagnostic(
        self,
        code: Code,
        node_or_pos,
        fix: Fix | None = None,
        end=None,
        related: tuple[tuple[str, str], ...] = (),
        **values: object,
    ) -> Diagnostic:
        if isinstance(node_or_pos, ast.AST):
            row, col = self.start(node_or_pos)
            end_row, end_col = self.end(node_or_pos) if end is None else end
        else:
            row, col = node_or_pos
            end_row, end_col = end if end is not None else node_or_pos
        key = (code, *values.items())
        known = _MESSAGES.get(key)
        if known is None:
            # The diagnostic carries the plain code string: caches and workers marshal it.
            known = _MESSAGES[key] = (code.value, RULES[code].format(**values))
        plain_code, message = known
        return Diagnostic(
            code=plain_code,
            message=message,
            path=self.path,
            line=row,
            column=col,
            end_line=end_row,
            args=tuple(values.items()),
            end_column=end_col,
            fix=fix,
            related=related,
        )


def make_fix(edits, applicability: str = SAFE, message: str = "") -> Fix:
    return Fix(edits=tuple(edits), applicability=applicability, message=message)


def is_atom(node: ast.AST) -> bool:
    """Whether ``node`` can take a ``.method()`` suffix without parentheses."""
    # (A generator expression that is a call's only argument shares the call's parentheses,
    # and its range includes them.)
    if isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.List,
                         ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.DictComp,
                         ast.SetComp, ast.GeneratorExp)):
        return True
    if isinstance(node, ast.Constant):
        # ``1.detach()`` would not even tokenize; strings are atoms.
        return isinstance(node.value, str)
    return False


def arguments_in_order(call: ast.Call) -> list[ast.AST]:
    """Positional and keyword arguments sorted by where they appear in the source."""
    items: list[ast.AST] = [*call.args, *call.keywords]
    items.sort(key=lambda n: (n.lineno, n.col_offset))
    return items


def remove_argument(sm: SourceMap, call: ast.Call, arg: ast.AST) -> Edit:
    """Delete one argument with the comma that separates it from its neighbour."""
    items = arguments_in_order(call)
    index = next(i for i, item in enumerate(items) if item is arg)
    if index > 0:
        return sm.delete(sm.end(items[index - 1]), sm.end(arg))
    if len(items) > 1:
        return sm.delete(sm.start(arg), sm.start(items[1]))
    return sm.delete(sm.start(arg), sm.end(arg))


def append_argument(sm: SourceMap, call: ast.Call, text: str) -> Edit:
    """Insert ``text`` as the call's last argument (after the last one, before any
    trailing comma), or inside empty parentheses."""
    items = arguments_in_order(call)
    if items:
        return sm.insert(sm.end(items[-1]), ", " + text)
    row, col = sm.end(call)
    return sm.insert((row, col - 1), text)
