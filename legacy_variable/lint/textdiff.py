"""A unified diff that stays linear on large files with many scattered changes.

``difflib.unified_diff`` aligns lines with ``SequenceMatcher``, which splits at the longest
common block and searches each side again: with thousands of one-line fixes spread over a
generated module (every block about as long as the next) that is quadratic, minutes for
20,000 lines and hours for 400,000. Fixes edit lines in place and rarely move them, so the
alignment here walks both sides together: equal lines are taken as they come, and at a
difference the nearest resynchronisation (the smallest number of lines skipped on both
sides) is looked up in a window of upcoming lines, widened only when nothing matches in
it. The hunks are formatted as ``difflib.unified_diff`` formats them (three lines of
context, its range notation), so the output reads the same.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Sequence

#: Lines looked ahead for a resynchronisation before the window is widened.
WINDOW = 64


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    """``SequenceMatcher.get_opcodes`` shaped: how to turn ``a`` into ``b``."""
    codes: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    n, m = len(a), len(b)
    while i < n and j < m:
        if a[i] == b[j]:
            start_i, start_j = i, j
            while i < n and j < m and a[i] == b[j]:
                i += 1
                j += 1
            codes.append(("equal", start_i, i, start_j, j))
            continue
        x, y = _resync(a, b, i, j)
        tag = "replace" if x and y else "delete" if x else "insert"
        codes.append((tag, i, i + x, j, j + y))
        i += x
        j += y
    if i < n:
        codes.append(("delete", i, n, j, j))
    elif j < m:
        codes.append(("insert", i, i, j, m))
    return codes


def _resync(a: Sequence[str], b: Sequence[str], i: int, j: int) -> tuple[int, int]:
    """Lines to skip on each side (x, y) to reach the next equal pair, fewest in all
    within the window; the rest of both sides when nothing matches again."""
    n, m = len(a), len(b)
    window = WINDOW
    while True:
        first_in_b: dict[str, int] = {}
        for y in range(min(window, m - j) - 1, -1, -1):
            first_in_b[b[j + y]] = y
        best: tuple[int, int] | None = None
        for x in range(min(window, n - i)):
            if best is not None and x >= best[0] + best[1]:
                break
            y = first_in_b.get(a[i + x])
            if y is not None and (best is None or x + y < best[0] + best[1]):
                best = (x, y)
        if best is not None:
            return best
        if window >= n - i and window >= m - j:
            return n - i, m - j
        window *= 4


class _Given(SequenceMatcher):
    """A SequenceMatcher that reports the opcodes it is given (for its hunk grouping)."""

    def __init__(self, codes):  # noqa: D107 - no matching to set up
        self._codes = codes

    def get_opcodes(self):
        return self._codes


def _range(start: int, stop: int) -> str:
    """A hunk's range in unified notation: 1-based start, and the length unless it is 1
    (an empty range names the line before it)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def unified_diff(a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, context: int = 3) -> str:
    """``"".join(difflib.unified_diff(a, b, fromfile, tofile))`` for lines that keep their
    line breaks, aligned in linear time."""
    out: list[str] = []
    for group in _Given(opcodes(a, b)).get_grouped_opcodes(context):
        if not out:
            out.append(f"--- {fromfile}\n+++ {tofile}\n")
        out.append(f"@@ -{_range(group[0][1], group[-1][2])} +{_range(group[0][3], group[-1][4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a[i1:i2])
                continue
            out.extend("-" + line for line in a[i1:i2])
            out.extend("+" + line for line in b[j1:j2])
    return "".join(out)
