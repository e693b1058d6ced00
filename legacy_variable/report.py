"""Summaries of runtime diagnostics: the ``legacy-variable run`` report.

Usable without the runner: give it the diagnostics a ``Collector`` gathered. No torch
import. (The pytest plugin summarises with ``summary.py`` instead.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from . import rules as _rules
from .diagnostics import Diagnostic, display_path

#: How many distinct locations the text report lists per rule.
MAX_LOCATIONS = 3


@dataclass
class RuleSummary:
    code: str
    count: int = 0
    #: Distinct (path, line) in order of first occurrence.
    sites: list[tuple[str, int]] = field(default_factory=list)
    first: Diagnostic | None = None

    @property
    def rule(self) -> _rules.Rule | None:
        return _rules.RULES.get(self.code)

    @property
    def linter_fix(self) -> str:
        """What ``legacy-variable check --fix`` can do for this rule's sites."""
        rule = self.rule
        return rule.check_fix if rule is not None else _rules.FIX_NONE


def summarize(diagnostics: Iterable[Diagnostic]) -> list[RuleSummary]:
    """One summary per rule, in catalog order."""
    by_code: dict[str, RuleSummary] = {}
    seen_sites: dict[str, set[tuple[str, int]]] = {}
    for d in diagnostics:
        summary = by_code.get(d.code)
        if summary is None:
            summary = by_code[d.code] = RuleSummary(d.code, first=d)
            seen_sites[d.code] = set()
        summary.count += 1
        site = (d.path, d.line)
        if site not in seen_sites[d.code]:
            seen_sites[d.code].add(site)
            summary.sites.append(site)
    order = {code: i for i, code in enumerate(_rules.RULES)}
    return sorted(by_code.values(), key=lambda s: order.get(s.code, len(order)))


def unique_sites(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """First diagnostic per (code, path, line), sorted as the linter sorts."""
    first: dict[tuple[str, str, int], Diagnostic] = {}
    for d in diagnostics:
        first.setdefault((d.code, d.path, d.line), d)
    return sorted(first.values(), key=lambda d: d.sort_key())


def to_json(diagnostics: Sequence[Diagnostic]) -> str:
    """The linter's JSON schema: a list of ``Diagnostic.to_json()``, one per site."""
    return json.dumps([d.to_json() for d in unique_sites(diagnostics)], indent=2)


def format_text(
    diagnostics: Sequence[Diagnostic], program: str = "the program", trust_pickles: bool = False
) -> str:
    text = _format_summaries(diagnostics, program)
    if trust_pickles:
        # The opt-in lowers a security default: say so whether or not it was used.
        loads = [d for d in diagnostics if d.code == "LV122" and d.related]
        files = sorted({value for d in loads for key, value in d.related if key == "trusted_load"})
        text += (
            "pickles trusted (--trust-pickles): torch.load retried refused files with "
            f"weights_only=False; {len(loads)} load{'s' * (len(loads) != 1)} did"
            + (": " + ", ".join(files) if files else "")
            + "\n"
        )
    return text


def _format_summaries(diagnostics: Sequence[Diagnostic], program: str) -> str:
    summaries = summarize(diagnostics)
    if not summaries:
        return f"legacy-variable run: no legacy idioms met while running {program}\n"
    total = sum(s.count for s in summaries)
    n_sites = sum(len(s.sites) for s in summaries)
    lines = [
        f"legacy-variable run: {total} legacy idiom occurrence{'s' * (total != 1)} at "
        f"{n_sites} site{'s' * (n_sites != 1)} ({len(summaries)} rule"
        f"{'s' * (len(summaries) != 1)}) while running {program}",
        "",
    ]
    fixable = {_rules.FIX_SAFE: 0, _rules.FIX_SOMETIMES: 0, _rules.FIX_UNSAFE: 0}
    for s in summaries:
        rule = s.rule
        name = rule.name if rule else s.code.lower()
        where = ", ".join(f"{display_path(p)}:{line}" for p, line in s.sites[:MAX_LOCATIONS])
        more = len(s.sites) - MAX_LOCATIONS
        if more > 0:
            where += f" (+{more} more)"
        lines.append(f"{s.code} {name}  x{s.count}  at {where}")
        message = s.first.message if s.first is not None else (rule.summary if rule else "")
        lines.append(f"    {message}")
        if rule is not None:
            lines.append(f"    fix: {_fix_hint(s)}")
        if s.linter_fix in fixable:
            fixable[s.linter_fix] += len(s.sites)
    lines.append("")
    safe, sometimes, unsafe = (
        fixable[_rules.FIX_SAFE],
        fixable[_rules.FIX_SOMETIMES],
        fixable[_rules.FIX_UNSAFE],
    )
    lines.append(
        f"auto-fixable with `legacy-variable check --fix`: {safe} of {n_sites} sites"
        + (f", {sometimes} more where the linter can prove it safe" if sometimes else "")
        + (f", {unsafe} with --unsafe-fixes" if unsafe else "")
        + "; `legacy-variable explain CODE` for details"
    )
    return "\n".join(lines) + "\n"


def _fix_hint(summary: RuleSummary) -> str:
    rule = summary.rule
    assert rule is not None
    fix = summary.linter_fix
    if fix == _rules.FIX_SAFE:
        how = "`legacy-variable check --fix` (safe)"
    elif fix == _rules.FIX_SOMETIMES:
        how = "`legacy-variable check --fix` where provably safe, else by hand"
    elif fix == _rules.FIX_UNSAFE:
        how = "`legacy-variable check --fix --unsafe-fixes` (changes behaviour: review)"
    else:
        how = "by hand"
    return f"{how}; see `legacy-variable explain {rule.code}`"
