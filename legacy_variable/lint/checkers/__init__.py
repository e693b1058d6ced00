"""Rule checkers over one parsed module.

Contract with the engine (``lint/engine.py``):

    check_module(tree: ast.Module, source: str, path: str, codes=None) -> list[Diagnostic]

``source`` is the decoded text exactly as in the file (original line endings); ``path``
is the display path; ``codes`` the selected rule codes (None: all). Diagnostics carry
1-based lines and 1-based *character* columns (ast's col_offset counts UTF-8 bytes:
convert), and fixes as ``Edit`` ranges in the same coordinates. The engine applies noqa,
fixes and output; checkers only find.

Which rule runs on what is declared once, in registry.py. One walk builds the index
(names.py) with the nodes the selected rules need; the per-call rules look only at those
candidates, the flow rules read each scope's events once (flow.py). Nothing here imports
torch.
"""

from __future__ import annotations

import ast
import gc
from typing import Iterable

from ...diagnostics import Diagnostic
from ...rules import RULES, Code
from ..project import FileFacts
from .context import Context
from .fixes import SourceMap
from .flow import WRAP_CALLEES, run_flows, wrap_events
from .names import ModuleIndex, qualname
from .registry import Plan, plan

__all__ = ["check_module"]


def check_module(tree: ast.Module, source: str, path: str,
                 codes: Iterable[str] | None = None, project: FileFacts | None = None) -> list[Diagnostic]:
    """``project``: what the rest of the checked tree says about this file (project.py);
    None: no project, the rules are conservative (``FileFacts.UNKNOWN``)."""
    selected = plan(codes)
    if project is None:
        project = FileFacts.UNKNOWN  # type: ignore[attr-defined]
    if not project.star_bindings and not any(text in source for text in selected.text):
        # No torch name can be bound, so no selected rule can fire.
        return []
    # The tree holds millions of objects on a large file; a full garbage collection
    # triggered by the checkers' small allocations would traverse all of them, repeatedly.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check(tree, source, path, selected, project)
    except RecursionError:
        # ast.parse accepts nesting (a 1500-term ``a + a + ...``) deeper than the
        # recursive walk can follow: the file is skipped, with a reason, not a crash.
        rule = RULES[Code.UNREADABLE_FILE]
        return [Diagnostic(rule.code.value, rule.format(detail="too deeply nested to check"),
                           path, 1, 1)]
    finally:
        if collecting:
            gc.enable()


def _check(tree: ast.Module, source: str, path: str, selected: Plan,
           project: FileFacts) -> list[Diagnostic]:
    index = ModuleIndex(tree, selected.filters, project.star_bindings)
    try:
        return _run_rules(index, source, path, selected, project)
    finally:
        index.release()


def _run_rules(index: ModuleIndex, source: str, path: str, selected: Plan,
               project: FileFacts | None = None) -> list[Diagnostic]:
    ctx = Context(index, SourceMap(source, path), project)
    wraps = _run_calls(ctx, index, selected)
    compares = selected.compares
    if compares:
        for node, scope in index.compares:
            for run in compares:
                run(ctx, node, scope)
    for run in selected.modules:
        run(ctx)
    if selected.handlers:
        run_flows(ctx, selected.handlers, wrap_events(wraps))

    diagnostics = ctx.diagnostics
    if project is not None and project.evidence:
        from .evidence import apply

        diagnostics = apply(diagnostics, source, dict(project.evidence), project.default_is_float32)
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics


def _run_calls(ctx: Context, index: ModuleIndex, selected: Plan) -> list:
    """Runs the per-call rules; returns the ``Variable(...)`` calls the flow wraps."""
    by_call, by_attr, by_keyword = selected.by_call, selected.by_attr, selected.by_keyword
    local_calls = selected.local_calls
    want_wraps = selected.wraps
    wraps = []
    for call, scope in index.calls:
        func = call.func
        cls = func.__class__
        q = None if cls is ast.Call else qualname(func, scope)
        if q is not None:
            runs = by_call.get(q)
            if runs is not None:
                for run in runs:
                    run(ctx, call, scope, q)
            if want_wraps and q in WRAP_CALLEES:
                wraps.append((call, scope))
        elif local_calls and cls is ast.Name:
            for run in local_calls:
                run(ctx, call, scope, None)
        if cls is ast.Attribute and by_attr:
            runs = by_attr.get(func.attr)
            if runs is not None:
                for run in runs:
                    run(ctx, call, scope, q)
        if call.keywords and by_keyword:
            done = None
            for kw in call.keywords:
                runs = by_keyword.get(kw.arg)
                if runs is None:
                    continue
                for run in runs:
                    if done is None:
                        done = set()
                    elif run in done:
                        continue
                    done.add(run)
                    run(ctx, call, scope, q)
    return wraps
