"""LV210: an optimizer step between two backward passes over one graph.

Precision first: reported only where one statement block shows all of it, in order --

1. ``a.backward(retain_graph=True)`` (or ``retain_variables=True``): the graph survives;
2. ``opt.step()`` on an optimizer (bound to a ``torch.optim`` class, or named like one:
   ``opt``, ``optimizer``, ``D_solver``);
3. ``b.backward()``, where ``a`` and ``b`` both derive from one value computed (by a call
   that is not a tensor factory) before the step and not recomputed since.

The derivation is by names inside the block: each assignment gives its target the
"origins" of the names its value reads, plus an origin of its own when the value is a
computation. A shared computed origin assigned before the step is the same graph.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left, bisect_right

from ...rules import Code
from ..project import stored_names
from .context import Context
from ..astwalk import walk
from .names import Scope, qualname

#: Calls that make leaves (inputs, not graph): sharing one of these is not sharing a graph.
_LEAF_CALLEES = frozenset({
    "Variable", "randn", "rand", "randint", "zeros", "ones", "empty", "full", "tensor",
    "from_numpy", "Tensor", "FloatTensor", "LongTensor", "DoubleTensor", "ByteTensor",
    "arange", "linspace", "eye", "normal", "uniform_", "zeros_like", "ones_like", "randn_like",
})
#: Methods that pass their receiver's graph on unchanged for this purpose.
_TRANSPARENT = frozenset({"cuda", "cpu", "to", "float", "double", "type", "view", "squeeze",
                          "unsqueeze", "contiguous"})
_OPTIMIZER_NAME = re.compile(r"(^|_)(opt|optim|optimizer|solver)(_|\d|$)", re.IGNORECASE)
_RETAIN = ("retain_graph", "retain_variables")
_RETAIN_TEXT = re.compile("retain_")

_BLOCK_FIELDS = ("body", "orelse", "finalbody")


def check_step_between_backwards(ctx: Context) -> None:
    if "retain_" not in ctx.sm.source:
        return  # no backward keeps its graph: nothing to prove
    source = ctx.sm.source
    # Only the statements around a `retain_...` line can start the pattern. Rows as the
    # tokenizer counts them: ``str.splitlines`` also breaks at form feeds (an old editor's
    # page break), which would shift every later row off the statements it is in.
    starts = ctx.sm.line_starts
    retain_lines = sorted({bisect_right(starts, m.start()) for m in _RETAIN_TEXT.finditer(source)})
    optimizers = _OptimizerNames(ctx)
    for scope in ctx.index.scopes:
        if scope.kind not in ("module", "function"):
            continue
        for block in _blocks(scope.node, retain_lines):
            _check_block(ctx, block, scope, optimizers)


class _OptimizerNames:
    """Names assigned a ``torch.optim`` instance in the module, looked up once, and only
    for a step whose receiver's name does not already say it is an optimizer."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.names: set[str] | None = None

    def __contains__(self, name: str) -> bool:
        if self.names is None:
            self.names = _optimizer_names(self.ctx.index.module)
        return name in self.names


def _covers(node: ast.AST, lines: list[int]) -> bool:
    i = bisect_left(lines, node.lineno)
    return i < len(lines) and lines[i] <= node.end_lineno


def _blocks(node: ast.AST, retain_lines: list[int]):
    """The statement lists of a function or module body that hold a ``retain_...`` line,
    without descending into nested functions or classes (scopes of their own) or into
    statements away from those lines."""
    todo = [node]
    while todo:
        current = todo.pop()
        for field in _BLOCK_FIELDS:
            block = getattr(current, field, None)
            if not (isinstance(block, list) and block and isinstance(block[0], ast.stmt)):
                continue
            covering = [stmt for stmt in block if _covers(stmt, retain_lines)]
            if not covering:
                continue
            yield block
            for stmt in covering:
                if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    todo.append(stmt)
        for handler in getattr(current, "handlers", ()):
            if _covers(handler, retain_lines):
                todo.append(handler)


def _call_of(stmt: ast.stmt, method: str) -> ast.Call | None:
    """``x.method(...)`` as a whole expression statement."""
    if stmt.__class__ is ast.Expr and stmt.value.__class__ is ast.Call:
        func = stmt.value.func
        if func.__class__ is ast.Attribute and func.attr == method:
            return stmt.value
    return None


def _retains(call: ast.Call) -> bool:
    for kw in call.keywords:
        if kw.arg in _RETAIN:
            return kw.value.__class__ is ast.Constant and kw.value.value is True
    return len(call.args) >= 2 and call.args[1].__class__ is ast.Constant \
        and call.args[1].value is True


def _is_optimizer(node: ast.AST, optimizers: _OptimizerNames) -> bool:
    name = node.attr if node.__class__ is ast.Attribute else \
        node.id if node.__class__ is ast.Name else None
    if name is None:
        return False
    return bool(_OPTIMIZER_NAME.search(name)) or name in optimizers


