"""``async=`` keyword arguments: a SyntaxError since Python 3.7, found at token level.

A 2017 file with ``x.cuda(async=True)`` does not parse, so no ast rule could see it. The
tokenizer still reads it (``async`` is a plain NAME token), which is enough to find
the keyword arguments, rename them in memory, parse the result and run every other rule.
Positions found on the renamed text are mapped back to the file as it is on disk.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from bisect import bisect_left, bisect_right
from dataclasses import replace

from ..diagnostics import SAFE, Diagnostic, Edit, Fix
from ..rules import RULES, Code
from .astwalk import children
from .source import line_starts

_OLD = "async"
_NEW = "non_blocking"
_GROWTH = len(_NEW) - len(_OLD)


def find_async_keywords(text: str, path: str) -> list[Diagnostic]:
    """LV105 for each ``async=`` keyword; call arguments carry a safe fix.

    A parameter declared as ``def f(async=False)`` is reported without a fix: renaming it
    would also need every use of the name in the body renamed.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    diagnostics: list[Diagnostic] = []
    # For each open bracket: is it the parameter list of a def?
    brackets: list[bool] = []
    significant: list[tokenize.TokenInfo] = []
    message = RULES[Code.ASYNC_KEYWORD].format()
    for index, token in enumerate(tokens):
        kind, string = token.type, token.string
        if kind == tokenize.OP and string in "([{":
            is_def = (
                string == "("
                and len(significant) >= 2
                and significant[-1].type == tokenize.NAME
                and significant[-2].string == "def"
            )
            brackets.append(is_def)
        elif kind == tokenize.OP and string in ")]}":
            if brackets:
                brackets.pop()
        elif (
            kind == tokenize.NAME
            and string == _OLD
            and brackets
            and significant
            and significant[-1].string in ("(", ",")
            and _next_significant(tokens, index) == "="
        ):
            row, col = token.start
            fix = None
            if not brackets[-1]:
                edit = Edit(_NEW, row, col + 1, row, col + 1 + len(_OLD))
                fix = Fix((edit,), SAFE, "Rename `async=` to `non_blocking=`")
            diagnostics.append(
                Diagnostic(Code.ASYNC_KEYWORD.value, message, path, row, col + 1, row,
                           col + 1 + len(_OLD), fix)
            )
        if kind not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
            significant.append(token)
    return diagnostics


# The common shape, ``f(x, async=True)``, found without the (slow, pure Python) tokenizer;
# anything else (a comment between bracket and keyword, a backslash continuation, the word
# in a string) falls back to ``find_async_keywords``.
# (A literal first lets the regex engine scan fast, where a leading ``\b`` made it ten
# times slower; the bracket or comma required before, checked by hand, implies the word
# boundary.)
_CANDIDATE = re.compile(r"async(?=[ \t]*=(?!=))")


