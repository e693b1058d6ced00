"""0.3 idioms found by the second round of legacy suites: LV124 (``.numpy()[0]`` of a
0-dim value), LV125 (``type(x).is_cuda``), LV126 (``.byte()`` masks), LV127
(``isinstance(x.data, Variable)`` unwrapping)."""

from __future__ import annotations

import ast
import re

from ...diagnostics import SAFE
from ...rules import Code
from ..astwalk import walk
from .context import Context
from .events import Event
from .fixes import make_fix
from .flow import ScopeFlow
from .names import qualname
from .torch_api import VARIABLE

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


# ---------------------------------------------------------------------------- LV125
_CLASS_ATTRIBUTES = frozenset({"is_cuda", "is_sparse"})
#: Receivers that need no parentheses once written in front of `.is_cuda`.
_ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript)


def check_tensor_class_attribute(ctx: Context) -> None:
    """``type(x).is_cuda`` / ``x.__class__.is_cuda`` / ``torch.Tensor.is_cuda``."""
    source = ctx.sm.source
    if "is_cuda" not in source and "is_sparse" not in source:
        return  # the walk below is this rule's own: skip it where it cannot find anything
    scope = ctx.index.module
    sm = ctx.sm
    for node in walk(ctx.index.tree):
        if node.__class__ is not ast.Attribute or node.attr not in _CLASS_ATTRIBUTES \
                or node.ctx.__class__ is not ast.Load:
            continue
        owner = node.value
        instance = None
        if owner.__class__ is ast.Call and len(owner.args) == 1 and not owner.keywords \
                and owner.func.__class__ is ast.Name and owner.func.id == "type" \
                and "type" not in scope.bindings:
            instance = owner.args[0]
        elif owner.__class__ is ast.Attribute and owner.attr == "__class__":
            instance = owner.value
        elif qualname(owner, scope) != "torch.Tensor":
            continue
        fix = None
        if instance is not None:
            text = sm.text(instance)
            if not isinstance(instance, _ATOMS):
                text = f"({text})"
            fix = make_fix([sm.replace_node(node, f"{text}.{node.attr}")], SAFE,
                           f"Read `.{node.attr}` on the tensor")
        ctx.add(sm.diagnostic(Code.TENSOR_CLASS_ATTRIBUTE, node, fix, attribute=node.attr))


# ---------------------------------------------------------------------------- LV126
_MASKED_METHODS = frozenset({"masked_fill", "masked_fill_", "masked_select", "masked_scatter",
                             "masked_scatter_"})


def _byte_call(node: ast.AST) -> bool:
    return node.__class__ is ast.Call and not node.args and not node.keywords \
        and node.func.__class__ is ast.Attribute and node.func.attr == "byte"


def check_byte_mask(ctx: Context) -> None:
    """A ``.byte()`` call used directly as a mask: a ``masked_*`` argument or an index."""
    if ".byte()" not in ctx.sm.source:
        return
    sm = ctx.sm
    scope = ctx.index.module
    for node in walk(ctx.index.tree):
        mask = callee = None
        if node.__class__ is ast.Call and node.func.__class__ is ast.Attribute \
                and node.func.attr in _MASKED_METHODS:
            callee = node.func.attr
            is_torch_function = (qualname(node.func, scope) or "").startswith("torch.")
            position = 1 if is_torch_function else 0
            if len(node.args) > position:
                mask = node.args[position]
            else:
                mask = next((kw.value for kw in node.keywords if kw.arg == "mask"), None)
        elif node.__class__ is ast.Subscript and node.ctx.__class__ is not ast.Del:
            callee, mask = "indexing", node.slice  # `x[m.byte()] = 0` raises on 2.13 too
        if mask is None or not _byte_call(mask):
            continue
        edit = sm.replace(sm.attr_start(mask.func), sm.end(mask), "bool()")
        ctx.add(sm.diagnostic(Code.BYTE_MASK, mask, make_fix([edit], SAFE, "Use `.bool()`"),
                              callee=callee))


# ---------------------------------------------------------------------------- LV127
_TENSOR_CLASSES = frozenset({VARIABLE, "torch.Tensor"})
_UNWRAP_CHECK = re.compile(r"isinstance\(\s*(\w+)\s*,\s*[\w.]*(?:Variable|Tensor)\s*\)")


def _variable_check_of(test: ast.AST, scope) -> str | None:
    """``isinstance(name, Variable)`` -> ``name`` (also ``torch.Tensor``: what LV110's fix
    writes, and a loop that never ends on any version)."""
    if test.__class__ is ast.Call and test.func.__class__ is ast.Name \
            and test.func.id == "isinstance" and len(test.args) == 2 \
            and test.args[0].__class__ is ast.Name \
            and qualname(test.args[1], scope) in _TENSOR_CLASSES:
        return test.args[0].id
    return None


def _is_data_of(node: ast.AST, name: str) -> bool:
    return node.__class__ is ast.Attribute and node.attr == "data" \
        and node.value.__class__ is ast.Name and node.value.id == name


def check_data_is_not_variable(ctx: Context) -> None:
    """``while isinstance(x, Variable): x = x.data`` and the recursive
    ``if isinstance(x, Variable): return f(x.data)`` inside ``def f(x)``."""
    source = ctx.sm.source
    if not any(f"{m.group(1)}.data" in source for m in _UNWRAP_CHECK.finditer(source)):
        return  # no `isinstance(x, Variable)` with an `x.data` anywhere: skip the walk
    scope = ctx.index.module
    sm = ctx.sm
    for node in walk(ctx.index.tree):
        if node.__class__ is ast.While:
            name = _variable_check_of(node.test, scope)
            if name and any(
                stmt.__class__ is ast.Assign and len(stmt.targets) == 1
                and stmt.targets[0].__class__ is ast.Name and stmt.targets[0].id == name
                and _is_data_of(stmt.value, name)
                for stmt in node.body
            ):
                ctx.add(sm.diagnostic(Code.DATA_IS_NOT_VARIABLE, node.test))
        elif node.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef):
            for sub in walk(node):
                if sub.__class__ is not ast.If:
                    continue
                name = _variable_check_of(sub.test, scope)
                if name and any(
                    call.__class__ is ast.Call and call.func.__class__ is ast.Name
                    and call.func.id == node.name and call.args
                    and _is_data_of(call.args[0], name)
                    for stmt in sub.body for call in walk(stmt)
                ):
                    ctx.add(sm.diagnostic(Code.DATA_IS_NOT_VARIABLE, sub.test))
