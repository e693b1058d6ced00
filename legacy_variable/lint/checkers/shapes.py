"""Shape changes since 0.4 that the code shows: LV120 (``dot`` of multi-dimensional
tensors), LV121 (an integer-indexed element of a 1-D tensor as a loss target) and LV123 (a
full reduction printed as a tensor). LV120 and LV123 need what the scope's dataflow knows
about the operands at that point, so they are handlers of the scope flow (flow.py); LV121
reads single bindings only and runs per call."""

from __future__ import annotations

import ast
import re

from ...diagnostics import UNSAFE
from ...evidence_file import line_hash
from ...rules import Code
from . import torch_api as api
from ..astwalk import walk
from .context import Context
from .dataflow import NONTENSOR, Classifier
from .events import Event, EventKind
from .flow import ScopeFlow
from .fixes import is_atom, make_fix
from .names import Scope, qualname

# printf-style conversions: flags, width, precision, length, then the conversion letter.
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(.)")


def check_dot(flow: ScopeFlow, event: Event) -> None:
    """LV120: ``a.dot(b)`` / ``torch.dot(a, b)`` of operands the flow shows are N-D."""
    ctx, scope, classifier = flow.ctx, flow.scope, flow.classifier
    call = event.node
    func = call.func
    q = qualname(func, scope)
    if q == "torch.dot" and len(call.args) == 2 and not call.keywords:
        left, right = call.args
    elif q is None and len(call.args) == 1 and not call.keywords:
        left, right = func.value, call.args[0]
    else:
        return
    facts = [classifier.classify(left), classifier.classify(right)]
    if not any(f.tensor for f in facts) or any(f.kind is NONTENSOR for f in facts):
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
    ctx.add(sm.diagnostic(Code.DOT_OF_MATRICES, call, fix, callee=sm.text(func), shapes=shapes))


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
    ctx.add(sm.diagnostic(Code.PRINT_REDUCTION_TENSOR, node, fix, expr=text))


def check_print(flow: ScopeFlow, event: Event) -> None:
    """LV123: ``print(x.sum())``."""
    scope = flow.scope
    if scope.lookup("print") != "builtins.print":
        return
    for arg in event.node.args:
        if _is_full_reduction(arg, scope, flow.classifier):
            _report_reduction(flow.ctx, arg)


def check_percent_format(flow: ScopeFlow, event: Event) -> None:
    """LV123: ``"%s" % x.sum()``."""
    node = event.node
    conversions = [c for c in _CONVERSION.findall(node.left.value) if c != "%"]
    right = node.right
    values = right.elts if right.__class__ is ast.Tuple else [right]
    if len(values) != len(conversions):
        return
    for conversion, value in zip(conversions, values):
        if conversion in "sr" and _is_full_reduction(value, flow.scope, flow.classifier):
            _report_reduction(flow.ctx, value)


# ---------------------------------------------------------------------------- LV121
#: Losses whose target must be a batch (``(N,)``) when the input is ``(N, C)``.
CLASS_TARGET_LOSSES = frozenset({"torch.nn.functional.nll_loss",
                                 "torch.nn.functional.cross_entropy"})
CLASS_TARGET_MODULES = frozenset({"torch.nn.NLLLoss", "torch.nn.CrossEntropyLoss"})


def _single_value(scope: Scope, name: str) -> tuple[ast.AST | None, Scope | None]:
    """The value ``name`` is bound to, when it is bound exactly once (by assignment)."""
    owner = scope.owner(name)
    if owner is None:
        return None, None
    bindings = owner.binding_events(name)
    if len(bindings) != 1 or bindings[0].kind is not EventKind.ASSIGN:
        return None, None
    return bindings[0].value, owner


def _target_argument(call: ast.Call) -> ast.AST | None:
    if len(call.args) >= 2:
        return call.args[1]
    return next((k.value for k in call.keywords if k.arg == "target"), None)


def is_class_target_loss(call: ast.Call, scope: Scope, q: str | None) -> bool:
    if q is not None:
        return q in CLASS_TARGET_LOSSES
    func = call.func
    if func.__class__ is not ast.Name or _target_argument(call) is None:
        return False
    value, owner = _single_value(scope, func.id)
    return value.__class__ is ast.Call and value.func.__class__ in (ast.Name, ast.Attribute) \
        and qualname(value.func, owner) in CLASS_TARGET_MODULES


def _is_element_index(index: ast.AST) -> bool:
    if index.__class__ in (ast.Slice, ast.Tuple, ast.List, ast.Starred):
        return False
    if index.__class__ is ast.Constant:
        return index.value.__class__ is int
    return index.__class__ in (ast.Name, ast.BinOp, ast.UnaryOp, ast.Attribute, ast.Call)


