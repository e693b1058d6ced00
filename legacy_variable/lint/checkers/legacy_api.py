"""Legacy call forms with a direct modern spelling: LV104 (``loss.data[0]``), LV105
(``**{'async': True}``), LV106 (``retain_variables=``), LV109 (``.grad.data.zero_()``),
LV111 (``.volatile``), LV112 (legacy ``autograd.Function``), LV206 (``require_grad``)."""

from __future__ import annotations

import ast
import re

from ...diagnostics import SAFE, UNSAFE
from ...rules import Code
from ..astwalk import walk
from . import torch_api as api
from .context import Context
from .dataflow import Classifier, Fact, NONTENSOR
from .events import Event, EventKind
from .flow import ScopeFlow
from .fixes import make_fix
from .names import Scope, qualname

# ``loss``, ``d_loss``, ``loss_G``, ``lossD``, ``total_loss``; not ``losses`` nor ``lossy``.
_LOSS_NAME = re.compile(r"^(?:\w+_)?(?i:loss)(?:_\w+|[A-Z0-9]\w*)?$")


# ---------------------------------------------------------------------------- LV104
def check_scalar_index(flow: ScopeFlow, event: Event) -> None:
    """Report ``x.data[0]`` / ``x[0]`` given what the scope's flow knows about ``x``."""
    node = event.node
    receiver_name = event.name
    if receiver_name is None:
        value = node.value
        if value.__class__ is ast.Attribute and value.attr == "data":
            value = value.value
        fact = flow.classifier.classify(value)
    else:
        fact = flow.facts.get(receiver_name)
    if event.indexed_again and (fact is None or not fact.zero_dim):
        if receiver_name is not None and _dim_reduced(flow.scope, receiver_name):
            # ``_, predict = torch.max(output, 1)`` then ``predict.data[0][0]``: 0.1's
            # ``max(dim)`` kept the dimension; today ``predict`` is 1-D, ``predict.data[0]``
            # 0-dim, and the second ``[0]`` raises. What was meant is not known: no fix.
            flow.ctx.add(flow.ctx.sm.diagnostic(Code.SCALAR_DATA_INDEX, node, None))
        return
    _scalar_index(flow.ctx, node, flow.scope, fact, receiver_name)


_DIM_REDUCTIONS = frozenset({"max", "min"})


def _dim_reduction(node: ast.AST) -> bool:
    """``torch.max(x, 1)`` / ``x.max(1)`` / ``x.max(dim=1)`` without ``keepdim=True``: the
    (values, indices) pair of a reduction along a dimension."""
    if node.__class__ is not ast.Call or node.func.__class__ is not ast.Attribute \
            or node.func.attr not in _DIM_REDUCTIONS:
        return False
    if any(kw.arg == "keepdim" for kw in node.keywords):
        return False
    receiver = node.func.value
    on_module = receiver.__class__ is ast.Name and receiver.id in ("torch", "t", "th")
    positional = len(node.args) - (1 if on_module else 0)
    dims = positional == 1 or any(kw.arg == "dim" for kw in node.keywords)
    return dims and positional <= 1


def _dim_reduced(scope: Scope, name: str) -> bool:
    """``name`` bound once, to an element of a dimension reduction's pair."""
    events = scope.binding_events(name)
    if len(events) != 1:
        return False
    for stmt in walk(scope.node):
        if stmt.__class__ is not ast.Assign or len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        if target.__class__ is ast.Tuple and len(target.elts) == 2 and _dim_reduction(value):
            if any(e.__class__ is ast.Name and e.id == name for e in target.elts):
                return True
        elif target.__class__ is ast.Name and target.id == name \
                and value.__class__ is ast.Subscript and _dim_reduction(value.value) \
                and value.slice.__class__ is ast.Constant and value.slice.value in (0, 1):
            return True
    return False


