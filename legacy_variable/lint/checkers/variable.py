"""The Variable wrapper itself: LV101 (the call), LV102 (the import), LV103 (``volatile=``),
LV110 (type checks against Variable), LV208/LV209 (flags that raise)."""

from __future__ import annotations

import ast
import re

from ...diagnostics import SAFE, UNSAFE
from ...rules import Code
from . import torch_api as api
from .context import Context
from .dataflow import ABSENT, keyword, literal, numeric_literal, requires_grad_arg
from .fixes import is_atom, make_fix, remove_argument, append_argument
from .names import Scope, qualname


def _data_argument(call: ast.Call) -> ast.AST | None:
    if call.args:
        first = call.args[0]
        return None if first.__class__ is ast.Starred else first
    kw = keyword(call, "data")
    return kw.value if kw is not None else None


def is_integer_tensor_expr(ctx: Context, node: ast.AST, scope: Scope) -> bool:
    if node.__class__ is not ast.Call:
        return False
    q = qualname(node.func, scope)
    types = ctx.legacy_tensor_type(node.func, scope)
    if types:
        return all(not api.LEGACY_TENSOR_TYPES[t][0].startswith(("float", "bfloat"))
                   for t in types)
    if q in api.FRESH_FACTORIES:
        kw = keyword(node, "dtype")
        if kw is not None:
            return qualname(kw.value, scope) in api.INTEGER_DTYPES
        return makes_int64(node, q)
    return False


def _integer_literal(node: ast.AST) -> bool:
    if node.__class__ in (ast.List, ast.Tuple):
        return bool(node.elts) and all(_integer_literal(e) for e in node.elts)
    value = literal(node)
    return value.__class__ is int


def makes_int64(call: ast.Call, q: str | None) -> bool:
    """A factory call without ``dtype=`` that makes int64: ``torch.randperm(n)``, or
    ``torch.arange(0, 3)`` / ``torch.tensor([1, 2])`` with integer literals only."""
    if q in api.INTEGER_FACTORIES:
        return True
    if q in api.INFERRING_FACTORIES:
        numbers = [a for a in call.args] + [kw.value for kw in call.keywords
                                             if kw.arg in ("start", "end", "step", "data")]
        return bool(numbers) and all(_integer_literal(a) for a in numbers)
    return False


# Conversions whose result, applied to a fresh tensor, is again a tensor nothing else holds.
_CONVERSIONS = frozenset({"float", "double", "half", "long", "int", "short", "byte", "bool",
                          "cuda", "cpu", "to", "contiguous", "clone", "type",
                          # in-place fills return the (still fresh) tensor itself
                          "fill_", "zero_", "normal_", "uniform_", "random_", "bernoulli_",
                          "copy_"})
# In-place ops whose result has history when an argument does (``fill_(w)``, ``copy_(t)``).
_GRAD_CARRYING_INPLACE = frozenset({"copy_", "fill_", "bernoulli_"})


def _literal_arguments(call: ast.Call) -> bool:
    """Every argument written out as a number: no graph can come in through them."""
    return all(numeric_literal(a) for a in (*call.args, *(kw.value for kw in call.keywords)))


def fresh_call(ctx: Context, node: ast.AST, scope: Scope) -> str | None:
    """"factory", "legacy" or None: whether ``node`` is a call making a new tensor."""
    if node.__class__ is not ast.Call:
        return None
    q = qualname(node.func, scope)
    if q in api.FRESH_FACTORIES:
        if q in api.GRAD_CARRYING_FACTORIES and not _literal_arguments(node):
            return None
        return "factory"
    if q in api.LEGACY_TENSOR_TYPES or ctx.legacy_tensor_type(node.func, scope):
        return "legacy"
    return None


def _fresh_conversion(ctx: Context, node: ast.AST, scope: Scope) -> bool:
    """``torch.from_numpy(a).float().cuda()``: conversions of a fresh factory result."""
    seen_conversion = False
    while node.__class__ is ast.Call and node.func.__class__ is ast.Attribute \
            and node.func.attr in _CONVERSIONS:
        if node.func.attr in _GRAD_CARRYING_INPLACE and not _literal_arguments(node):
            return False
        node = node.func.value
        seen_conversion = True
    return seen_conversion and fresh_call(ctx, node, scope) is not None


def detach_fix(ctx: Context, call: ast.Call, data: ast.AST, requires_grad: bool):
    """``Variable(t[, requires_grad=True])`` -> ``t.detach()[.requires_grad_()]``: what the
    wrapper does today, spelled out (``Variable(t.data)`` -> ``t.detach()``)."""
    sm = ctx.sm
    core = data
    if data.__class__ is ast.Attribute and data.attr == "data":
        core = data.value
    suffix = ".detach()" + (".requires_grad_()" if requires_grad else "")
    atom = is_atom(core)
    return make_fix(
        [
            sm.replace(sm.start(call), sm.start(core), "" if atom else "("),
            sm.replace(sm.end(core), sm.end(call), ("" if atom else ")") + suffix),
        ],
        UNSAFE,
        "Replace the wrapper with `.detach()` (today's meaning)",
    )


