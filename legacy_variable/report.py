"""The ``legacy-variable run`` report: text and JSON over the tally (``tally.py``).

Usable without the runner: give it the diagnostics a ``Collector`` gathered. No torch
import. (The pytest plugin prints the same tally with ``summary.py``.)
"""

from __future__ import annotations

import json
from typing import Iterable, Sequence

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


def to_json(diagnostics: Sequence[Diagnostic]) -> str:
    """The linter's JSON schema: a list of ``Diagnostic.to_json()``, one per call site,
    each with ``count``, the occurrences at that site (as the pytest plugin's report)."""
    counts: dict[tuple[str, str, int, int], int] = {}
    for d in diagnostics:
        key = (d.code, d.path, d.line, d.column)
        counts[key] = counts.get(key, 0) + 1
    items = []
    for d in unique_sites(diagnostics):
        data = d.to_json()
        data["count"] = counts[(d.code, d.path, d.line, d.column)]
        items.append(data)
    return json.dumps(items, indent=2)


def format_text(
    diagnostics: Sequence[Diagnostic], program: str = "the program", trust_pickles: bool = False
) -> str:
    text = _format_summaries(Tally.of(diagnostics), program)
    if trust_pickles:
        # The opt-in lowers a security default: say so whether or not it was used.
        loads = [d for d in diagnostics if d.code == Code.TORCH_LOAD_WEIGHTS_ONLY and d.related]
        files = sorted({value for d in loads for key, value in d.related if key == "trusted_load"})
        text += (
            "pickles trusted (--trust-pickles): torch.load retried refused files with "
            f"weights_only=False; {len(loads)} load{'s' * (len(loads) != 1)} did"
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
