"""Loading and wrapping data the 0.3 way: LV119 (``TensorDataset(data_tensor=...)``) and
LV122 (``torch.load`` of a whole pickled checkpoint under ``weights_only=True``)."""

from __future__ import annotations

import ast

from ...diagnostics import SAFE
from ...rules import Code
from ..astwalk import children, walk
from .context import Context
from .dataflow import keyword
from .events import EventKind
from .fixes import arguments_in_order, make_fix
from .names import ModuleIndex, Scope

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
    for child in walk(node):
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


#: Methods only a module has: a loaded object they are called on is a whole pickled model.
_MODULE_METHODS = frozenset({"eval", "train", "parameters", "named_parameters", "forward",
                             "modules", "children", "named_modules", "zero_grad", "apply",
                             "load_state_dict"})


_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _own_calls(node: ast.AST):
    """The calls in a scope's own code, not in the functions and classes it defines."""
    stack = list(node.body) if node.__class__ is not ast.Lambda and hasattr(node, "body") \
        else [node.body]
    while stack:
        child = stack.pop()
        if isinstance(child, _NESTED):
            continue
        if child.__class__ is ast.Call:
            yield child
        stack.extend(children(child))


def _model_uses(index: ModuleIndex, scope: Scope, name: str, call: ast.Call | None,
                depth: int = 0) -> bool:
    """Whether ``name`` bound in ``scope`` (or ``call`` itself) is used as a model: called,
    ``.eval()`` / ``.parameters()``... on it, here, in a function that reads it as a global,
    or in a module-level function it is passed to (one level)."""
    for user in index.scopes:
        if user.kind in ("comprehension", "lambda") or (
                user is not scope and (name is None or user.owner(name) is not scope)):
            continue
        for node in _own_calls(user.node):
            func = node.func
            if func.__class__ is ast.Attribute and func.attr in _MODULE_METHODS:
                receiver = func.value
                if receiver is call or (name is not None and receiver.__class__ is ast.Name
                                        and receiver.id == name):
                    return True
            elif name is not None and func.__class__ is ast.Name:
                if func.id == name:
                    return True
                if depth == 0 and _passed_to_a_model_user(index, user, node, name):
                    return True
    return False


def _passed_to_a_model_user(index: ModuleIndex, user: Scope, node: ast.Call, name: str) -> bool:
    positions = [i for i, a in enumerate(node.args) if a.__class__ is ast.Name and a.id == name]
    if not positions:
        return False
    callee = node.func.id
    for target in index.scopes:
        fn = target.node
        if target.kind == "function" and target.parent is index.module \
                and fn.name == callee and user.owner(callee) is index.module:
            params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
            return any(i < len(params) and _model_uses(index, target, params[i], None, 1)
                       for i in positions)
    return False


def _used_as_module(index: ModuleIndex, call: ast.Call, scope: Scope) -> bool:
    """``torch.load(p).eval()``, or ``m = torch.load(p)`` (bound once in its scope) used
    as a model: the file holds a whole pickled model."""
    name = None
    for event in scope.events:
        if event.kind is EventKind.ASSIGN and event.value is call:
            name = event.name
            break
    if name is not None and len(scope.binding_events(name)) != 1:
        name = None  # rebound: a later use may be of something else
    # Rare enough (a script has a few loads) for a walk of the scopes that see the name.
    return _model_uses(index, scope, name, call)


def check_torch_load(ctx: Context, call: ast.Call, scope: Scope, q: str | None) -> None:
    if keyword(call, "weights_only") is not None or any(kw.arg is None for kw in call.keywords):
        return
    index = ctx.index
    if id(call) in index.state_dict_args:
        return  # a state_dict loads under weights_only=True
    path = call.args[0] if call.args else (keyword(call, "f").value if keyword(call, "f") else None)
    if path is None:
        return
    for event in scope.events:
        if event.kind is EventKind.ASSIGN and event.value is call \
                and event.name in index.state_dict_names:
            return  # ``state = torch.load(p); model.load_state_dict(state)``
    sm = ctx.sm
    file = f" of `{sm.text(path)}`"
    if _used_as_module(index, call, scope):
        # Whatever the path looks like (``torch.load(args.model)``): the code uses the
        # result as a model, so the file holds a whole pickled one, and it is refused.
        ctx.add(sm.diagnostic(Code.TORCH_LOAD_WEIGHTS_ONLY, call, None, file=file,
                              variant="whole_model"))
        return
    position = (call.lineno, call.col_offset)
    evidence = _names_a_checkpoint(path)
    if not evidence and path.__class__ is ast.Name:
        value = _latest_value(scope, path.id, position)
        evidence = value is not None and _names_a_checkpoint(value)
    if not evidence:
        return
    # A checkpoint-like name says nothing of what the file holds: a state_dict or a tensor
    # loads fine; only a pickled object (a model, an optimizer, a Namespace) is refused.
    ctx.add(sm.diagnostic(Code.TORCH_LOAD_WEIGHTS_ONLY, call, None, file=file,
                          variant="may_refuse"))
