"""Loading and wrapping data the 0.3 way: LV119 (``TensorDataset(data_tensor=...)``) and
LV122 (``torch.load`` of a whole pickled checkpoint under ``weights_only=True``)."""

from __future__ import annotations

import ast

from ...diagnostics import SAFE
from ...rules import Code
from .context import Context
from .dataflow import keyword
from .events import EventKind
from .fixes import arguments_in_order, make_fix
from .names import Scope

TENSOR_DATASET = "torch.utils.data.TensorDataset"
TORCH_LOAD = "torch.load"
_DATASET_KEYWORDS = ("data_tensor", "target_tensor")
_CHECKPOINT_SUFFIXES = (".pth", ".pt", ".pth.tar", ".pkl", ".ckpt")


def check_tensor_dataset(ctx: Context, call: ast.Call, scope: Scope, q: str | None) -> None:
    present = [kw for kw in call.keywords if kw.arg in _DATASET_KEYWORDS]
    if not present:
        return
    sm = ctx.sm
    by_name = {kw.arg: kw for kw in present}
    ordered = [by_name[name] for name in _DATASET_KEYWORDS if name in by_name]
    args = ", ".join(sm.text(kw.value) for kw in ordered)
    fix = None
    only_these = not call.args and len(call.keywords) == len(present)
    # ``target_tensor`` alone has no positional place: 0.3 needed both.
    if only_these and "data_tensor" in by_name:
        items = arguments_in_order(call)
        fix = make_fix([sm.replace(sm.start(items[0]), sm.end(items[-1]), args)], SAFE,
                       "Pass the tensors positionally")
    ctx.add(sm.diagnostic(Code.TENSOR_DATASET_KEYWORDS, present[0], fix, args=args))


def _names_a_checkpoint(node: ast.AST) -> bool:
    """A path expression with a checkpoint-like file name somewhere in its literal parts."""
    for child in ast.walk(node):
        if child.__class__ is ast.Constant and child.value.__class__ is str \
                and child.value.lower().endswith(_CHECKPOINT_SUFFIXES):
            return True
    return False


def _latest_value(scope: Scope, name: str, before: tuple) -> ast.AST | None:
    value = None
    for event in scope.events:
        if event.position >= before:
            break
        if event.name == name:
            value = event.value if event.kind is EventKind.ASSIGN else None
    return value


def check_torch_load(ctx: Context, call: ast.Call, scope: Scope, q: str | None) -> None:
    if keyword(call, "weights_only") is not None or any(kw.arg is None for kw in call.keywords):
        return
    index = ctx.index
    if id(call) in index.state_dict_args:
        return  # a state_dict loads under weights_only=True
    path = call.args[0] if call.args else (keyword(call, "f").value if keyword(call, "f") else None)
    if path is None:
        return
    position = (call.lineno, call.col_offset)
    evidence = _names_a_checkpoint(path)
    if not evidence and path.__class__ is ast.Name:
        value = _latest_value(scope, path.id, position)
        evidence = value is not None and _names_a_checkpoint(value)
    if not evidence:
        return
    for event in scope.events:
        if event.kind is EventKind.ASSIGN and event.value is call \
                and event.name in index.state_dict_names:
            return  # ``state = torch.load(p); model.load_state_dict(state)``
    sm = ctx.sm
    ctx.add(sm.diagnostic(Code.TORCH_LOAD_WEIGHTS_ONLY, call, None, file=f" of `{sm.text(path)}`"))