def _optimizer_names(scope: Scope) -> set[str]:
    """Names (and ``self.`` attributes) assigned a ``torch.optim`` instance anywhere in
    the module."""
    names: set[str] = set()
    for node in walk(scope.node):
        if node.__class__ is ast.Assign and node.value.__class__ is ast.Call:
            q = qualname(node.value.func, scope) or ""
            if q.startswith("torch.optim."):
                for target in node.targets:
                    if target.__class__ is ast.Name:
                        names.add(target.id)
                    elif target.__class__ is ast.Attribute:
                        names.add(target.attr)
    return names


class _Origins:
    """name -> the origins (computations) its current value derives from."""

    def __init__(self) -> None:
        self.of: dict[str, frozenset[int]] = {}
        self.computed: set[int] = set()
        #: origin -> index of the statement that made it
        self.made_at: dict[int, int] = {}

    def read(self, node: ast.AST) -> frozenset[int]:
        found: set[int] = set()
        # A called name is a model or a function (`D(x)`), not a value of the graph:
        # two losses of one model on fresh inputs share no graph.
        nodes = walk(node)
        called = {id(sub.func) for sub in nodes if sub.__class__ is ast.Call}
        for sub in nodes:
            if sub.__class__ is ast.Name and id(sub) not in called:
                found |= self.of.get(sub.id, frozenset())
        return frozenset(found)

    def assign(self, stmt: ast.stmt, index: int, scope: Scope, after_step: bool) -> None:
        targets = stmt.targets if stmt.__class__ is ast.Assign else [stmt.target]
        value = stmt.value
        if value is None:
            return
        origins = self.read(value)
        if after_step and _calls_a_model(value, scope):
            # A model run after the step records its layers afresh; whether the weights
            # the step changed lie upstream of it, the block cannot show.
            origins = frozenset()
        if stmt.__class__ is ast.AugAssign:
            for target in targets:
                if target.__class__ is ast.Name:
                    origins |= self.of.get(target.id, frozenset())
        if _is_computation(value):
            key = id(stmt)
            self.computed.add(key)
            self.made_at[key] = index
            origins |= {key}
        for target in targets:
            for name in stored_names(target):
                self.of[name] = origins


def _calls_a_model(value: ast.AST, scope: Scope) -> bool:
    """A call of something the module binds itself (``encoder(x)``, ``self.D(x)``), not
    a torch or library function."""
    for sub in walk(value):
        if sub.__class__ is ast.Call and sub.func.__class__ in (ast.Name, ast.Attribute) \
                and qualname(sub.func, scope) is None and not _is_method_of_value(sub.func) \
                and not _is_plain_function(sub.func, scope):
            return True
    return False


def _is_plain_function(func: ast.AST, scope: Scope) -> bool:
    """A name the module defines with ``def`` (a helper such as ``log(x)``)."""
    if func.__class__ is not ast.Name:
        return False
    root = scope
    while root.parent is not None:
        root = root.parent
    return any(stmt.__class__ is ast.FunctionDef and stmt.name == func.id
               for stmt in root.node.body)


def _is_method_of_value(func: ast.AST) -> bool:
    """``x.sum()`` / ``loss.mean()``: a tensor method, not a submodule (``self.D``)."""
    return func.__class__ is ast.Attribute and not (
        func.value.__class__ is ast.Name and func.value.id == "self")


def _is_computation(value: ast.AST) -> bool:
    """A call that is not a tensor factory (a model's forward, a loss, a reduction)."""
    for sub in walk(value):
        if sub.__class__ is not ast.Call:
            continue
        func = sub.func
        name = func.attr if func.__class__ is ast.Attribute else \
            func.id if func.__class__ is ast.Name else None
        if name is None or name in _LEAF_CALLEES or name in _TRANSPARENT:
            continue
        return True
    return False


def _check_block(ctx: Context, block: list[ast.stmt], scope: Scope,
                 optimizers: _OptimizerNames) -> None:
    if not any(_call_of(stmt, "step") for stmt in block):
        return
    first = next((i for i, stmt in enumerate(block)
                  if (call := _call_of(stmt, "backward")) is not None and _retains(call)), None)
    if first is None or not any(_call_of(stmt, "step") for stmt in block[first:]):
        return  # the pattern starts with a backward that keeps its graph, in this block
    origins = _Origins()
    retained: frozenset[int] | None = None  # origins of a backward that kept its graph
    step: tuple[int, ast.Call] | None = None
    for index, stmt in enumerate(block):
        if stmt.__class__ in (ast.Assign, ast.AugAssign, ast.AnnAssign):
            origins.assign(stmt, index, scope, step is not None)
            continue
        backward = _call_of(stmt, "backward")
        if backward is not None:
            mine = origins.read(backward.func.value)
            if step is not None and retained is not None:
                shared = {o for o in mine & retained
                          if o in origins.computed and origins.made_at[o] < step[0]}
                if shared:
                    step_call = step[1]
                    ctx.add(ctx.sm.diagnostic(Code.STEP_BETWEEN_BACKWARDS, backward,
                                              variant="backward",
                                              step_line=step_call.lineno))
                    return
            if _retains(backward):
                retained, step = mine, None
            else:
                retained = None
            continue
        call = _call_of(stmt, "step")
        if call is not None and retained is not None and not call.args:
            if _is_optimizer(call.func.value, optimizers):
                step = (index, call)