def check_vector_element_target(ctx: Context, call: ast.Call, scope: Scope,
                                q: str | None) -> None:
    """``criterion(output, targets[i])`` (or via ``target = targets[i]``) where ``targets``
    is shown to be 1-D: 0.3 gave shape ``(1,)``, modern PyTorch a 0-dim tensor."""
    if not is_class_target_loss(call, scope, q):
        return
    target = _target_argument(call)
    if target is None:
        return
    element = target
    if target.__class__ is ast.Name:
        value, owner = _single_value(scope, target.id)
        if owner is not scope:
            return
        element = value
    if element.__class__ is not ast.Subscript or element.value.__class__ is not ast.Name \
            or not _is_element_index(element.slice):
        return
    vector, owner = _single_value(scope, element.value.id)
    if vector is None:
        shown = _parameter_is_vector(ctx, scope, element.value.id)
    else:
        shown = _is_vector(ctx, vector, owner)
    seen = 0 if shown else _seen_as_vector(ctx, element)
    if not shown and not seen:
        return
    sm = ctx.sm
    text = sm.text(target)
    operand = text if is_atom(target) else f"({text})"
    fix = make_fix([sm.replace_node(target, f"{operand}.view(1)")], UNSAFE,
                   "Pass the element as a batch of one, as 0.3 did")
    if element is target:
        found = sm.diagnostic(Code.VECTOR_INDEX_IS_ZERO_DIM, target, fix, target=text)
    else:
        found = sm.diagnostic(Code.VECTOR_INDEX_IS_ZERO_DIM, target, fix, target=text,
                              variant="indexed_at", index_line=element.lineno)
    if seen:
        found = found.with_args(evidence="confirmed", observations=seen)
    ctx.add(found)


def _seen_as_vector(ctx: Context, element: ast.Subscript) -> int:
    """``check --evidence``: how many times a recorded run saw ``element``'s receiver 1-D
    at ``[0]`` (the recorder's "index0" kind), when it was 1-D every time; else 0. Only the
    exact site, with its line's text unchanged, counts (the char-RNN ``target[c]`` whose
    sequence comes from a helper in another module, which the code alone does not show)."""
    evidence = ctx.project.evidence if ctx.project is not None else ()
    if not evidence:
        return 0
    line, column = ctx.sm.start(element)
    key = (line, column, line_hash(ctx.sm.line_text(line)), "index0")
    for site, seen in evidence:
        if site == key:
            counts = dict(seen)
            return sum(counts.values()) if set(counts) == {"ndim=1"} else 0
    return 0


def _is_vector(ctx: Context, value: ast.AST, scope: Scope) -> bool:
    fact = Classifier(scope, {}).classify(value)
    return (fact.tensor and fact.ndim == 1) or _made_by_a_vector_helper(ctx, value, scope)


def _parameter_is_vector(ctx: Context, scope: Scope, name: str) -> bool:
    """``name`` is a parameter of a module-level function that every use of the function
    in the module calls with a 1-D tensor there: the char-RNN ``def train(inp, target)``
    with ``train(*random_training_set())``. Silent (False) when any use is not such a call
    (passed as a callback, called with something unknown) or the parameter is rebound."""
    function = scope.owner(name)
    module = ctx.index.module
    node = function.node if function is not None else None
    if function is None or function.kind != "function" or function.parent is not module \
            or node.__class__ is not ast.FunctionDef:
        return False
    arguments = node.args
    params = [a.arg for a in arguments.args]
    if name not in params or arguments.posonlyargs or arguments.vararg or arguments.kwarg \
            or len(function.binding_events(name)) != 1:
        return False
    uses = defined = 0
    for n in walk(ctx.index.tree):
        cls = n.__class__
        if cls is ast.Name and n.id == node.name:
            if n.ctx.__class__ is not ast.Load:
                return False  # rebound somewhere: the calls may reach another function
            uses += 1
        elif cls in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) and n.name == node.name:
            defined += 1
        elif cls is ast.alias and (n.asname or n.name) == node.name:
            return False
    if defined != 1:
        return False
    calls = [(call, where) for call, where in ctx.index.calls
             if call.func.__class__ is ast.Name and call.func.id == node.name
             and where.owner(node.name) is module]
    return bool(calls) and len(calls) == uses and all(
        _passes_vector(ctx, call, where, params, name) for call, where in calls)


