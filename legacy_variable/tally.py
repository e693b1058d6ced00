"""One tally of runtime diagnostics, for every face that summarises them: the
``legacy-variable run`` report (``report.py``) and the pytest summary (``summary.py``).

It sits above both the runtime and the linter: counts come from the diagnostics the
runtime collected, and "auto-fixable" comes from the linter itself, asked about the very
lines the runtime met (``fix_counts``), so a report never promises a fix that
``legacy-variable check --fix`` would not make. No torch import; the linter is imported
only when fix counts are asked for.

A ``Tally`` keeps one counter per distinct occurrence site -- (test, allowed, code, file,
line, column, message) -- rather than one object per occurrence: a legacy training loop
can emit the same diagnostic thousands of times, and both memory and the pytest-xdist
payload must stay bounded by the number of *sites*, not iterations.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import rules as _rules
from .diagnostics import SAFE, UNSAFE, Diagnostic


@dataclass(frozen=True)
class Entry:
    """``count`` occurrences of one diagnostic at one site, in one test (or none)."""

    diagnostic: Diagnostic
    #: pytest node id, or None for code run outside a test (collection, session hooks,
    #: a ``run`` program).
    test: str | None
    #: Accepted by an allow-list or marker: shown, but does not fail a strict run.
    allowed: bool
    count: int

    def to_json(self) -> dict:
        """The linter's JSON object (ruff's shape) plus ``test``, ``count``, ``allowed``."""
        data = self.diagnostic.to_json()
        # A plain str, not the Code member: execnet (pytest-xdist) carries builtins only.
        data["code"] = str(data["code"])
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
    """One rule's line in a summary."""

    code: str
    name: str
    count: int
    tests: int
    #: Distinct (file, line) call sites: in order of first occurrence, or sorted (so that
    #: serial and xdist runs print the same) when the rows were asked sorted.
    sites: tuple[tuple[str, int], ...]
    #: What the catalog says ``check --fix`` can do for the rule ("safe", "sometimes",
    #: "unsafe"); "" when it cannot. The rule's ability; ``fix_counts`` has the facts.
    fix: str
    not_allowed: int
    #: The first diagnostic met for the rule (its message is shown). Not compared: which
    #: one is first depends on the order xdist workers report in.
    first: Diagnostic = field(compare=False)

    @property
    def rule(self) -> _rules.Rule | None:
        return _rules.RULES.get(self.code)


def fix_by_check(code: str) -> str:
    """What the catalog says ``check --fix`` does for ``code``: "safe", "sometimes",
    "unsafe" or ""."""
    rule = _rules.RULES.get(code)
    fix = rule.check_fix if rule is not None else _rules.FIX_NONE
    return "" if fix == _rules.FIX_NONE else fix


class Tally:
    """Occurrence counts per site; mergeable across processes (pytest-xdist workers)."""

    def __init__(self) -> None:
        # key -> [first diagnostic seen for the key, count], in order of first occurrence
        self._sites: dict[tuple, list] = {}

    @classmethod
    def of(cls, diagnostics: Iterable[Diagnostic]) -> "Tally":
        tally = cls()
        for diagnostic in diagnostics:
            tally.add(diagnostic)
        return tally

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

    @classmethod
    def site_key(cls, diagnostic: Diagnostic) -> tuple:
        """The key one diagnostic is counted under outside any test."""
        return cls._key(diagnostic, None, False)

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

    def _entries(self) -> list[Entry]:
        return [
            Entry(diagnostic, key[0], key[1], count)
            for key, (diagnostic, count) in self._sites.items()
        ]

    def first_seen(self) -> list[Entry]:
        """Every site, in the order each was first met."""
        return self._entries()

    def entries(self) -> list[Entry]:
        """Every site, in a deterministic order (path, line, column, code, test)."""
        result = self._entries()
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

    def rows(self, *, sort_sites: bool = True) -> list[RuleRow]:
        """One row per rule, in catalog order."""
        by_code: dict[str, list[Entry]] = {}
        for entry in self._entries():  # first-occurrence order
            by_code.setdefault(entry.diagnostic.code, []).append(entry)
        order = {code: i for i, code in enumerate(_rules.RULES)}
        rows = []
        for code in sorted(by_code, key=lambda c: (order.get(c, len(order)), c)):
            entries = by_code[code]
            sites = list(dict.fromkeys((e.diagnostic.path, e.diagnostic.line) for e in entries))
            rule = _rules.RULES.get(code)
            rows.append(
                RuleRow(
                    code=code,
                    name=rule.name if rule else code.lower(),
                    count=sum(e.count for e in entries),
                    tests=len({e.test for e in entries if e.test}),
                    sites=tuple(sorted(sites) if sort_sites else sites),
                    fix=fix_by_check(code),
                    not_allowed=sum(e.count for e in entries if not e.allowed),
                    first=entries[0].diagnostic,
                )
            )
        return rows

    def call_sites(self) -> set[tuple[str, str, int, int]]:
        """Distinct (code, file, line, column): the unit ``check --fix`` edits (two
        ``Variable(...)`` calls on one line are two sites, for the linter too)."""
        return {
            (e.diagnostic.code, e.diagnostic.path, e.diagnostic.line, e.diagnostic.column)
            for e in self._entries()
        }

    def tests(self) -> set[str]:
        return {e.test for e in self._entries() if e.test}

    def report(self) -> list[dict]:
        """The JSON report: the linter's schema, one object per site and test."""
        return self.to_payload()

    def fix_counts(self) -> "FixCounts":
        return fix_counts(self.call_sites())


