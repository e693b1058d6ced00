"""The pytest plugin's summary table over the tally (``tally.py``).

No pytest and no torch here: plain text, testable without a pytest run. (``legacy-variable
run`` prints the same tally with ``report.py``.)
"""

from __future__ import annotations

import os
from typing import Callable

from .tally import Tally


def _table(header: list[str], body: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    return [line(header), *(line(row) for row in body)]


def format_summary(
    tally: Tally,
    *,
    relpath: Callable[[str], str] = os.path.relpath,
    max_locations: int = 3,
) -> list[str]:
    """The summary table and its closing lines (no trailing newlines)."""
    if not tally:
        return ["no legacy diagnostics"]
    rows = tally.rows(sort_sites=True)
    show_allowed = any(row.not_allowed != row.count for row in rows)
    header = ["code", "name", "count", "tests", "fix"]
    if show_allowed:
        header.append("allowed")
    header.append("first locations")
    body = []
    for row in rows:
        shown = [f"{relpath(path)}:{line}" for path, line in row.sites[:max_locations]]
        more = len(row.sites) - max_locations
        if more > 0:
            shown.append(f"(+{more} more)")
        cells = [row.code, row.name, str(row.count), str(row.tests), row.fix or "-"]
        if show_allowed:
            cells.append(str(row.count - row.not_allowed))
        cells.append(", ".join(shown))
        body.append(cells)
    right = {2, 3, 5} if show_allowed else {2, 3}
    lines = _table(header, body, right)

    sites = tally.call_sites()
    n_tests = len(tally.tests())
    lines.append(
        f"{tally.total} legacy diagnostic{'s' if tally.total != 1 else ''} at "
        f"{len(sites)} call site{'s' if len(sites) != 1 else ''} in "
        f"{n_tests} test{'s' if n_tests != 1 else ''}"
    )
    lines.append(tally.fix_counts().describe())
    return lines
