"""What a recorded run (runtime/evidence.py) says about a file's diagnostics.

``check --evidence FILE``: for a diagnostic at a site the run executed (same line, column
and line text; a line that moved but kept its text and column still matches when that is
unambiguous),

* disproved, it is dropped: an ``x.data[0]`` receiver seen with dimensions (LV104), a
  ``torch.load`` that loaded (LV122);
* confirmed, it becomes definite: a receiver 0-dim every time gets the ``.item()`` fix,
  safe (LV104); a refused load says "refused", and a refused whole pickled model gets an
  *unsafe* ``weights_only=False`` fix with a comment saying so (LV122);
* a fix unsafe only for lack of knowledge becomes safe when every observation supports it
  (LV108: ``.type(T)`` on receivers that were tensors every time).

Each such diagnostic carries ``evidence`` (confirmed) and ``observations`` (how many) in
its args; JSON output shows them. Nothing here imports torch.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from ...diagnostics import SAFE, UNSAFE, Diagnostic, Edit, Fix
from ...rules import Code
from ..source import line_starts

# Imported by name, never torch: the hash is the one the recorder writes.
from ...evidence_file import line_hash

_KIND = {Code.SCALAR_DATA_INDEX.value: "index0", Code.TORCH_LOAD_WEIGHTS_ONLY.value: "load",
         Code.LEGACY_TYPE_CAST.value: "cast"}
_INDEX0 = re.compile(r"(\.data)?\s*\[\s*\(?\s*0\s*\)?\s*\]\Z")
#: Loads that returned something, so ``weights_only=True`` accepted the file.
_LOADED = frozenset({"tensor", "state_dict", "other"})

#: (line, column, line hash, kind) -> ((value, count), ...)
Observations = Mapping[tuple, tuple]


def apply(diagnostics: Iterable[Diagnostic], source: str, observations: Observations) -> list[Diagnostic]:
    lines = source.splitlines()
    by_text: dict[tuple, list] = {}
    for (line, column, digest, kind), seen in observations.items():
        by_text.setdefault((column, digest, kind), []).append(seen)
    out = []
    for d in diagnostics:
        kind = _KIND.get(d.code)
        seen = None
        if kind is not None and 0 < d.line <= len(lines):
            digest = line_hash(lines[d.line - 1])
            seen = observations.get((d.line, d.column, digest, kind))
            if seen is None:
                moved = by_text.get((d.column, digest, kind), ())
                seen = moved[0] if len(moved) == 1 else None
        if seen is None:
            out.append(d)
            continue
        judged = _judge(d, dict(seen), source)
        if judged is not None:
            out.append(judged)
    return out


def _judge(d: Diagnostic, seen: dict[str, int], source: str) -> Diagnostic | None:
    count = sum(seen.values())
    if d.code == Code.SCALAR_DATA_INDEX:
        if set(seen) != {"ndim=0"}:
            return None  # the receiver had dimensions: ``[0]`` is right
        fix = d.fix or _item_fix(d, source)
        if fix is not None:
            fix = Fix(fix.edits, SAFE, fix.message or "Use `.item()`")
        return _evident(d.with_args(variant="zero_dim"), fix, count)
    if d.code == Code.TORCH_LOAD_WEIGHTS_ONLY:
        if set(seen) <= _LOADED:
            return None  # it loads fine under ``weights_only=True``
        whole = "refused:module" in seen or "module" in seen
        detail = "a whole pickled model" if whole else "a pickled object"
        fix = _weights_only_fix(d, source) if whole else None
        return _evident(d.with_args(variant="refused", detail=detail), fix, count)
    if d.code == Code.LEGACY_TYPE_CAST:
        fix = d.fix
        if set(seen) == {"tensor"} and fix is not None and fix.applicability == UNSAFE:
            fix = Fix(fix.edits, SAFE, fix.message)
        return _evident(d, fix, count)
    return d


def _evident(d: Diagnostic, fix: Fix | None, count: int) -> Diagnostic:
    from dataclasses import replace

    return replace(d.with_args(evidence="confirmed", observations=count), fix=fix)


def _span(d: Diagnostic, source: str) -> tuple[int, int] | None:
    if d.end_line is None or d.end_column is None:
        return None
    starts = line_starts(source)
    return starts[d.line - 1] + d.column - 1, starts[d.end_line - 1] + d.end_column - 1


def _position(source: str, offset: int) -> tuple[int, int]:
    row = source.count("\n", 0, offset) + 1
    return row, offset - (source.rfind("\n", 0, offset) + 1) + 1


def _item_fix(d: Diagnostic, source: str) -> Fix | None:
    """``x.data[0]`` / ``x[0]`` -> ``x.item()``."""
    span = _span(d, source)
    if span is None:
        return None
    found = _INDEX0.search(source, span[0], span[1])
    if found is None or found.end() != span[1] or found.start() == span[0]:
        return None
    row, column = _position(source, found.start())
    end_row, end_column = _position(source, span[1])
    return Fix((Edit(".item()", row, column, end_row, end_column),), SAFE, "Use `.item()`")


def _weights_only_fix(d: Diagnostic, source: str) -> Fix | None:
    """``torch.load(p)`` -> ``torch.load(p, weights_only=False)  # ...``: unsafe, as it
    runs whatever the file holds; the comment says why it was written."""
    span = _span(d, source)
    if span is None or source[span[1] - 1] != ")":
        return None
    close = span[1] - 1
    row, column = _position(source, close)
    edits = [Edit(", weights_only=False", row, column, row, column)]
    line_end = source.find("\n", span[1])
    line_end = len(source) if line_end < 0 else line_end
    if line_end > span[1] and source[line_end - 1] == "\r":
        line_end -= 1
    if "#" not in source[span[1]:line_end]:
        end_row, end_column = _position(source, line_end)
        edits.append(Edit("  # legacy-variable: the file holds a whole pickled model (seen at run time)",
                          end_row, end_column, end_row, end_column))
    return Fix(tuple(edits), UNSAFE,
               "Pass `weights_only=False`: the run showed a whole pickled model (trusted files only)")
