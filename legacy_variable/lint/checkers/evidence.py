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
  (LV108: ``.type(T)`` on receivers that were tensors every time; LV101: ``Variable(t)``
  -> ``t.detach()`` where ``t`` was a tensor without autograd history every time);
* wraps (``Variable(x, ...)``, kind "wrap"): LV201/LV202 say a wrap cuts autograd history;
  a wrapped value seen with history (a ``grad_fn``, or a leaf requiring grad) makes them
  definite, one seen only without (no autograd state: nothing was cut) drops them;
* ``torch.Tensor(x)`` (kind "ctor", LV107): the dtype it made and what ``x`` was. A
  variable argument has no static fix (its meaning depends on its type); seen every time
  as a list of numbers or a numpy array it gets ``torch.tensor(x, dtype=...)``, seen as
  sizes ``torch.empty(...)``, safe (both are what the constructor does for those
  arguments). A fix that names a dtype the run did not see is withdrawn.

Each such diagnostic carries ``evidence`` (confirmed) and ``observations`` (how many) in
its args; JSON output shows them. Nothing here imports torch.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Iterable, Mapping

from ...diagnostics import SAFE, UNSAFE, Diagnostic, Edit, Fix
from ...rules import Code
from ..source import joined_rows, line_starts

# Imported by name, never torch: the hash is the one the recorder writes.
from ...evidence_file import line_hash

_KIND = {Code.SCALAR_DATA_INDEX.value: "index0", Code.TORCH_LOAD_WEIGHTS_ONLY.value: "load",
         Code.LEGACY_TYPE_CAST.value: "cast", Code.VARIABLE_WRAPPER.value: "wrap",
         Code.REWRAP_COMPUTED_TENSOR.value: "wrap", Code.DETACHING_WRAP.value: "wrap",
         Code.LEGACY_TENSOR_CONSTRUCTOR.value: "ctor"}
#: What a wrapped value was: with autograd history (the wrap cut it), or a tensor without.
_HISTORY = frozenset({"non-leaf", "leaf"})
_NAMED_DTYPE = re.compile(r"dtype=[\w.]*?\.(\w+)\Z")
_INDEX0 = re.compile(r"(\.data)?\s*\[\s*\(?\s*0\s*\)?\s*\]\Z")
#: Loads that returned something, so ``weights_only=True`` accepted the file.
_LOADED = frozenset({"tensor", "state_dict", "other"})

#: (line, column, line hash, kind) -> ((value, count), ...)
Observations = Mapping[tuple, tuple]


def match_paths(evidence: Mapping[str, tuple], checked: Iterable[str]) -> dict[str, tuple]:
    """The evidence of each checked file (relative paths). A recording keys paths from the
    project root it found (runtime/evidence.project_root) and ``check`` from its own; a
    path recorded from another root matches by its trailing components when exactly one
    recorded path does (``char-rnn/train.py`` for ``train.py`` and the reverse). The line
    hashes still guard every observation."""
    by_name: dict[str, list[str]] = {}
    for recorded in evidence:
        by_name.setdefault(recorded.rpartition("/")[2], []).append(recorded)
    out: dict[str, tuple] = {}
    for rel in checked:
        if rel in evidence:
            out[rel] = evidence[rel]
            continue
        candidates = [r for r in by_name.get(rel.rpartition("/")[2], ())
                      if r.endswith("/" + rel) or rel.endswith("/" + r)]
        if len(candidates) == 1:
            out[rel] = evidence[candidates[0]]
    return out


def apply(diagnostics: Iterable[Diagnostic], source: str, observations: Observations,
          default_is_float32: bool = False) -> list[Diagnostic]:
    """``default_is_float32``: the project is known never to change the default dtype
    (project facts), so a constructor fix may name ``float32``."""
    # Rows as the tokenizer (and the recording's linecache) count them, not as
    # ``str.splitlines``, which also breaks at form feeds and would hash another line.
    starts = line_starts(source)
    by_text: dict[tuple, list] = {}
    for (line, column, digest, kind), seen in observations.items():
        by_text.setdefault((column, digest, kind), []).append(seen)
    out = []
    for d in diagnostics:
        kind = _KIND.get(d.code)
        seen = None
        if kind is not None and 0 < d.line <= len(starts):
            digest = line_hash(source[starts[d.line - 1]:starts[d.line] if d.line < len(starts) else None])
            seen = observations.get((d.line, d.column, digest, kind))
            if seen is None:
                moved = by_text.get((d.column, digest, kind), ())
                seen = moved[0] if len(moved) == 1 else None
        if seen is None:
            out.append(d)
            continue
        judged = _judge(d, dict(seen), source, default_is_float32)
        if judged is not None:
            out.append(judged)
    return out


def _judge(d: Diagnostic, seen: dict[str, int], source: str,
           default_is_float32: bool = False) -> Diagnostic | None:
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
    if d.code in (Code.REWRAP_COMPUTED_TENSOR, Code.DETACHING_WRAP):
        if not _HISTORY & set(seen):
            return None  # the wrapped value never had autograd history: nothing was cut
        return _evident(d, d.fix, count)
    if d.code == Code.VARIABLE_WRAPPER:
        fix = d.fix
        if fix is not None and fix.applicability == UNSAFE and set(seen) == {"no-grad"} \
                and _detach_of_a_tensor(d, source):
            # ``Variable(t)`` is ``t.detach()`` for any tensor ``t``: unsafe only because
            # ``t`` might not be one, or might have history the author meant to keep
            # (LV201/LV202: then it stays a person's call). Seen every time as a tensor
            # outside autograd, the wrap cut nothing and ``.detach()`` says all it did.
            return _evident(d, Fix(fix.edits, SAFE, fix.message), count)
        return d
    if d.code == Code.LEGACY_TENSOR_CONSTRUCTOR:
        return _judge_constructor(d, seen, source, count, default_is_float32)
    return d