# --------------------------------------------------------------------------- fixability


@dataclass(frozen=True)
class FixCounts:
    """How many call sites ``legacy-variable check --fix`` fixes, as the linter says."""

    sites: int
    #: Fixed by ``check --fix``.
    safe: int
    #: Fixed only with ``--unsafe-fixes``.
    unsafe: int

    def describe(self) -> str:
        """The one wording every face prints."""
        text = (
            f"{self.safe} of {self.sites} call site{'s' * (self.sites != 1)} auto-fixable "
            "with `legacy-variable check --fix`"
        )
        if self.unsafe:
            text += f", {self.unsafe} more with --unsafe-fixes"
        return text


def fix_counts(sites: Iterable[tuple[str, str, int, int]]) -> FixCounts:
    """Fix availability at runtime call sites ``(code, file, line, column)``.

    A site counts as safe-fixable when the linter reports the same code on the same line
    of that file with a safe fix, unsafe-fixable when that fix is unsafe. Columns only
    choose among several such diagnostics on one line: the runtime's column is where the
    instruction starts (a call, a subscript), the linter's may be a keyword inside it.
    Sites the linter does not see (another code, a file that is gone, ``<string>``)
    count as not fixable.
    """
    sites = set(sites)
    files = sorted({path for _, path, _, _ in sites if os.path.isfile(path)})
    available = linter_fixes(files) if files else {}
    safe = unsafe = 0
    for code, path, line, column in sites:
        found = available.get((os.path.abspath(path), line, code))
        if not found:
            continue
        applicability = next((a for c, a in found if c == column), found[0][1])
        if applicability == SAFE:
            safe += 1
        elif applicability == UNSAFE:
            unsafe += 1
    return FixCounts(sites=len(sites), safe=safe, unsafe=unsafe)


def linter_fixes(paths: list[str]) -> dict[tuple[str, int, str], list[tuple[int, str | None]]]:
    """(absolute path, line, code) -> [(column, applicability of its fix or None)] for
    every diagnostic the linter reports in ``paths``, with the settings
    ``legacy-variable check`` would use from here (the public ``lint.check``, file by
    file, so that each file's own pyproject.toml counts).
    """
    from .lint import check
    from .lint.config import ConfigError

    found: dict[tuple[str, int, str], list[tuple[int, str | None]]] = {}
    cwd = os.getcwd()
    for path in paths:
        path = os.path.abspath(path)
        try:
            result = check([path], cwd=cwd)
        except ConfigError:
            continue  # a broken config: `check` itself would refuse to run
        for d in result.diagnostics:
            fix = d.fix
            applicability = fix.applicability if fix is not None and fix.edits else None
            found.setdefault((path, d.line, d.code), []).append((d.column, applicability))
    return found
