"""Runtime diagnostics aggregated per rule: the pytest plugin's summary, gate and report.

No pytest and no torch here: plain data and text, testable without a pytest run.

A ``Tally`` keeps one counter per distinct occurrence site -- (test, allowed, code, file,
line, column, message) -- rather than one object per occurrence: a legacy training loop
in one test can emit the same diagnostic thousands of times, and both memory and the
pytest-xdist payload must stay bounded by the number of *sites*, not iterations.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from . import rules as _rules
from .diagnostics import Diagnostic


@dataclass(frozen=True)
class Entry:
    """``count`` occurrences of one diagnostic at one site, in one test (or none)."""

    diagnostic: Diagnostic
    #: pytest node id, or None for code run outside a test (collection, session hooks).
    test: str | None
    #: Accepted by an allow-list or marker: shown, but does not fail a strict run.
    allowed: bool
    count: int

    def to_json(self) -> dict:
        """The linter's JSON object (ruff's shape) plus ``test``, ``count``, ``allowed``."""
        data = self.diagnostic.to_json()
        data["test"] = self.test
        data["count"] = self.count
        data["allowed"] = self.allowed
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Entry":
        return cls(
            diagnostic=Diagnostic.from_json(data),
            test=data.get("test"),
            allowed=bool(data.get("allowed", False)),
            count=int(data.get("count", 1)),
        )


@dataclass(frozen=True)
class RuleRow:
    """One line of the summary table."""

    code: str
    name: str
    count: int
    tests: int
    #: Distinct (file, line) call sites, sorted, so serial and xdist runs print the same.
    sites: tuple[tuple[str, int], ...]
    #: The catalog's fix availability when ``legacy-variable check --fix`` can act on
    #: this rule ("safe", "sometimes", "unsafe"); "" when it cannot.
    fix: str
    not_allowed: int


def fix_by_check(code: str) -> str:
    """How ``legacy-variable check --fix`` fixes ``code``: "safe", "sometimes", "unsafe" or ""."""
    rule = _rules.RULES.get(code)
    fix = rule.check_fix if rule is not None else _rules.FIX_NONE
    return "" if fix == _rules.FIX_NONE else fix


class Tally:
    """Occurrence counts per site; mergeable across processes (pytest-xdist workers)."""

    def __init__(self) -> None:
        # key -> [first diagnostic seen for the key, count]
        self._sites: dict[tuple, list] = {}

    @staticmethod
    def _key(diagnostic: Diagnostic, test: str | None, allowed: bool) -> tuple:
        return (
            test,
            allowed,
            diagnostic.code,
            diagnostic.path,
            diagnostic.line,
            diagnostic.column,
            diagnostic.message,
        )

    def add(
        self,
        diagnostic: Diagnostic,
        *,
        test: str | None = None,
        allowed: bool = False,
        count: int = 1,
    ) -> None:
        key = self._key(diagnostic, test, allowed)
        slot = self._sites.get(key)
        if slot is None:
            self._sites[key] = [diagnostic, count]
        else:
            slot[1] += count

    # -- transport (execnet-serialisable builtins only)

    def to_payload(self) -> list[dict]:
        return [entry.to_json() for entry in self.entries()]

    def merge_payload(self, payload: Iterable[dict], *, outside_tests_once: bool = False) -> None:
        """Add another process's tally.

        ``outside_tests_once`` is for pytest-xdist: every worker imports conftest.py and
        collects every test module (and the controller imports conftest.py too), so a
        site reached outside any test is kept at the largest count any process saw --
        the serial run's count -- instead of the sum.
        """
        for item in payload:
            entry = Entry.from_json(item)
            count = entry.count
            if outside_tests_once and entry.test is None:
                slot = self._sites.get(self._key(entry.diagnostic, None, entry.allowed))
                count -= slot[1] if slot else 0
                if count <= 0:
                    continue
            self.add(entry.diagnostic, test=entry.test, allowed=entry.allowed, count=count)

    # -- queries

    def __bool__(self) -> bool:
        return bool(self._sites)

    def entries(self) -> list[Entry]:
        """Every site, in a deterministic order (path, line, column, code, test)."""
        result = [
            Entry(diagnostic, key[0], key[1], count)
            for key, (diagnostic, count) in self._sites.items()
        ]
        result.sort(key=lambda e: (*e.diagnostic.sort_key(), e.test or "", e.allowed, e.diagnostic.message))
        return result

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())

    @property
    def total(self) -> int:
        return sum(count for _, count in self._sites.values())

    def not_allowed(self) -> dict[str, int]:
        """Occurrences per code that no allow-list or marker accepted."""
        counts: dict[str, int] = {}
        for entry in self.entries():
            if not entry.allowed:
                counts[entry.diagnostic.code] = counts.get(entry.diagnostic.code, 0) + entry.count
        return dict(sorted(counts.items()))

    def rows(self) -> list[RuleRow]:
        by_code: dict[str, list[Entry]] = {}
        for entry in self.entries():
            by_code.setdefault(entry.diagnostic.code, []).append(entry)
        rows = []
        for code in sorted(by_code):
            entries = by_code[code]
            rule = _rules.RULES.get(code)
            rows.append(
                RuleRow(
                    code=code,
                    name=rule.name if rule else code.lower(),
                    count=sum(e.count for e in entries),
                    tests=len({e.test for e in entries if e.test}),
                    sites=tuple(sorted({(e.diagnostic.path, e.diagnostic.line) for e in entries})),
                    fix=fix_by_check(code),
                    not_allowed=sum(e.count for e in entries if not e.allowed),
                )
            )
        return rows

    def call_sites(self) -> set[tuple[str, str, int]]:
        """Distinct (code, file, line): the unit ``check --fix`` edits."""
        return {(e.diagnostic.code, e.diagnostic.path, e.diagnostic.line) for e in self.entries()}

    def tests(self) -> set[str]:
        return {e.test for e in self.entries() if e.test}

    def report(self) -> list[dict]:
        """The JSON report: the linter's schema, one object per site and test."""
        return self.to_payload()


# --------------------------------------------------------------------------- text


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
    rows = tally.rows()
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
    by_fix = {fix: 0 for fix in (_rules.FIX_SAFE, _rules.FIX_SOMETIMES, _rules.FIX_UNSAFE)}
    for site in sites:
        fix = fix_by_check(site[0])
        if fix in by_fix:
            by_fix[fix] += 1
    n_tests = len(tally.tests())
    lines.append(
        f"{tally.total} legacy diagnostic{'s' if tally.total != 1 else ''} at "
        f"{len(sites)} call site{'s' if len(sites) != 1 else ''} in "
        f"{n_tests} test{'s' if n_tests != 1 else ''}"
    )
    # A "sometimes" rule is fixed safely only in the forms the linter can prove, so its
    # sites are not promised as auto-fixable (the wording of `legacy-variable run`'s report).
    hint = f"{by_fix[_rules.FIX_SAFE]} of them auto-fixable with `legacy-variable check --fix`"
    if by_fix[_rules.FIX_SOMETIMES]:
        hint += f", {by_fix[_rules.FIX_SOMETIMES]} more where the linter can prove it safe"
    if by_fix[_rules.FIX_UNSAFE]:
        hint += f", {by_fix[_rules.FIX_UNSAFE]} more with --unsafe-fixes"
    lines.append(hint)
    return lines