def _detach_of_a_tensor(d: Diagnostic, source: str) -> bool:
    """The LV101 fix writes ``t.detach()`` for ``Variable(t[, requires_grad=...])``; not for
    ``Variable(t.data)`` (``.detach()`` shares the version counter ``.data`` did not)."""
    call = _call_at(d, source)
    if call is None or not call.args or call.args[0].__class__ is ast.Starred:
        return False
    data = call.args[0]
    return not (data.__class__ is ast.Attribute and data.attr == "data") \
        and any(e.content.startswith((".detach()", ").detach()")) for e in d.fix.edits)


def _call_at(d: Diagnostic, source: str) -> ast.Call | None:
    span = _span(d, source)
    if span is None:
        return None
    try:
        node = ast.parse(source[span[0]:span[1]].strip(), mode="eval").body
    except SyntaxError:
        return None
    return node if node.__class__ is ast.Call else None


def _judge_constructor(d: Diagnostic, seen: dict[str, int], source: str, count: int,
                       default_is_float32: bool) -> Diagnostic:
    """``torch.Tensor(...)``: observations are "DTYPE GIVEN" (runtime/evidence.py)."""
    pairs = [value.split(" ", 1) for value in seen]
    if any(len(p) != 2 for p in pairs):
        return d
    dtypes = {dtype for dtype, _ in pairs}
    given = {what for _, what in pairs}
    fix = d.fix
    if fix is not None:
        named = [m.group(1) for e in fix.edits for m in [_NAMED_DTYPE.search(e.content)] if m]
        if named and named[0] != "get_default_dtype" and dtypes != {named[0]}:
            # The run made another dtype than the fix writes: the fix would change it.
            return replace(d.with_args(evidence="fix_withdrawn", observations=count), fix=None)
        return d
    if len(given) != 1:
        return d
    made = _constructor_fix(d, source, given.pop(), dtypes, default_is_float32)
    return d if made is None else _evident(d, made, count)


def _constructor_fix(d: Diagnostic, source: str, given: str, dtypes: set,
                     default_is_float32: bool) -> Fix | None:
    callee = d.arg("callee") or ""
    torch_name, _, attribute = callee.rpartition(".")
    call = _call_at(d, source)
    if attribute != "Tensor" or not torch_name or call is None or call.keywords \
            or any(a.__class__ is ast.Starred for a in call.args):
        return None
    if given in ("data", "ndarray") and len(call.args) == 1:
        factory = "tensor"
        # torch.tensor infers int64 from a list of ints and keeps an array's dtype: the
        # default dtype the constructor made must be written.
        dtype = f"{torch_name}.float32" if default_is_float32 and dtypes == {"float32"} \
            else f"{torch_name}.get_default_dtype()"
        extra = f", dtype={dtype}"
    elif given == "sizes" and call.args:
        factory, extra = "empty", ""  # empty makes the default dtype, as the constructor did
    else:
        return None
    span = _span(d, source)
    start = span[0]
    if source[start:start + len(callee)] != callee or source[span[1] - 1] != ")":
        return None
    inner = source[start + len(callee):span[1] - 1].rstrip()
    if inner.endswith(","):
        return None  # ``torch.Tensor(x,)``: an argument would follow a trailing comma
    row, column = _position(source, start)
    end_row, end_column = _position(source, start + len(callee))
    edits = [Edit(f"{torch_name}.{factory}", row, column, end_row, end_column)]
    if extra:
        row, column = _position(source, span[1] - 1)
        edits.append(Edit(extra, row, column, row, column))
    shown = f"{torch_name}.{factory}(...{extra})"
    return Fix(tuple(edits), SAFE, f"Use `{shown}` (the run saw {_SEEN[given]} every time)")


_SEEN = {"data": "a list of numbers", "ndarray": "a numpy array", "sizes": "sizes"}


def _evident(d: Diagnostic, fix: Fix | None, count: int) -> Diagnostic:
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
    # The comment goes where a comment can: after the last of the rows Python joins with
    # the call's (the end of its row could be inside a string, or after a backslash).
    # Where the rows cannot be worked out, none is written: it only explains the fix.
    runs = joined_rows(source)
    if runs is not None:
        starts = line_starts(source)
        last = runs.get(d.end_line, (d.end_line, d.end_line))[1]
        line_end = starts[last] if last < len(starts) else len(source)
        while line_end > span[1] and source[line_end - 1] in "\r\n":
            line_end -= 1
        if "#" not in source[span[1]:line_end]:
            end_row, end_column = _position(source, line_end)
            edits.append(Edit("  # legacy-variable: the file holds a whole pickled model (seen at run time)",
                              end_row, end_column, end_row, end_column))
    return Fix(tuple(edits), UNSAFE,
               "Pass `weights_only=False`: the run showed a whole pickled model (trusted files only)")
