"""Typed constructors and type names: LV107 (``torch.FloatTensor(...)``), LV108
(``.type(torch.FloatTensor)``), LV118 (``torch.range``), LV208 (integer dtype with
``requires_grad=True`` in a factory call)."""

from __future__ import annotations

import ast

from ...diagnostics import SAFE, UNSAFE
from ...rules import Code
from . import torch_api as api
from .context import Context
from .dataflow import (
    COMPUTED,
    FRESH,
    LEAF_RG,
    keyword,
    literal,
    numeric_literal,
    requires_grad_arg,
)
from .events import Event
from .fixes import append_argument, make_fix
from .flow import ScopeFlow
from .names import Scope, qualname
from .variable import makes_int64


def check_legacy_constructor(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    sm = ctx.sm
    dtype, device = api.LEGACY_TENSOR_TYPES[q]
    torch_name = ctx.torch_name(scope)
    fix = None
    if torch_name is not None and not call.keywords:
        args = call.args
        if len(args) == 1 and args[0].__class__ in (ast.List, ast.Tuple) \
                and numeric_literal(args[0]):
            factory = "tensor"
        elif args and all(literal(a).__class__ is int and literal(a) >= 0 for a in args):
            factory = "empty"
        else:
            factory = None
        if factory is not None:
            fix = _constructor_fix(ctx, call, q, factory, torch_name, dtype, device)
    ctx.add(sm.diagnostic(Code.LEGACY_TENSOR_CONSTRUCTOR, call, fix, callee=sm.text(call.func)))


def default_dtype_spelling(ctx: Context, torch_name: str) -> str:
    """How a fix names the dtype ``torch.Tensor`` / ``torch.range`` make: float32 only where
    the project is known never to change the default (``set_default_dtype`` /
    ``set_default_tensor_type`` nowhere); else the form that is right under any default."""
    if ctx.project.default_is_float32:
        return f"{torch_name}.float32"
    return f"{torch_name}.get_default_dtype()"


def _floats_only(node: ast.AST) -> bool:
    return all(literal(e).__class__ is float for e in node.elts)


def _constructor_fix(ctx: Context, call: ast.Call, q: str, factory: str, torch_name: str,
                     dtype: str, device: str | None):
    sm = ctx.sm
    applicability = SAFE
    if q == "torch.Tensor":
        # The default tensor type: its dtype is whatever the project set. ``empty`` and a
        # float literal list make the default dtype themselves: no dtype is written.
        if factory == "empty" or _floats_only(call.args[0]):
            extra = None
        else:
            extra = f"dtype={default_dtype_spelling(ctx, torch_name)}"
    else:
        extra = f"dtype={torch_name}.{dtype}" + (f", device='{device}'" if device else "")
        if not device and ctx.project.known and not ctx.project.default_is_cpu:
            # The project may make a CUDA type the default: ``torch.FloatTensor`` still
            # makes a CPU tensor, ``torch.tensor`` would not.
            applicability = UNSAFE
    edits = [sm.replace_node(call.func, f"{torch_name}.{factory}")]
    if extra is not None:
        edits.append(append_argument(sm, call, extra))
    shown = f"{torch_name}.{factory}(...{', ' + extra if extra else ''})"
    return make_fix(edits, applicability, f"Use `{shown}`")


def _type_name(node: ast.AST, scope: Scope) -> str | None:
    if node.__class__ is ast.Constant and node.value.__class__ is str:
        return node.value if node.value in api.LEGACY_TENSOR_TYPES else None
    q = qualname(node, scope)
    return q if q in api.LEGACY_TENSOR_TYPES and q != "torch.Tensor" else None


def check_type_cast(flow: ScopeFlow, event: Event) -> None:
    """LV108, in the scope's flow: whether the fix is safe depends on what the receiver is
    known to be at the call."""
    ctx, scope, call = flow.ctx, flow.scope, event.node
    if len(call.args) != 1 or call.keywords:
        return
    type_name = _type_name(call.args[0], scope)
    sm = ctx.sm
    if type_name is None:
        if call.args[0].__class__ is ast.Name and ctx.legacy_tensor_type(call.args[0], scope):
            # ``x.type(Tensor)`` with ``Tensor = torch.cuda.FloatTensor if cuda else ...``:
            # the target device is decided at run time, so no fix.
            ctx.add(sm.diagnostic(Code.LEGACY_TYPE_CAST, call, None,
                                  type_name=sm.text(call.args[0])))
        return
    dtype, device = api.LEGACY_TENSOR_TYPES[type_name]
    torch_name = ctx.torch_name(scope)
    fix = None
    if torch_name is not None:
        # ``.type(torch.FloatTensor)`` also moves a CUDA tensor to the CPU: say so.
        target = f"'{device or 'cpu'}', {torch_name}.{dtype}"
        # Exact only for a tensor: ``Module.type`` also casts integer buffers (BatchNorm's
        # ``num_batches_tracked``) that ``Module.to`` keeps, so an unknown receiver (it may
        # be a model) gets the fix as unsafe.
        receiver = flow.classifier.classify(call.func.value)
        exact = not device and receiver.kind in (FRESH, LEAF_RG, COMPUTED)
        fix = make_fix(
            [sm.replace(sm.attr_start(call.func), sm.end(call), f"to({target})")],
            SAFE if exact else UNSAFE,
            f"Use `.to({target})`",
        )
    ctx.add(sm.diagnostic(Code.LEGACY_TYPE_CAST, call, fix, type_name=sm.text(call.args[0])))


def check_torch_range(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    sm = ctx.sm
    fix = None
    args = call.args
    if 2 <= len(args) <= 3 and not call.keywords and call.func.__class__ is ast.Attribute:
        values = [literal(a) for a in args]
        step = values[2] if len(values) == 3 else 1
        if all(v.__class__ is int for v in values) and step != 0:
            torch_name = sm.text(call.func.value)
            end = values[1] + (1 if step > 0 else -1)
            fix = make_fix(
                [
                    sm.replace(sm.attr_start(call.func), sm.end(call.func), "arange"),
                    sm.replace_node(args[1], str(end)),
                    append_argument(sm, call, f"dtype={default_dtype_spelling(ctx, torch_name)}"),
                ],
                SAFE,
                "Use `arange` with the end made exclusive",
            )
    ctx.add(sm.diagnostic(Code.TORCH_RANGE, call, fix))


def check_factory_requires_grad(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    """LV208 for factories: ``torch.zeros(3, dtype=torch.long, requires_grad=True)``."""
    if requires_grad_arg(call) is not True:
        return
    kw = keyword(call, "dtype")
    integer = qualname(kw.value, scope) in api.INTEGER_DTYPES if kw is not None \
        else makes_int64(call, q)
    if integer:
        ctx.add(ctx.sm.diagnostic(Code.INTEGER_REQUIRES_GRAD, call))