def _scalar_index(ctx: Context, node: ast.Subscript, scope: Scope, fact: Fact | None,
                  receiver_name: str | None) -> None:
    through_data = node.value.__class__ is ast.Attribute and node.value.attr == "data"
    receiver = node.value.value if through_data else node.value
    if fact is None:
        fact = Classifier(scope, {}).classify(receiver)
    if fact.kind == NONTENSOR or receiver_name in ("self", "cls"):
        return
    sm = ctx.sm
    if fact.zero_dim:
        if through_data:
            # ``loss.data[0]`` -> ``loss.item()``: the dot stays, whatever parentheses precede it.
            edit = sm.replace(sm.attr_start(node.value), sm.end(node), "item()")
        else:
            # The slice node starts inside any parentheses of its own (``x[(0)]``).
            bracket = sm.offset(sm.start(node.slice)) - 1
            while sm.source[bracket] in " \t(":
                bracket -= 1
            edit = None
            if sm.source[bracket] == "[":  # not past a comment or line break
                while sm.source[bracket - 1] in " \t":  # ``x [0]``: the gap goes too
                    bracket -= 1
                edit = sm.replace(sm.position(bracket), sm.end(node), ".item()")
        fix = make_fix([edit], SAFE, "Use `.item()`") if edit is not None else None
        ctx.add(sm.diagnostic(Code.SCALAR_DATA_INDEX, node, fix))
        return
    if _loss_named(receiver):
        # Shape unknown, but named as a loss (``loss``, ``d_loss``, ``state['loss']``), and
        # losses are 0-dim since 0.4. Any other receiver of unknown shape is not reported:
        # on 2017 code ``out.data[0]`` (a batch), ``.view(-1).data[0]`` and shape-(1,)
        # outputs are right as they are, and guessing was wrong more often than not. No
        # fix (``[0]`` is right in 1-D); the message says only what the name suggests.
        ctx.add(sm.diagnostic(Code.SCALAR_DATA_INDEX, node, None, variant="unknown_shape"))


def _loss_named(receiver: ast.AST) -> bool:
    """``loss``, ``d_loss``, ``loss_G``, ``lossD``, ``self.loss``, ``state['loss']``."""
    cls = receiver.__class__
    if cls is ast.Name:
        name = receiver.id
    elif cls is ast.Attribute:
        name = receiver.attr
    elif cls is ast.Subscript and receiver.slice.__class__ is ast.Constant \
            and receiver.slice.value.__class__ is str:
        name = receiver.slice.value
    else:
        return False
    return _LOSS_NAME.match(name) is not None


# ---------------------------------------------------------------------------- LV105
def check_async_unpacking(ctx: Context, call: ast.Call, scope: Scope, q: str | None) -> None:
    for kw in call.keywords:
        if kw.arg is not None or kw.value.__class__ is not ast.Dict:
            continue
        keys = kw.value.keys
        hits = [i for i, k in enumerate(keys)
                if k is not None and k.__class__ is ast.Constant and k.value == "async"]
        if not hits:
            continue
        sm = ctx.sm
        fix = None
        if len(keys) == 1:
            value = sm.text(kw.value.values[0])
            fix = make_fix([sm.replace_node(kw, f"non_blocking={value}")], SAFE,
                           "Use `non_blocking=`")
        ctx.add(sm.diagnostic(Code.ASYNC_KEYWORD, kw, fix))


# ---------------------------------------------------------------------------- LV106
def check_retain_variables(ctx: Context, call: ast.Call, scope: Scope, q: str | None) -> None:
    func = call.func
    if not (func.__class__ is ast.Attribute and func.attr == "backward"
            or q in api.AUTOGRAD_BACKWARD):
        return
    for kw in call.keywords:
        if kw.arg == "retain_variables":
            sm = ctx.sm
            start = sm.start(kw)
            end = (start[0], start[1] + len("retain_variables"))
            fix = make_fix([sm.replace(start, end, "retain_graph")], SAFE, "Use `retain_graph=`")
            ctx.add(sm.diagnostic(Code.RETAIN_VARIABLES, kw, fix))


