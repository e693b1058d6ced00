"""The numbers of a migration report, taken from one ``lint.check`` run.

Every count is a count of the diagnostics ``check`` returns for the same paths and
options: the report adds classification (how each one can be fixed), grouping (per rule,
per file, per directory), the source line of each finding, and, when given, runtime
reports and the git trend. Renderers (``html``, ``markdown``, ``jsonreport``) only
format what is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import SAFE, UNSAFE, Diagnostic
from ..rules import RULES

#: How a finding can be fixed, the order of every stacked bar and table column: safely
#: (``check --fix``), safely with the evidence only (``check --fix --evidence``: the
#: code alone does not show the fix is right, a recorded run did), unsafely
#: (``--unsafe-fixes``), by hand.
FIX_SAFE = "safe"
FIX_EVIDENCE = "evidence"
FIX_UNSAFE = "unsafe"
FIX_HAND = "hand"
FIX_CLASSES = (FIX_SAFE, FIX_EVIDENCE, FIX_UNSAFE, FIX_HAND)


class ReportError(Exception):
    """Bad input to the report (an unreadable runtime report, no git repository): the
    command prints it as one line and exits 2."""


def fix_class(diagnostic: Diagnostic) -> str:
    """``check``'s own judgement: a fix with edits is applied by ``--fix`` when safe, by
    ``--fix --unsafe-fixes`` when unsafe; anything else is left to a person."""
    fix = diagnostic.fix
    if fix is not None and fix.edits:
        if fix.applicability == SAFE:
            return FIX_SAFE
        if fix.applicability == UNSAFE:
            return FIX_UNSAFE
    return FIX_HAND


def is_misconception(code: str) -> bool:
    """LV2xx: autograd misconceptions -- bugs in the program, not style."""
    return code.startswith("LV2")


@dataclass
class Finding:
    line: int
    column: int
    code: str
    fix: str
    message: str
    #: The line of source the finding is on (None when the file cannot be read back).
    source: str | None = None
    cell: int | None = None
    #: Occurrences seen by the given runtime reports at this line (0: not executed).
    runtime: int = 0


@dataclass
class FileStat:
    path: str
    lines: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.findings)

    @property
    def directory(self) -> str:
        head = self.path.rpartition("/")[0]
        return head or "."

    def by_code(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.code] = counts.get(f.code, 0) + 1
        return dict(sorted(counts.items()))


@dataclass
class DirStat:
    path: str
    files: int
    files_with_legacy: int
    lines: int
    diagnostics: int

    @property
    def density(self) -> float:
        """Diagnostics per 1,000 lines."""
        return 1000.0 * self.diagnostics / self.lines if self.lines else 0.0


@dataclass
class RuleStat:
    code: str
    name: str
    count: int = 0
    safe: int = 0
    evidence: int = 0
    unsafe: int = 0
    hand: int = 0
    files: int = 0

    @property
    def misconception(self) -> bool:
        return is_misconception(self.code)

    @property
    def rule(self):
        return RULES.get(self.code)


@dataclass
class RuntimeSite:
    """One runtime call site, summed over tests and reports."""

    code: str
    path: str
    line: int
    count: int
    tests: int
    #: Whether the linter reports the same rule on this line (an executed static finding).
    static: bool
    source: str | None = None


@dataclass
class RuntimeSummary:
    reports: list[str]
    sites: list[RuntimeSite]
    #: Static findings whose line the runtime reached with the same rule.
    executed: int
    #: Static findings in total (the denominator of ``executed``).
    static_total: int

    @property
    def occurrences(self) -> int:
        return sum(s.count for s in self.sites)

    @property
    def runtime_only(self) -> list[RuntimeSite]:
        return [s for s in self.sites if not s.static]


@dataclass
class HistoryPoint:
    commit: str
    date: str
    subject: str
    diagnostics: int
    files_with_legacy: int
    files: int

    @property
    def short(self) -> str:
        return self.commit[:10]


@dataclass
class Report:
    paths: list[str]
    files: list[FileStat]
    #: Selection and fix options the numbers were computed under (as ``check`` would).
    unsafe_fixes: bool
    selected: list[str]
    generated: str
    version: str
    runtime: RuntimeSummary | None = None
    history: list[HistoryPoint] | None = None
    #: The evidence files the numbers were computed with (as ``check --evidence``);
    #: empty: none, and "with evidence" has no number.
    evidence_files: list[str] = field(default_factory=list)
    #: Findings of the code alone that the evidence disproved (not counted anywhere else).
    evidence_disproved: int = 0
    errors: list[str] = field(default_factory=list)

    # -- headline

    @property
    def files_total(self) -> int:
        return len(self.files)

    @property
    def files_with_legacy(self) -> int:
        return sum(1 for f in self.files if f.findings)

    @property
    def lines(self) -> int:
        return sum(f.lines for f in self.files)

    @property
    def diagnostics(self) -> int:
        return sum(f.count for f in self.files)

    def fix_counts(self) -> dict[str, int | None]:
        counts: dict[str, int | None] = {c: 0 for c in FIX_CLASSES}
        for f in self.files:
            for finding in f.findings:
                counts[finding.fix] += 1  # type: ignore[operator]
        if not self.evidence_files:
            counts[FIX_EVIDENCE] = None  # not known, rather than 0
        return counts

    @property
    def by_hand_lines(self) -> int:
        """Estimated remaining by-hand sites: distinct source lines holding a finding
        that no fix (safe or unsafe) handles. Several findings on one line (``Variable(x,
        volatile=True)``) are one edit for a person."""
        return len({
            (f.path, x.cell, x.line) for f in self.files for x in f.findings if x.fix == FIX_HAND
        })

    # -- groupings

    def rules(self) -> list[RuleStat]:
        """One row per rule met, most frequent first (as ``check --statistics``)."""
        stats: dict[str, RuleStat] = {}
        files: dict[str, set[str]] = {}
        for f in self.files:
            for x in f.findings:
                stat = stats.get(x.code)
                if stat is None:
                    rule = RULES.get(x.code)
                    stat = stats[x.code] = RuleStat(x.code, rule.name if rule else x.code.lower())
                stat.count += 1
                setattr(stat, x.fix, getattr(stat, x.fix) + 1)
                files.setdefault(x.code, set()).add(f.path)
        for code, stat in stats.items():
            stat.files = len(files[code])
        return sorted(stats.values(), key=lambda s: (-s.count, s.code))

    def misconceptions(self) -> list[RuleStat]:
        return [s for s in sorted(self.rules(), key=lambda s: s.code) if s.misconception]

    def findings_of(self, code: str) -> list[tuple[FileStat, Finding]]:
        return [(f, x) for f in self.files for x in f.findings if x.code == code]

    def directories(self) -> list[DirStat]:
        dirs: dict[str, DirStat] = {}
        for f in self.files:
            d = dirs.get(f.directory)
            if d is None:
                d = dirs[f.directory] = DirStat(f.directory, 0, 0, 0, 0)
            d.files += 1
            d.files_with_legacy += bool(f.findings)
            d.lines += f.lines
            d.diagnostics += f.count
        return sorted(dirs.values(), key=lambda d: d.path)
