"""0.3 idioms found by the second round of legacy suites: LV124 (``.numpy()[0]`` of a
0-dim value)."""

from __future__ import annotations

import ast

from ...diagnostics import SAFE
from ...rules import Code
from .events import Event
from .fixes import make_fix
from .flow import ScopeFlow

# ---------------------------------------------------------------------------- LV124
#: Conversions whose ``[0]`` took 0.3's 1-element result apart.
_CONVERSIONS = frozenset({"numpy", "tolist"})
#: No-argument steps between the value and the conversion that keep its shape.
_SHAPE_KEEPING = frozenset({"cpu", "detach", "clone", "contiguous"})


def _converted_value(node: ast.Subscript) -> tuple[ast.AST, str] | None:
    """``x.data.cpu().numpy()[0]`` -> (``x``, "numpy"); None when not that shape."""
    call = node.value
    if call.__class__ is not ast.Call or call.args or call.keywords:
        return None
    func = call.func
    if func.__class__ is not ast.Attribute or func.attr not in _CONVERSIONS:
        return None
    conversion = func.attr
    value = func.value
    while True:
        if value.__class__ is ast.Attribute and value.attr == "data":
            value = value.value
        elif value.__class__ is ast.Call and not value.args and not value.keywords \
                and value.func.__class__ is ast.Attribute \
                and value.func.attr in _SHAPE_KEEPING:
            value = value.func.value
        else:
            return value, conversion


def check_numpy_scalar_index(flow: ScopeFlow, event: Event) -> None:
    """Report ``loss.data.numpy()[0]`` / ``loss.tolist()[0]`` where the value is shown
    0-dim (a loss, a full reduction): 0.3 gave a 1-element array or list there."""
    if event.indexed_again:
        return
    node = event.node
    found = _converted_value(node)
    if found is None:
        return
    value, conversion = found
    if value.__class__ is ast.Name:
        fact = flow.facts.get(value.id) or flow.classifier.classify(value)
    else:
        fact = flow.classifier.classify(value)
    if fact is None or not fact.zero_dim:
        return  # `[0]` of a 1-D array is correct modern code: precision first
    sm = flow.ctx.sm
    fix = make_fix([sm.replace(sm.end(value), sm.end(node), ".item()")], SAFE, "Use `.item()`")
    flow.ctx.add(sm.diagnostic(Code.NUMPY_SCALAR_INDEX, node, fix, conversion=conversion))