# ---------------------------------------------------------------------------- LV109
def check_grad_data_zero(ctx: Context, call: ast.Call, scope: Scope, q: str | None) -> None:
    data = call.func.value
    if call.args or call.keywords or data.__class__ is not ast.Attribute or data.attr != "data":
        return
    grad = data.value
    if grad.__class__ is not ast.Attribute or grad.attr != "grad":
        return
    sm = ctx.sm
    fix = make_fix([sm.delete(sm.end(grad), sm.end(data))], SAFE, "Use `.grad.zero_()`")
    ctx.add(sm.diagnostic(Code.GRAD_DATA_ZERO, call, fix))


# ---------------------------------------------------------------------------- LV111
# ``self.volatile`` of a user class, ``args.volatile`` of an argparse option.
_NOT_TENSOR_RECEIVERS = frozenset({"self", "cls", "args", "opt", "opts", "options", "config",
                                   "cfg", "conf", "flags", "FLAGS", "hparams", "params"})


def check_volatile_attributes(ctx: Context) -> None:
    if not ctx.index.volatile_attrs or not ctx.imports_torch:
        return
    for node, scope in ctx.index.volatile_attrs:
        receiver = node.value
        # A user class's own ``self.volatile`` is not the tensor attribute.
        if receiver.__class__ is ast.Name and receiver.id in _NOT_TENSOR_RECEIVERS:
            continue
        ctx.add(ctx.sm.diagnostic(Code.VOLATILE_ATTRIBUTE, node))


# ---------------------------------------------------------------------------- LV206
def check_require_grad_typo(ctx: Context) -> None:
    sm = ctx.sm
    if ctx.index.require_grad_loads or not ctx.index.require_grad_stores \
            or not ctx.imports_torch:
        # The module reads ``.require_grad`` too: it is the author's own attribute.
        return
    for node, scope in ctx.index.require_grad_stores:
        receiver = node.value
        if receiver.__class__ is ast.Name and receiver.id in ("self", "cls"):
            continue  # a user class's own flag (read in another module, perhaps)
        fix = make_fix([sm.replace(sm.attr_start(node), sm.end(node), "requires_grad")], SAFE,
                       "Use `requires_grad`")
        ctx.add(sm.diagnostic(Code.REQUIRE_GRAD_TYPO, node, fix, target=sm.text(node.value)))


# ---------------------------------------------------------------------------- LV112
_STATIC_DECORATORS = frozenset({"staticmethod", "classmethod"})


def _legacy_function_classes(ctx: Context) -> dict[int, ast.ClassDef]:
    classes = {}
    for node, scope in ctx.index.classes:
        if any(qualname(base, scope) == api.FUNCTION for base in node.bases):
            classes[id(node)] = node
    return classes


def _is_static(fn: ast.FunctionDef) -> bool:
    for decorator in fn.decorator_list:
        if decorator.__class__ is ast.Name and decorator.id in _STATIC_DECORATORS:
            return True
    return False


def check_legacy_functions(ctx: Context) -> None:
    """Subclasses of ``autograd.Function`` with instance ``forward``/``backward``, and the
    call forms that use such a class through an instance."""
    classes = _legacy_function_classes(ctx) if ctx.index.classes else None
    if not classes:
        return
    _check_definitions(ctx, classes)
    calls = ctx.index.calls
    called = {id(call.func) for call, _ in calls if call.func.__class__ is ast.Call}
    for call, scope in calls:
        func = call.func
        if func.__class__ is ast.Call:
            _check_instance_call(ctx, call, scope, classes)
        elif func.__class__ is ast.Name and scope.lookup(func.id).__class__ is not str:
            _check_instantiation(ctx, call, scope, classes, called)