def quick_async_keywords(text: str, path: str) -> tuple[list[Diagnostic], str, ast.Module] | None:
    """(LV105 diagnostics, renamed text, its tree) when every ``async=`` found by a regex
    is confirmed by the parse of the renamed text as a call keyword; else None."""
    offsets = [m.start() for m in _CANDIDATE.finditer(text) if _after_bracket_or_comma(text, m.start())]
    if not offsets:
        return None
    pieces, cursor = [], 0
    for offset in offsets:
        pieces.append(text[cursor:offset])
        pieces.append(_NEW)
        cursor = offset + len(_OLD)
    pieces.append(text[cursor:])
    renamed = "".join(pieces)
    try:
        tree = ast.parse(renamed, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if "\r" in text:
        starts = line_starts(text)
        positions = [(bisect_right(starts, o), starts[bisect_right(starts, o) - 1]) for o in offsets]
    else:  # the usual case: the offsets are in order, so each count starts where the last ended
        positions = []
        row, counted_to = 1, 0
        for o in offsets:
            row += text.count("\n", counted_to, o)
            counted_to = o
            positions.append((row, text.rfind("\n", 0, o) + 1))
    keywords = _keywords_on_rows(tree, {row for row, _ in positions})
    message = RULES[Code.ASYNC_KEYWORD].format()
    diagnostics = []
    previous_row, earlier_on_row = 0, 0
    for offset, (row, line_start) in zip(offsets, positions):
        column = offset - line_start  # 0-based, characters, original text
        earlier_on_row = earlier_on_row + 1 if row == previous_row else 0
        previous_row = row
        # Both names are ASCII: each earlier rename on the row adds _GROWTH bytes.
        byte_column = len(text[line_start:offset].encode("utf-8")) + earlier_on_row * _GROWTH
        if (row, byte_column) not in keywords:
            return None
        edit = Edit(_NEW, row, column + 1, row, column + 1 + len(_OLD))
        fix = Fix((edit,), SAFE, "Rename `async=` to `non_blocking=`")
        diagnostics.append(
            Diagnostic(Code.ASYNC_KEYWORD.value, message, path, row, column + 1, row,
                       column + 1 + len(_OLD), fix)
        )
    return diagnostics, renamed, tree


def _after_bracket_or_comma(text: str, offset: int) -> bool:
    index = offset - 1
    while index >= 0 and text[index] in " \t\r\n":
        index -= 1
    return index >= 0 and text[index] in "(,"


def _keywords_on_rows(tree: ast.Module, rows: set[int]) -> set[tuple[int, int]]:
    """(row, byte column) of the ``non_blocking=`` keywords on those rows. Walks only
    into nodes that span one of the rows: a full ast.walk would cost more than the parse."""
    found: set[tuple[int, int]] = set()
    # Sorted, so that "does the node span one of the rows" is one bisection: a scan of
    # every row per node made a file with thousands of `async=` quadratic.
    ordered = sorted(rows)
    count = len(ordered)
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for child in children(node):
            start = getattr(child, "lineno", None)
            if start is not None:
                end = getattr(child, "end_lineno", None) or start
                first = bisect_left(ordered, start)
                if first == count or ordered[first] > end:
                    continue
                if isinstance(child, ast.keyword) and child.arg == _NEW:
                    found.add((child.lineno, child.col_offset))
            stack.append(child)
    return found


def _next_significant(tokens: list[tokenize.TokenInfo], index: int) -> str:
    # By index, not a slice: a copy of the rest of the tokens per keyword is quadratic.
    for k in range(index + 1, len(tokens)):
        token = tokens[k]
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            return token.string
    return ""


class RenamedPositions:
    """Maps positions on the renamed text back to the file: each rename sits on one line
    and grows it by a fixed number of characters."""

    def __init__(self, diagnostics: list[Diagnostic]):
        # row -> 1-based start columns (in original coordinates) of the renamed keywords.
        self.renames: dict[int, list[int]] = {}
        for diagnostic in diagnostics:
            if diagnostic.fix is not None:
                self.renames.setdefault(diagnostic.line, []).append(diagnostic.column)
        for columns in self.renames.values():
            columns.sort()

    def column(self, row: int, column: int) -> int | None:
        """The original column; None when the position falls inside a renamed keyword."""
        shift = 0
        for start in self.renames.get(row, ()):
            renamed_start = start + shift
            if column < renamed_start:
                break
            if column < renamed_start + len(_NEW):
                # Within the keyword: only its first character exists on disk too.
                return start if column == renamed_start else None
            shift += _GROWTH
        return column - shift

    def end_column(self, row: int, column: int) -> int | None:
        """Like ``column`` for an exclusive end: the end of a renamed keyword maps to the
        end of the original one."""
        shift = 0
        for start in self.renames.get(row, ()):
            renamed_start = start + shift
            if column <= renamed_start:
                break
            if column < renamed_start + len(_NEW):
                return None
            shift += _GROWTH
        return column - shift

    def diagnostic(self, diagnostic: Diagnostic) -> Diagnostic:
        renames = self.renames
        if (
            diagnostic.line not in renames
            and diagnostic.end_line not in renames
            and (
                diagnostic.fix is None
                or not any(e.row in renames or e.end_row in renames for e in diagnostic.fix.edits)
            )
        ):
            return diagnostic  # most findings share no line with an `async=`
        line, column = diagnostic.line, diagnostic.column
        mapped = self.column(line, column) if column else column
        if mapped is None:
            mapped = column
        end_column = diagnostic.end_column
        if diagnostic.end_line is not None and end_column is not None:
            end_mapped = self.end_column(diagnostic.end_line, end_column)
            end_column = end_mapped if end_mapped is not None else end_column
        fix = diagnostic.fix
        if fix is not None:
            edits = []
            for edit in fix.edits:
                start = self.column(edit.row, edit.column)
                end = self.end_column(edit.end_row, edit.end_column)
                if start is None or end is None:
                    # The fix rewrites text that only exists after the rename: not
                    # expressible against the file, so it is offered in a later round.
                    fix = None
                    break
                edits.append(replace(edit, column=start, end_column=end))
            else:
                fix = replace(fix, edits=tuple(edits))
        return replace(diagnostic, column=mapped, end_column=end_column, fix=fix)


def rename_in_memory(text: str, diagnostics: list[Diagnostic]) -> str:
    """The text with every fixable ``async=`` renamed."""
    from .fixer import apply_edits

    edits = [edit for d in diagnostics if d.fix is not None for edit in d.fix.edits]
    return apply_edits(text, edits)
