"""The ``legacy-variable run`` report: text and JSON over the tally (``tally.py``).

Usable without the runner: give it the diagnostics a ``Collector`` gathered, or a
``Tally`` (what ``run`` keeps: one counter per site, so a long run's report costs the
same memory as a short one's). No torch import. (The pytest plugin prints the same tally with ``summary.py``.)
"""

from __future__ import annotations

import json
from typing import Iterable

from .diagnostics import Diagnostic
from .rules import FIX_SAFE, FIX_SOMETIMES, FIX_UNSAFE, Code
from .runtime.emission import display_path
from .tally import RuleRow, Tally

#: How many distinct locations the text report lists per rule.
MAX_LOCATIONS = 3


def unique_sites(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """First diagnostic per call site (code, path, line, column), sorted as the linter
    sorts."""
    first: dict[tuple[str, str, int, int], Diagnostic] = {}
    for d in diagnostics:
        first.setdefault((d.code, d.path, d.line, d.column), d)
    return sorted(first.values(), key=lambda d: d.sort_key())


def _tally(found: Tally | Iterable[Diagnostic]) -> Tally:
    return found if isinstance(found, Tally) else Tally.of(found)


def to_json(found: Tally | Iterable[Diagnostic]) -> str:
    """The linter's JSON schema: a list of ``Diagnostic.to_json()``, one per call site
    (code, file, line, column: the first diagnostic met there), each with ``count``, the
    occurrences at that site (as the pytest plugin's report)."""
    counts: dict[tuple[str, str, int, int], int] = {}
    first: dict[tuple[str, str, int, int], Diagnostic] = {}
    for entry in _tally(found).first_seen():
        d = entry.diagnostic
        key = (d.code, d.path, d.line, d.column)
        counts[key] = counts.get(key, 0) + entry.count
        first.setdefault(key, d)
    items = []
    for key, d in sorted(first.items(), key=lambda item: item[1].sort_key()):
        data = d.to_json()
        data["count"] = counts[key]
        items.append(data)
    return json.dumps(items, indent=2)


def format_text(
    found: Tally | Iterable[Diagnostic], program: str = "the program",
    trust_pickles: bool = False,
) -> str:
    tally = _tally(found)
    text = _format_summaries(tally, program)
    if trust_pickles:
        # The opt-in lowers a security default: say so whether or not it was used.
        # (A trusted load's message names its file, so one tally entry is one file.)
        loads = [
            entry for entry in tally.first_seen()
            if entry.diagnostic.code == Code.TORCH_LOAD_WEIGHTS_ONLY and entry.diagnostic.related
        ]
        n_loads = sum(entry.count for entry in loads)
        files = sorted({
            value for entry in loads for key, value in entry.diagnostic.related
            if key == "trusted_load"
        })
        text += (
            "pickles trusted (--trust-pickles): torch.load retried refused files with "
            f"weights_only=False; {n_loads} load{'s' * (n_loads != 1)} did"
            + (": " + ", ".join(files) if files else "")
            + "\n"
        )
    return text


def _format_summaries(tally: Tally, program: str) -> str:
    rows = tally.rows(sort_sites=False)
    if not rows:
        return f"legacy-variable run: no legacy idioms met while running {program}\n"
    total = tally.total
    fixes = tally.fix_counts()
    n_sites = fixes.sites
    lines = [
        f"legacy-variable run: {total} legacy idiom occurrence{'s' * (total != 1)} at "
        f"{n_sites} site{'s' * (n_sites != 1)} ({len(rows)} rule"
        f"{'s' * (len(rows) != 1)}) while running {program}",
        "",
    ]
    for row in rows:
        where = ", ".join(f"{display_path(p)}:{line}" for p, line in row.sites[:MAX_LOCATIONS])
        more = len(row.sites) - MAX_LOCATIONS
        if more > 0:
            where += f" (+{more} more)"
        lines.append(f"{row.code} {row.name}  x{row.count}  at {where}")
        lines.append(f"    {row.first.message}")
        if row.rule is not None:
            lines.append(f"    fix: {_fix_hint(row)}")
    lines.append("")
    lines.append(
        fixes.describe() + "; `legacy-variable explain CODE` for details"
    )
    return "\n".join(lines) + "\n"


def _fix_hint(row: RuleRow) -> str:
    fix = row.fix
    if fix == FIX_SAFE:
        how = "`legacy-variable check --fix` (safe)"
    elif fix == FIX_SOMETIMES:
        how = "`legacy-variable check --fix` where provably safe, else by hand"
    elif fix == FIX_UNSAFE:
        how = "`legacy-variable check --fix --unsafe-fixes` (changes behaviour: review)"
    else:
        how = "by hand"
    return f"{how}; see `legacy-variable explain {row.code}`"
