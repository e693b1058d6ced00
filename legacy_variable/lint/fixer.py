"""Applying fixes: text-range edits, iterated to a fixed point, written atomically.

Everything outside an edit stays byte-identical: edits are spliced into the decoded text
(which kept its line endings) and the result is encoded with the file's own codec.
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from ..diagnostics import Diagnostic, Edit
from .source import line_starts

#: Enough for chains such as "drop the wrapper, then the unused import"; a cap because a
#: pair of fixes that undo each other must not loop forever.
MAX_ROUNDS = 10


def _offset(starts: list[int], text_length: int, row: int, column: int) -> int:
    if row > len(starts):
        return text_length
    return min(starts[row - 1] + column - 1, text_length)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Splice non-overlapping edits into ``text`` (positions are 1-based characters)."""
    starts = line_starts(text)
    length = len(text)
    spans = sorted(
        (
            _offset(starts, length, e.row, e.column),
            _offset(starts, length, e.end_row, e.end_column),
            e.content,
        )
        for e in edits
    )
    pieces: list[str] = []
    cursor = 0
    for start, end, content in spans:
        pieces.append(text[cursor:start])
        pieces.append(content)
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    return "".join(pieces)


def _span(diagnostic: Diagnostic) -> tuple[tuple[int, int], tuple[int, int]]:
    edits = diagnostic.fix.edits  # type: ignore[union-attr]
    start = min((e.row, e.column) for e in edits)
    end = max((e.end_row, e.end_column) for e in edits)
    return start, end


def non_overlapping(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The fixes that can be applied together in one round, earliest first.

    A fix's edits go in together or not at all; a fix that touches an earlier chosen one
    waits for the next round, when it is recomputed on the new text.
    """
    chosen: list[Diagnostic] = []
    taken = _Taken()
    for diagnostic in sorted(diagnostics, key=lambda d: (_span(d), d.code)):
        spans = [((e.row, e.column), (e.end_row, e.end_column)) for e in diagnostic.fix.edits]  # type: ignore[union-attr]
        if any(taken.overlaps(span) for span in spans):
            continue
        chosen.append(diagnostic)
        for span in spans:
            taken.add(span)
    return chosen


class _Taken:
    """The spans already chosen, which never overlap one another: sorted by start, so
    their ends are in order too, and the few that could overlap a new span are found by
    bisection. (A scan of every chosen span per fix made a file with thousands of fixes
    quadratic: 20 s for 8,000 fixes.)"""

    def __init__(self) -> None:
        self.spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.ends: list[tuple[int, int]] = []
        #: Insertion points taken: a second insertion at one of them overlaps.
        self.points: set[tuple[int, int]] = set()

    def overlaps(self, span) -> bool:
        start, end = span
        if start == end and start in self.points:
            return True
        # Only a span ending after this one starts can overlap it; and from there on,
        # only while they start before it ends.
        k = bisect_right(self.ends, start)
        while k < len(self.spans) and self.spans[k][0] <= end:
            if _overlaps(span, self.spans[k]):
                return True
            k += 1
        return False

    def add(self, span) -> None:
        start, end = span
        if start == end:
            self.points.add(start)
        # The edits of one fix may overlap one another: they are kept as their union, so
        # that the chosen spans still never overlap (what ``overlaps`` relies on).
        k = bisect_right(self.ends, start)
        merged = []
        while k < len(self.spans) and self.spans[k][0] <= end:
            if _overlaps(span, self.spans[k]):
                merged.append(k)
            k += 1
        for k in reversed(merged):
            other = self.spans.pop(k)
            del self.ends[k]
            start, end = min(start, other[0]), max(end, other[1])
        k = bisect_left(self.spans, (start, end))
        self.spans.insert(k, (start, end))
        self.ends.insert(k, end)


def _overlaps(a, b) -> bool:
    (a_start, a_end), (b_start, b_end) = a, b
    if a_start == a_end and b_start == b_end:
        return a_start == b_start  # two insertions at one point: order would be a guess
    return a_start < b_end and b_start < a_end


@dataclass
class Analysis:
    diagnostics: list[Diagnostic]
    #: The text itself parses (not merely after the in-memory ``async=`` rename).
    parses: bool


@dataclass
class FixOutcome:
    text: str
    diagnostics: list[Diagnostic]
    #: code -> number of fixes applied.
    fixed: dict[str, int] = field(default_factory=dict)


def fix_to_fixed_point(
    text: str,
    analyze: Callable[[str], Analysis],
    applicable: Callable[[Diagnostic], bool],
    first: Analysis | None = None,
) -> FixOutcome:
    """Apply applicable fixes round after round until none is left (or MAX_ROUNDS).

    A round whose result does not parse is dropped; its fixes are then tried one by one
    so that one bad fix does not hold back the good ones.
    """
    analysis = first if first is not None else analyze(text)
    fixed: dict[str, int] = {}
    rejected: set[tuple] = set()
    for _ in range(MAX_ROUNDS):
        candidates = [
            d
            for d in analysis.diagnostics
            if d.fix is not None and d.fix.edits and applicable(d) and _key(d) not in rejected
        ]
        if not candidates:
            break
        chosen = non_overlapping(candidates)
        new_text = apply_edits(text, (e for d in chosen for e in d.fix.edits))  # type: ignore[union-attr]
        new_analysis = analyze(new_text) if new_text != text else None
        if new_analysis is None or not new_analysis.parses:
            chosen, new_text, new_analysis = _salvage(text, chosen, analyze, rejected)
            if not chosen:
                break
        text, analysis = new_text, new_analysis
        for d in chosen:
            fixed[d.code] = fixed.get(d.code, 0) + 1
    return FixOutcome(text, analysis.diagnostics, fixed)


def _key(diagnostic: Diagnostic) -> tuple:
    return (diagnostic.code, diagnostic.fix.edits)  # type: ignore[union-attr]


def _salvage(text, chosen, analyze, rejected):
    """The fixes of a failed round that parse on their own, applied together."""
    good: list[Diagnostic] = []
    for diagnostic in chosen:
        trial = apply_edits(text, diagnostic.fix.edits)
        result = analyze(trial) if trial != text else None
        if result is not None and result.parses:
            good.append(diagnostic)
        else:
            rejected.add(_key(diagnostic))
    while good:
        new_text = apply_edits(text, (e for d in good for e in d.fix.edits))
        new_analysis = analyze(new_text)
        if new_analysis.parses:
            return good, new_text, new_analysis
        # Each parses alone but not together: keep the first, the rest get another round.
        good = good[:1]
    return [], text, None


def write_atomically(path: str, data: bytes) -> None:
    """Replace the file's content via a temp file in its own directory and os.replace.

    The file keeps its mode; a symlink keeps pointing at the same (rewritten) file. A
    read-only file or directory is refused even where the replace would go through (a
    read-only file in a writable directory; root): the user marked it so. Any failure
    leaves the original untouched and raises OSError.
    """
    import tempfile

    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    status = os.stat(target)
    if not status.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(13, "file is read-only", path)
    if not os.stat(directory).st_mode & 0o222 or not os.access(directory, os.W_OK):
        raise PermissionError(13, "directory is read-only", path)
    handle, temp_path = tempfile.mkstemp(prefix=f".{name}.", suffix=".lvtmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_path, status.st_mode & 0o7777)
        os.replace(temp_path, target)
    except BaseException:
        try:
            os.unlink(temp_path)
        except OSError:
            pass
        raise
