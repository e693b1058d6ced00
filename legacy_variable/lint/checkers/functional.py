"""Renamed and deprecated ``torch.nn`` surface: LV113 (``size_average``/``reduce``), LV114
(implicit softmax dim), LV115 (deprecated functional), LV116 (non-inplace init), LV117
(``clip_grad_norm``)."""

from __future__ import annotations

import ast

from ...diagnostics import SAFE, UNSAFE
from ...rules import Code
from . import torch_api as api
from .context import Context
from .dataflow import ABSENT, keyword, literal
from .fixes import append_argument, arguments_in_order, make_fix, remove_argument
from .names import Scope


def _legacy_reduction(size_average, reduce) -> str | None:
    """torch's own mapping (``_Reduction.legacy_get_string``) for literal values."""
    if size_average not in (True, False, None, ABSENT) or reduce not in (True, False, None, ABSENT):
        return None
    size_average = True if size_average in (None, ABSENT) else size_average
    reduce = True if reduce in (None, ABSENT) else reduce
    if size_average and reduce:
        return "mean"
    if reduce:
        return "sum"
    return "none"


def check_reduction_kwargs(ctx: Context, call: ast.Call, scope: Scope, q: str | None) -> None:
    if q is None or not (api.is_loss_module(q) or q.startswith("torch.nn.functional.")):
        return
    size_kw = keyword(call, "size_average")
    reduce_kw = keyword(call, "reduce")
    if size_kw is None and reduce_kw is None:
        return
    sm = ctx.sm
    value = _legacy_reduction(
        literal(size_kw.value) if size_kw is not None else ABSENT,
        literal(reduce_kw.value) if reduce_kw is not None else ABSENT,
    )
    present = sorted(
        [kw for kw in (size_kw, reduce_kw) if kw is not None],
        key=lambda kw: (kw.lineno, kw.col_offset),
    )
    first = present[0]
    second = present[1] if len(present) > 1 else None
    fix = None
    if value is not None and keyword(call, "reduction") is None:
        replacement = f"reduction='{value}'"
        if second is None:
            edits = [sm.replace_node(first, replacement)]
        else:
            items = arguments_in_order(call)
            if items.index(second) == items.index(first) + 1:
                edits = [sm.replace(sm.start(first), sm.end(second), replacement)]
            else:
                edits = [sm.replace_node(first, replacement), remove_argument(sm, call, second)]
        fix = make_fix(edits, SAFE, f"Use `{replacement}`")
    ctx.add(sm.diagnostic(Code.LOSS_REDUCTION_KWARGS, first, fix,
                          reduction=f"'{value}'" if value is not None else None))


def check_softmax(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    if any(kw.arg is None or kw.arg == "dim" and literal(kw.value) is not None
           for kw in call.keywords):
        return
    if any(a.__class__ is ast.Starred for a in call.args):
        return
    if q in api.SOFTMAX_FUNCTIONS:
        if len(call.args) >= 2:
            return
    elif call.args:
        return
    ctx.add(ctx.sm.diagnostic(Code.IMPLICIT_SOFTMAX_DIM, call, None, callee=ctx.sm.text(call.func)))


#: LV115's callees: renamed to ``torch.*`` or folded into ``interpolate``.
DEPRECATED_FUNCTIONAL = frozenset({
    "torch.nn.functional.sigmoid", "torch.nn.functional.tanh", "torch.nn.functional.upsample",
    "torch.nn.functional.upsample_bilinear", "torch.nn.functional.upsample_nearest",
})
_FUNCTIONAL_RENAMES = {
    "torch.nn.functional.sigmoid": "sigmoid",
    "torch.nn.functional.tanh": "tanh",
}


def check_deprecated_functional(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    sm = ctx.sm
    func = call.func
    callee = sm.text(func)
    name = q.rpartition(".")[2]
    fix = None
    if q in _FUNCTIONAL_RENAMES:
        torch_name = ctx.torch_name(scope)
        replacement = f"{torch_name or 'torch'}.{name}"
        if torch_name is not None:
            fix = make_fix([sm.replace_node(func, replacement)], SAFE, f"Use `{replacement}`")
    else:
        attribute = func.__class__ is ast.Attribute
        prefix = sm.text(func.value) + "." if attribute else ""
        replacement = prefix + "interpolate"
        if attribute:
            rename = sm.replace(sm.attr_start(func), sm.end(func), "interpolate")
            if name == "upsample":
                fix = make_fix([rename], SAFE, "Use `interpolate`")
            elif not any(kw.arg in (None, "mode", "align_corners") for kw in call.keywords):
                extra = "mode='bilinear', align_corners=True" if name == "upsample_bilinear" \
                    else "mode='nearest'"
                fix = make_fix([rename, append_argument(sm, call, extra)], UNSAFE,
                               f"Use `interpolate(..., {extra})`")
                replacement += f"(..., {extra})"
    ctx.add(sm.diagnostic(Code.DEPRECATED_FUNCTIONAL, call, fix, callee=callee,
                          replacement=replacement))


def check_non_inplace_init(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    """LV116: ``init.xavier_uniform(w)`` for ``init.xavier_uniform_(w)``."""
    _underscore_rename(ctx, call, Code.NON_INPLACE_INIT)


def check_clip_grad_norm(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    """LV117: ``clip_grad_norm(...)`` for ``clip_grad_norm_(...)``."""
    _underscore_rename(ctx, call, Code.CLIP_GRAD_NORM)


def _underscore_rename(ctx: Context, call: ast.Call, code: Code) -> None:
    """The deprecated name is the in-place one without its trailing underscore."""
    sm = ctx.sm
    func = call.func
    fix = None
    if func.__class__ is ast.Attribute:
        fix = make_fix([sm.insert(sm.end(func), "_")], SAFE, f"Use `{func.attr}_`")
    ctx.add(sm.diagnostic(code, call, fix, callee=sm.text(func)))