def _check_definitions(ctx: Context, classes: dict[int, ast.ClassDef]) -> None:
    sm = ctx.sm
    for cls in classes.values():
        has_init = any(
            stmt.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef) and stmt.name == "__init__"
            for stmt in cls.body
        )
        for fn in cls.body:
            if fn.__class__ is not ast.FunctionDef or fn.name not in ("forward", "backward"):
                continue
            if _is_static(fn):
                continue
            fix = None if has_init else _static_fix(ctx, fn)
            start = sm.start(fn)
            ctx.add(sm.diagnostic(Code.LEGACY_AUTOGRAD_FUNCTION, start, fix,
                                  end=(start[0], start[1] + 4 + len(fn.name)),
                                  method=fn.name, cls=cls.name))


def _static_fix(ctx: Context, fn: ast.FunctionDef):
    sm = ctx.sm
    args = fn.args
    if args.posonlyargs or not args.args:
        return None
    first = args.args[0].arg
    for node in walk(fn):
        if node is not fn and node.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef,
                                                 ast.Lambda, ast.ClassDef):
            return None
    edits = []
    if first != "ctx":
        uses = [n for n in walk(fn) if n.__class__ is ast.Name and n.id in (first, "ctx")]
        if any(n.id == "ctx" for n in uses):
            return None
        edits.append(sm.replace(sm.start(args.args[0]),
                                (args.args[0].lineno,
                                 sm.start(args.args[0])[1] + len(first)), "ctx"))
        edits.extend(sm.replace_node(n, "ctx") for n in uses)
    top = fn.decorator_list[0] if fn.decorator_list else fn
    row = top.lineno
    line = sm.line_text(row)
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    newline = line[len(line.rstrip("\r\n")):] or "\n"
    edits.append(sm.insert((row, len(indent) + 1), "@staticmethod" + newline + indent))
    return make_fix(edits, UNSAFE, "Make the method static with `ctx`")


def _check_instance_call(ctx: Context, call: ast.Call, scope: Scope,
                         classes: dict[int, ast.ClassDef]) -> None:
    inner = call.func
    if inner.func.__class__ is not ast.Name:
        return
    target = scope.lookup(inner.func.id)
    if target.__class__ is not ast.ClassDef or id(target) not in classes:
        return
    sm = ctx.sm
    fix = None
    if not inner.args and not inner.keywords:
        fix = make_fix([sm.replace_node(inner, f"{inner.func.id}.apply")], UNSAFE,
                       f"Call `{inner.func.id}.apply(...)`")
    ctx.add(sm.diagnostic(Code.LEGACY_AUTOGRAD_FUNCTION, call, fix, method="forward",
                          cls=inner.func.id))


def _check_instantiation(ctx: Context, call: ast.Call, scope: Scope,
                         classes: dict[int, ast.ClassDef], called: set[int]) -> None:
    """``relu = MyReLU()`` (called later as ``relu(x)``): the instance is the legacy call
    form. ``MyReLU()(x)`` is reported by ``_check_instance_call`` instead."""
    if id(call) in called:
        return
    target = scope.lookup(call.func.id)
    if target.__class__ is not ast.ClassDef or id(target) not in classes:
        return
    if not any(fn.__class__ is ast.FunctionDef and fn.name == "forward" and not _is_static(fn)
               for fn in target.body):
        return  # a modern Function's instance may be used for its static `.apply`
    sm = ctx.sm
    fix = None
    if not call.args and not call.keywords:
        assigned = [event for event in scope.events
                    if event.kind is EventKind.ASSIGN and event.value is call]
        if len(assigned) == 1:
            # The name then holds what the call site needs: the function itself.
            fix = make_fix([sm.replace_node(call, f"{call.func.id}.apply")], UNSAFE,
                           f"Bind `{call.func.id}.apply` instead of an instance")
    ctx.add(sm.diagnostic(Code.LEGACY_AUTOGRAD_FUNCTION, call, fix, method="forward",
                          cls=call.func.id))