def _integer_requires_grad(ctx: Context, call: ast.Call, scope: Scope) -> bool:
    """``Variable(long_tensor, requires_grad=True)``: raises on modern PyTorch."""
    if requires_grad_arg(call, 1) is not True:
        return False
    data = _data_argument(call)
    return data is not None and is_integer_tensor_expr(ctx, data, scope)


def check_variable_call(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    """LV101: the wrapper call, fixed to what it means today."""
    sm = ctx.sm
    callee = sm.text(call.func)
    data = _data_argument(call)
    rg = requires_grad_arg(call, 1)
    volatile_kw = keyword(call, "volatile")
    volatile = literal(volatile_kw.value) if volatile_kw is not None else ABSENT
    integer_rg = rg is True and data is not None and is_integer_tensor_expr(ctx, data, scope)

    fix = None
    plain_keywords = all(kw.arg in ("requires_grad", "volatile", "data") for kw in call.keywords)
    if (
        data is not None
        and plain_keywords
        and len(call.args) <= 2
        and rg in (True, False, ABSENT)
        and volatile in (False, ABSENT)
        and not integer_rg
    ):
        fix = _unwrap_fix(ctx, call, data, rg is True, scope)
    variant = "plain"
    if rg is True and data is not None and not integer_rg \
            and fresh_call(ctx, data, scope) is None and not _fresh_conversion(ctx, data, scope):
        # A computed value made to require grad: the wrap cuts its history on purpose.
        variant = "new_leaf"
    ctx.add(sm.diagnostic(Code.VARIABLE_WRAPPER, call, fix, callee=callee, variant=variant))


def check_volatile_keyword(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    """LV103: ``Variable(t, volatile=...)``; ``volatile=False`` says nothing and goes."""
    volatile_kw = keyword(call, "volatile")
    if volatile_kw is None:
        return
    sm = ctx.sm
    fix = None
    if literal(volatile_kw.value) is False:
        fix = make_fix([remove_argument(sm, call, volatile_kw)], SAFE, "Remove `volatile=False`")
    ctx.add(sm.diagnostic(Code.VOLATILE_FLAG, volatile_kw, fix))


def check_volatile_and_requires_grad(ctx: Context, call: ast.Call, scope: Scope,
                                     q: str) -> None:
    """LV209: ``Variable(t, volatile=True, requires_grad=True)`` raises."""
    volatile_kw = keyword(call, "volatile")
    if volatile_kw is not None and literal(volatile_kw.value) is True \
            and requires_grad_arg(call, 1) is True:
        ctx.add(ctx.sm.diagnostic(Code.VOLATILE_AND_REQUIRES_GRAD, call))


def check_variable_integer_requires_grad(ctx: Context, call: ast.Call, scope: Scope,
                                         q: str) -> None:
    """LV208 for the wrapper: ``Variable(long_tensor, requires_grad=True)``."""
    if _integer_requires_grad(ctx, call, scope):
        ctx.add(ctx.sm.diagnostic(Code.INTEGER_REQUIRES_GRAD, call))


def _unwrap_fix(ctx: Context, call: ast.Call, data: ast.AST, requires_grad: bool, scope: Scope):
    sm = ctx.sm
    kind = fresh_call(ctx, data, scope)
    q = qualname(data.func, scope) if kind == "factory" else None
    if kind is None:
        if not _fresh_conversion(ctx, data, scope):
            return detach_fix(ctx, call, data, requires_grad)
        q = None  # a conversion chain: ``requires_grad_()`` goes at its end
    prefix = sm.delete(sm.start(call), sm.start(data))
    if not requires_grad:
        return make_fix([prefix, sm.delete(sm.end(data), sm.end(call))], SAFE,
                        "Remove the `Variable` wrapper")
    has_kwargs = any(kw.arg is None for kw in data.keywords)
    if q in api.ACCEPT_REQUIRES_GRAD and not has_kwargs and keyword(data, "requires_grad") is None:
        edits = [prefix, append_argument(sm, data, "requires_grad=True"),
                 sm.delete(sm.end(data), sm.end(call))]
    elif keyword(data, "requires_grad") is None:
        edits = [prefix, sm.replace(sm.end(data), sm.end(call), ".requires_grad_()")]
    else:
        return None
    return make_fix(edits, SAFE, "Remove the `Variable` wrapper; create the tensor with "
                    "`requires_grad=True`")


# ---------------------------------------------------------------------------- LV102
_VARIABLE_MODULES = ("torch.autograd", "torch.autograd.variable")
_AFTER_STMT = re.compile(r"[ \t]*(#[^\r\n]*)?(\r\n|\r|\n|$)")
_SEMICOLON_AFTER = re.compile(r"[ \t]*;[ \t]*")
_SEMICOLON_BEFORE = re.compile(r";[ \t]*$")


def check_imports(ctx: Context) -> None:
    index = ctx.index
    sm = ctx.sm
    for node, scope in index.imports:
        if node.__class__ is not ast.ImportFrom or node.level \
                or node.module not in _VARIABLE_MODULES:
            continue
        for alias in node.names:
            if alias.name != "Variable":
                continue
            bound = alias.asname or alias.name
            used = index.name_loads.get(bound, 0) > 0 or bound in index.str_constants
            # A module that star-imports this one uses the name: removing it here would
            # be a NameError there (project.py). Without a project nothing is known of
            # importers, and the removal is judged as ruff's F401 judges one: unsafe only
            # in a package ``__init__``, the usual source of star imports.
            used = used or bound in ctx.project.star_needed
            fix = None
            if not used:
                edits = _remove_alias(ctx, node, alias)
                if edits is not None:
                    package_init = ctx.sm.path.replace("\\", "/").endswith("__init__.py")
                    fix = make_fix(edits, UNSAFE if package_init else SAFE,
                                   "Remove the unused `Variable` import")
            ctx.add(sm.diagnostic(Code.VARIABLE_IMPORT, alias, fix))


def _remove_alias(ctx: Context, node: ast.ImportFrom, alias: ast.alias):
    sm = ctx.sm
    names = node.names
    if len(names) > 1:
        i = names.index(alias)
        # Comments between the names stay: only the name and one comma go.
        if i + 1 < len(names):
            gap = sm.between(sm.end(alias), sm.start(names[i + 1]))
            if "#" not in gap:
                return [sm.delete(sm.start(alias), sm.start(names[i + 1]))]
            comma_end = sm.offset(sm.end(alias)) + gap.index(",") + 1
            return [sm.delete(sm.start(alias), sm.position(comma_end))]
        gap = sm.between(sm.end(names[i - 1]), sm.start(alias))
        if "#" not in gap:
            return [sm.delete(sm.end(names[i - 1]), sm.end(alias))]
        comma = sm.offset(sm.end(names[i - 1])) + gap.index(",")
        return [sm.delete(sm.position(comma), sm.position(comma + 1)),
                sm.delete(sm.start(alias), sm.end(alias))]
    return _remove_statement(ctx, node)


def _remove_statement(ctx: Context, node: ast.stmt):
    sm = ctx.sm
    start, end = sm.start(node), sm.end(node)
    if ctx.index.block_sizes.get(id(node), 0) == 1:
        return [sm.replace(start, end, "pass")]
    source = sm.source
    end_offset = sm.offset(end)
    line_start = sm.line_starts[start[0] - 1]
    before = source[line_start : sm.offset(start)]
    semicolon = _SEMICOLON_AFTER.match(source, end_offset)
    if semicolon is not None:
        return [sm.delete(start, sm.position(semicolon.end()))]
    if before.strip():
        found = _SEMICOLON_BEFORE.search(before)
        if found is None:
            return None
        return [sm.delete(sm.position(line_start + found.start()), end)]
    after = _AFTER_STMT.match(source, end_offset)
    if after is None or after.group(1):
        # A trailing comment stays (it may be a pragma or explain more than the import).
        return [sm.delete(start, end)] if after is None else [
            sm.delete((start[0], 1), end)]
    return [sm.delete((start[0], 1), sm.position(after.end()))]


# ---------------------------------------------------------------------------- LV110
def check_isinstance(ctx: Context, call: ast.Call, scope: Scope, q: str) -> None:
    if len(call.args) != 2 or call.keywords:
        return
    classes = call.args[1]
    elements = classes.elts if classes.__class__ is ast.Tuple else [classes]
    hits = [e for e in elements if qualname(e, scope) == api.VARIABLE]
    if not hits:
        return
    sm = ctx.sm
    torch_name = ctx.torch_name(scope)
    fix = None
    if torch_name is not None:
        fix = make_fix([sm.replace_node(e, f"{torch_name}.Tensor") for e in hits], SAFE,
                       f"Check against `{torch_name}.Tensor`")
    ctx.add(sm.diagnostic(Code.VARIABLE_TYPE_CHECK, call, fix, check="isinstance"))


_COMPARE_WORDS = {ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not"}


def check_type_compare(ctx: Context, node: ast.Compare, scope: Scope) -> None:
    left, right = node.left, node.comparators[0]
    for call, other in ((left, right), (right, left)):
        if (
            call.__class__ is ast.Call
            and call.func.__class__ is ast.Name
            and call.func.id == "type"
            and scope.lookup("type") == "builtins.type"
            and len(call.args) == 1
            and qualname(other, scope) == api.VARIABLE
        ):
            op = _COMPARE_WORDS[node.ops[0].__class__]
            ctx.add(ctx.sm.diagnostic(Code.VARIABLE_TYPE_CHECK, node, None,
                                      check=f"type(...) {op}"))
            return
