"""Shape changes since 0.4 that the code shows: LV120 (``dot`` of multi-dimensional
tensors) and LV123 (a full reduction printed as a tensor). Both need what the scope's
dataflow knows about the operands, so the flow in misconceptions.py calls them."""

from __future__ import annotations

import ast
import re

from ...diagnostics import UNSAFE
from . import torch_api as api
from .context import Context
from .dataflow import Classifier
from .fixes import is_atom, make_fix
from .names import Scope, qualname

# printf-style conversions: flags, width, precision, length, then the conversion letter.
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(.)")


def check_dot(ctx: Context, call: ast.Call, scope: Scope, classifier: Classifier) -> None:
    func = call.func
    q = qualname(func, scope)
    if q == "torch.dot" and len(call.args) == 2 and not call.keywords:
        left, right = call.args
    elif q is None and len(call.args) == 1 and not call.keywords:
        left, right = func.value, call.args[0]
    else:
        return
    facts = [classifier.classify(left), classifier.classify(right)]
    if not any(f.tensor for f in facts) or any(f.kind == "nontensor" for f in facts):
        return
    ndims = [f.ndim for f in facts if f.tensor and f.ndim is not None]
    if not ndims or max(ndims) < 2:
        return
    sm = ctx.sm
    left_text, right_text = sm.text(left), sm.text(right)
    if left_text == right_text:
        operand = left_text if is_atom(left) else f"({left_text})"
        product = f"{operand} * {operand}"
    else:
        flat = [(text if is_atom(node) else f"({text})") + ".reshape(-1)"
                for node, text in ((left, left_text), (right, right_text))]
        product = " * ".join(flat)
    fix = make_fix([sm.replace_node(call, f"({product}).sum()")], UNSAFE,
                   "Use `(a * b).sum()`, what 0.3 computed")
    known = sorted({n for n in ndims})
    shapes = " and ".join(f"{n}-D" for n in known)
    ctx.add(sm.diagnostic("LV120", call, fix, callee=sm.text(func), shapes=shapes))


def _is_full_reduction(node: ast.AST, scope: Scope, classifier: Classifier) -> bool:
    if node.__class__ is not ast.Call or node.keywords:
        return False
    func = node.func
    q = qualname(func, scope) if func.__class__ in (ast.Name, ast.Attribute) else None
    if q is not None:
        return q in api.REDUCTION_FUNCTIONS and len(node.args) == 1
    if func.__class__ is ast.Attribute and func.attr in api.REDUCTION_METHODS and not node.args:
        return classifier.classify(func.value).tensor
    return False


def _report_reduction(ctx: Context, node: ast.Call) -> None:
    sm = ctx.sm
    text = sm.text(node)
    fix = make_fix([sm.insert(sm.end(node), ".item()")], UNSAFE, "Print the number with `.item()`")
    ctx.add(sm.diagnostic("LV123", node, fix, expr=text))


def check_print(ctx: Context, call: ast.Call, scope: Scope, classifier: Classifier) -> None:
    if scope.lookup("print") != "builtins.print":
        return
    for arg in call.args:
        if _is_full_reduction(arg, scope, classifier):
            _report_reduction(ctx, arg)


def check_percent_format(ctx: Context, node: ast.BinOp, scope: Scope,
                         classifier: Classifier) -> None:
    conversions = [c for c in _CONVERSION.findall(node.left.value) if c != "%"]
    right = node.right
    values = right.elts if right.__class__ is ast.Tuple else [right]
    if len(values) != len(conversions):
        return
    for conversion, value in zip(conversions, values):
        if conversion in "sr" and _is_full_reduction(value, scope, classifier):
            _report_reduction(ctx, value)
