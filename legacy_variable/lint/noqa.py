"""Suppression comments, with flake8's and ruff's syntax.

    x = Variable(t)  # noqa                 every code on this line
    x = Variable(t)  # noqa: LV101, LV103    these codes (or prefixes) only
    # legacy-variable: noqa                  the whole file (on a line of its own)
    # legacy-variable: noqa: LV101           these codes in the whole file

Codes this tool does not know (``# noqa: E501``) are simply not ours: they suppress
nothing here and are no error, since other linters read the same comments.

As in flake8 (6.0 on) and ruff, rows that Python joins into one line (a backslash
continuation, a string over several rows) share their comments: the one place a comment
can go is the last row, and it covers them all. Working out which rows are joined takes a
tokenize of the text, about twice a parse; it is done only for a finding that its own
row does not silence in a file with a comment below it (``source.joined_rows``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..rules import Code
from .source import joined_rows, line_starts

# flake8's NOQA_INLINE_REGEXP (flake8/defaults.py), same case-insensitivity.
_INLINE = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
_FILE = re.compile(
    r"^\s*#\s*legacy-variable\s*:\s*noqa(?:\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)

#: The file could not be read or parsed: comments in it are not trustworthy, and ruff
#: does not let syntax errors be silenced either.
UNSUPPRESSIBLE = frozenset({Code.SYNTAX_ERROR, Code.UNREADABLE_FILE})


@dataclass(frozen=True)
class Suppressions:
    #: row -> codes suppressed on that row (None: all).
    lines: dict[int, frozenset[str] | None]
    #: Codes suppressed in the whole file; None: all; empty: none.
    file: frozenset[str] | None
    #: The text the comments were read from, for its joined rows.
    text: str = ""
    #: The last row with a comment: a finding below it has no comment to share.
    last: int = 0

    def suppresses(self, code: str, row: int) -> bool:
        if code in UNSUPPRESSIBLE:
            return False
        if _matches(self.file, code) or row in self.lines and _matches(self.lines[row], code):
            return True
        if row < self.last:
            run = (joined_rows(self.text) or {}).get(row)
            if run is not None:
                return any(other in self.lines and _matches(self.lines[other], code)
                           for other in range(run[0], run[1] + 1))
        return False


def _matches(codes: frozenset[str] | None, code: str) -> bool:
    if codes is None:
        return True
    return any(code.startswith(c) for c in codes)


NOTHING = Suppressions({}, frozenset())


def parse(text: str) -> Suppressions:
    lowered = text.lower()
    if "noqa" not in lowered:  # most files: no scan at all
        return NOTHING
    file_codes: frozenset[str] | None = frozenset()
    for match in _FILE.finditer(text):
        codes = match.group("codes")
        if codes is None:
            file_codes = None
            break
        file_codes = file_codes | frozenset(c.upper() for c in _CODE.findall(codes))
    lines: dict[int, frozenset[str] | None] = {}
    if "# noqa" in lowered:
        starts = None
        if "\r" in text:
            from bisect import bisect_right

            starts = line_starts(text)
        # Matches come in order: rows are counted on from the previous one, not from the
        # top (a file with a noqa on every line would otherwise scan quadratically).
        row, counted = 1, 0
        for match in _INLINE.finditer(text):
            offset = match.start()
            if starts is None:
                row += text.count("\n", counted, offset)
                counted = offset
            else:
                row = bisect_right(starts, offset)
            segment = match.group(0)
            if "\n" in segment or "\r" in segment:
                # flake8 matches one physical line at a time: the comment ends with its line.
                match = _INLINE.match(segment.splitlines()[0])
            codes = match.group("codes")  # type: ignore[union-attr]
            lines[row] = None if codes is None else frozenset(c.upper() for c in _CODE.findall(codes))
    return Suppressions(lines, file_codes, text, max(lines, default=0))