def _passes_vector(ctx: Context, call: ast.Call, scope: Scope, params: list[str], name: str) -> bool:
    position = params.index(name)
    given = next((k.value for k in call.keywords if k.arg == name), None)
    if given is None and any(k.arg is None for k in call.keywords):
        return False
    if given is None and len(call.args) == 1 and call.args[0].__class__ is ast.Starred:
        # ``train(*make_pair())``: the helper's every return is a tuple of as many names.
        helper = call.args[0].value
        return not call.keywords and _helper_returns_vector_at(ctx, helper, scope, position, len(params))
    if given is None:
        if position >= len(call.args) or any(a.__class__ is ast.Starred for a in call.args):
            return False
        given = call.args[position]
    if given.__class__ is ast.Name:
        value, owner = _single_value(scope, given.id)
        return value is not None and _is_vector(ctx, value, owner)
    return _is_vector(ctx, given, scope)


def _module_function_called(ctx: Context, call: ast.AST, scope: Scope):
    """The module-level function scope that ``call`` calls by its plain name, or None."""
    if call.__class__ is not ast.Call or call.func.__class__ is not ast.Name:
        return None
    name = call.func.id
    module = ctx.index.module
    if scope.owner(name) is not module:
        return None
    for function in ctx.index.scopes:
        if function.kind == "function" and function.parent is module and function.node.name == name:
            return function
    return None


def _helper_returns_vector_at(ctx: Context, helper: ast.AST, scope: Scope, position: int,
                              width: int) -> bool:
    function = _module_function_called(ctx, helper, scope)
    return function is not None and _returns_vector(function.node, function, ctx, (position, width))


# A helper of the module that makes the sequence: ``target = str2tensor(line[1:])`` in a
# char-RNN training loop, with ``def str2tensor(s): t = [ord(c) for c in s];
# t = torch.LongTensor(t); ...; return Variable(t)``.
_KEEP_NDIM = frozenset({"cuda", "cpu", "long", "float", "int", "double", "contiguous", "to",
                        "clone", "detach", "type"})
_VECTOR_SIZED = frozenset({"torch.zeros", "torch.ones", "torch.empty", "torch.randn",
                           "torch.rand"})


def _made_by_a_vector_helper(ctx: Context, value: ast.AST, scope: Scope) -> bool:
    function = _module_function_called(ctx, value, scope)
    return function is not None and _returns_vector(function.node, function)


def _returns_vector(function: ast.AST, scope: Scope, ctx: Context | None = None,
                    element: tuple[int, int] | None = None) -> bool:
    """Every ``return`` of ``function`` gives a 1-D tensor, following its local names in
    source order (a name's last assignment before the return counts). ``element``
    (position, width): every return is a tuple of ``width`` and its item at ``position``
    is 1-D; there a name made by another vector helper of the module (``ctx``) counts."""
    ndims: dict[str, int | None] = {}
    returns: list[int | None] = []

    def ndim(value: ast.AST) -> int | None:
        found = _ndim(value, ndims, scope)
        if found is None and ctx is not None and _made_by_a_vector_helper(ctx, value, scope):
            return 1
        return found

    def returned(value: ast.AST | None) -> int | None:
        if element is None:
            return _ndim(value, ndims, scope) if value else None
        if value.__class__ is not ast.Tuple or len(value.elts) != element[1] \
                or any(e.__class__ is ast.Starred for e in value.elts):
            return None
        return ndim(value.elts[element[0]])

    def block(stmts) -> None:
        for stmt in stmts:
            cls = stmt.__class__
            if cls in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
                continue
            if cls is ast.Assign and len(stmt.targets) == 1 \
                    and stmt.targets[0].__class__ is ast.Name:
                ndims[stmt.targets[0].id] = ndim(stmt.value) if element else _ndim(stmt.value, ndims, scope)
            elif cls is ast.Return:
                returns.append(returned(stmt.value))
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if inner and cls is not ast.Assign:
                    block(inner)

    block(function.body)
    return bool(returns) and all(n == 1 for n in returns)


def _ndim(node: ast.AST, ndims: dict, scope: Scope) -> int | None:
    cls = node.__class__
    if cls is ast.Name:
        return ndims.get(node.id)
    if cls in (ast.ListComp, ast.List):
        items = [node.elt] if cls is ast.ListComp else node.elts
        nested = any(i.__class__ in (ast.List, ast.Tuple, ast.ListComp) for i in items)
        return None if nested or not items else 1
    if cls is not ast.Call:
        return None
    func = node.func
    if func.__class__ is ast.Attribute and func.attr in _KEEP_NDIM:
        return _ndim(func.value, ndims, scope)
    q = qualname(func, scope)
    if len(node.args) == 1 and not node.keywords:
        arg = node.args[0]
        if q == api.VARIABLE or q in api.LEGACY_TENSOR_TYPES or q == "torch.tensor":
            inner = _ndim(arg, ndims, scope)
            if inner is not None or q == api.VARIABLE:
                return inner
        if q in _VECTOR_SIZED and arg.__class__ not in (ast.Tuple, ast.List, ast.Starred):
            return 1
    return None
